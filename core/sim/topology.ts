import { Random } from '../util/random';

/**
 * The neighbour sets of a swarm of `n` peers: each peer gets `degree`
 * distinct neighbours at random (as if a tracker had handed every peer a
 * random peer list and the connections had settled): a random graph as
 * nearly regular as a greedy pass plus repairs makes it (a peer may end up
 * with one fewer, when the total is odd or the last ones left were already
 * its neighbours). With `degree >= n - 1` it is the full mesh of the classic protocol.
 * Deterministic for a given `rng`. Returns each peer's neighbours.
 */
export function randomNeighborSets(n: number, degree: number, rng: Random): number[][] {
  const sets: number[][] = Array.from({ length: n }, () => []);
  if (degree >= n - 1) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (j !== i) sets[i]!.push(j);
    return sets;
  }
  const d = Math.max(1, Math.floor(degree));
  const adjacent = new Set<number>();
  const key = (a: number, b: number): number => (a < b ? a * n + b : b * n + a);
  const link = (a: number, b: number): void => {
    adjacent.add(key(a, b));
    sets[a]!.push(b);
    sets[b]!.push(a);
  };
  const open = (a: number, b: number): boolean => a !== b && sets[b]!.length < d && !adjacent.has(key(a, b));
  const order = rng.shuffle(Array.from({ length: n }, (_, k) => k));
  for (const i of order) {
    // Random picks first; when most peers are full, a scan from a random start finishes the job.
    for (let attempt = 0; attempt < 8 * d && sets[i]!.length < d; attempt++) {
      const j = rng.int(n);
      if (open(i, j)) link(i, j);
    }
    if (sets[i]!.length < d) {
      const start = rng.int(n);
      for (let k = 0; k < n && sets[i]!.length < d; k++) {
        const j = (start + k) % n;
        if (open(i, j)) link(i, j);
      }
    }
  }
  // The greedy pass can leave a peer short when everyone it could still take is full: give it two by
  // splitting a random link u-v between two peers it is not connected to (u and v keep their counts).
  const unlink = (a: number, b: number): void => {
    adjacent.delete(key(a, b));
    sets[a]!.splice(sets[a]!.indexOf(b), 1);
    sets[b]!.splice(sets[b]!.indexOf(a), 1);
  };
  for (const i of order) {
    for (let attempt = 0; attempt < 50 * d && sets[i]!.length <= d - 2; attempt++) {
      const u = rng.int(n);
      if (u === i || sets[u]!.length === 0 || adjacent.has(key(i, u))) continue;
      const v = sets[u]![rng.int(sets[u]!.length)]!;
      if (v === i || adjacent.has(key(i, v))) continue;
      unlink(u, v);
      link(i, u);
      link(i, v);
    }
  }
  return sets;
}

/**
 * Who dials whom, from neighbour sets and join times: of two neighbours, the
 * one that joins later dials the other when it joins (the earlier one is
 * already listening), as a starting peer of the classic protocol dials the
 * peers listed before it. Ties in join time go by index. Returns, for each
 * peer, the peers it dials.
 */
export function dialPlan(sets: readonly (readonly number[])[], joinMs: readonly number[]): number[][] {
  const later = (a: number, b: number): boolean => joinMs[a]! > joinMs[b]! || (joinMs[a] === joinMs[b] && a > b);
  return sets.map((neighbours, i) => neighbours.filter((j) => later(i, j)).sort((a, b) => a - b));
}
