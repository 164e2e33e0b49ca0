/**
 * A realistic A/B report built in code: 2 variants, 4 run pairs of 10 peers
 * (1 seeder, 9 leechers of two profile classes), run 3 B failed by timeout,
 * availability series for every run. B (random-first) finishes faster and
 * leans less on the seeder than A in this made-up data.
 */
import type { AbReport, AvailabilityPoint, PeerMetrics, RunMetrics, Variant } from '../../../app/ab/model';
import { buildComparisons } from '../../../app/ab/stats';
import { SeededRandom } from '../../../core/util/random';

export const FILE_SIZE = 20 * 1024 * 1024;
export const PIECE_SIZE = 256 * 1024;
export const PEERS = 10;
export const PAIRS = 4;
export const SEEDER_ID = 1001;
/** Pair index (0-based) and variant of the failed run. */
export const FAILED = { pair: 2, variant: 'B' as const, failure: 'timeout after 120 s' };

export const VARIANT_A: Variant = { label: 'A', settings: { strategy: 'rarest-first', choke: 'tit-for-tat' } };
export const VARIANT_B: Variant = { label: 'B', settings: { strategy: 'random-first', choke: 'tit-for-tat' } };

function jain(xs: readonly number[]): number {
  const s = xs.reduce((a, x) => a + x, 0);
  const s2 = xs.reduce((a, x) => a + x * x, 0);
  return (s * s) / (xs.length * s2);
}

function makeRun(variant: 'A' | 'B', pair: number, seed: number): RunMetrics {
  // Shared seed per pair: the same swarm shape (join times, peer speeds), different plugin effect.
  const shape = new SeededRandom(seed);
  const noise = new SeededRandom(seed ^ (variant === 'A' ? 0x1111 : 0x2222));
  const speedup = variant === 'A' ? 1 : 0.8;
  const failed = pair === FAILED.pair && variant === FAILED.variant;

  const leechers: Array<{ id: number; joinedMs: number; durationMs: number; profileClass: string }> = [];
  for (let i = 1; i < PEERS; i++) {
    const profileClass = i >= 7 ? 'slow' : 'fast';
    const joinedMs = Math.round(i * 300 + shape.next() * 400);
    const base = profileClass === 'slow' ? 24000 : 14000;
    const durationMs = Math.round(base * speedup * (0.85 + shape.next() * 0.3) * (0.95 + noise.next() * 0.1));
    leechers.push({ id: SEEDER_ID + i, joinedMs, durationMs, profileClass });
  }

  const seederShare = variant === 'A' ? 0.32 + noise.next() * 0.04 : 0.22 + noise.next() * 0.04;
  const duplicates = Math.round((variant === 'A' ? 1.5 : 0.6) * 1024 * 1024 * (0.7 + noise.next() * 0.6));
  const wasted = Math.round(0.2 * 1024 * 1024 * noise.next());
  const totalDown = FILE_SIZE * leechers.length + duplicates + wasted;
  const seederUp = Math.round(totalDown * seederShare);

  // Leechers upload the rest in proportion to their speed (fast peers give more).
  const weights = leechers.map((l) => 1 / l.durationMs);
  const weightSum = weights.reduce((a, w) => a + w, 0);
  const perPeerExtra = Math.floor((duplicates + wasted) / leechers.length);
  const peers: PeerMetrics[] = [
    {
      id: SEEDER_ID,
      seeder: true,
      joinedMs: 0,
      completedMs: 0,
      bytesDown: 0,
      bytesUp: seederUp,
      shareRatio: Infinity,
      duplicateBytes: 0,
      wastedBytes: 0,
    },
  ];
  const completions: number[] = [];
  leechers.forEach((l, i) => {
    const bytesDown = FILE_SIZE + perPeerExtra;
    const bytesUp = Math.round(((totalDown - seederUp) * weights[i]!) / weightSum);
    // In the failed run the two slow peers never finish.
    const completedMs = failed && l.profileClass === 'slow' && i >= 7 ? undefined : l.joinedMs + l.durationMs;
    if (completedMs !== undefined) completions.push(completedMs);
    peers.push({
      id: l.id,
      seeder: false,
      profileClass: l.profileClass,
      joinedMs: l.joinedMs,
      ...(completedMs === undefined ? {} : { completedMs }),
      bytesDown,
      bytesUp,
      shareRatio: bytesUp / bytesDown,
      duplicateBytes: Math.floor(duplicates / leechers.length),
      wastedBytes: Math.floor(wasted / leechers.length),
    });
  });

  // Availability: 1 copy (the seeder) until pieces spread; rises as leechers fill up and complete.
  const end = failed ? 120000 : Math.max(...completions);
  const availability: AvailabilityPoint[] = [{ t: 0, minCopies: 1 }];
  const spreadAt = Math.round((variant === 'A' ? 0.45 : 0.5) * end * (0.9 + noise.next() * 0.2));
  availability.push({ t: spreadAt, minCopies: 2 });
  const sorted = completions.slice().sort((x, y) => x - y);
  sorted.forEach((t, i) => {
    const copies = Math.max(2, 1 + i + 1);
    if (t > spreadAt) availability.push({ t, minCopies: copies });
  });

  const rates = leechers.map((l) => FILE_SIZE / l.durationMs);
  const base: RunMetrics = {
    variant,
    pair,
    seed,
    ok: !failed,
    peers,
    fairness: jain(rates),
    seederUploadBytes: seederUp,
    duplicateBytes: duplicates,
    wastedBytes: wasted,
    availability,
  };
  return failed ? { ...base, failure: FAILED.failure } : { ...base, swarmDoneMs: end };
}

/** The fixture report; `overrides` replaces top-level fields (e.g. variants with odd names). */
export function makeReport(overrides: Partial<AbReport> = {}): AbReport {
  const seed = 42;
  const runs: RunMetrics[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const pairSeed = 1000 + pair * 7919;
    runs.push(makeRun('A', pair, pairSeed), makeRun('B', pair, pairSeed));
  }
  return {
    createdAt: '2025-01-15T10:30:00.000Z',
    mode: 'sim',
    a: VARIANT_A,
    b: VARIANT_B,
    peers: PEERS,
    fileSize: FILE_SIZE,
    pieceSize: PIECE_SIZE,
    profile: 'mixed-3-slow',
    seed,
    runs,
    comparisons: buildComparisons(runs, seed),
    ...overrides,
  };
}
