import * as fs from 'node:fs';
import { SwarmEvent } from '../../core/events';
import { AvailabilityPoint, PeerMetrics, RunMetrics } from './model';

/** One peer's record of a run: its events with a time (ms) on a clock shared by all peers of the run. */
export interface PeerRecord {
  readonly id: number;
  readonly seeder: boolean;
  readonly profileClass?: string;
  /** Its cohort in a mixed comparison. */
  readonly cohort?: 'A' | 'B';
  /** When the peer joined, on the same clock; default: its first event. */
  readonly joinedAt?: number;
  readonly events: ReadonlyArray<{ readonly time: number; readonly event: SwarmEvent }>;
}

/** Reads a `jsonl` logger file: `t` is the monotonic clock the logger stamps (shared by processes on one machine). */
export function readJsonlRecord(file: string, id: number, seeder: boolean, profileClass?: string): PeerRecord {
  const events = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const { t, ...event } = JSON.parse(line) as SwarmEvent & { t: number };
      return { time: t, event: event as SwarmEvent };
    });
  return { id, seeder, profileClass, events };
}

/**
 * Turns the peers' event records into the metrics of one run. Computed from
 * the event stream only (never from log text), so the real harness and the
 * simulator measure the same way.
 */
export function computeRunMetrics(
  records: readonly PeerRecord[],
  run: { variant: 'A' | 'B'; pair: number; seed: number; numPieces: number; fileSize: number; failure?: string },
): RunMetrics {
  const swarmStart = Math.min(...records.map((r) => r.joinedAt ?? r.events[0]?.time ?? Infinity));
  const peers: PeerMetrics[] = records.map((r) => peerMetrics(r, swarmStart));
  const leechers = peers.filter((p) => !p.seeder);
  const allDone = leechers.every((p) => p.completedMs !== undefined);
  const failure = run.failure ?? (allDone ? undefined : `${leechers.filter((p) => p.completedMs === undefined).length} peer(s) never completed`);
  const rates = leechers.filter((p) => p.completedMs !== undefined).map((p) => run.fileSize / Math.max(1, p.completedMs! - p.joinedMs));
  return {
    variant: run.variant,
    pair: run.pair,
    seed: run.seed,
    ok: failure === undefined,
    failure,
    swarmDoneMs: failure === undefined ? Math.max(0, ...leechers.map((p) => p.completedMs!)) : undefined,
    peers,
    fairness: jainIndex(rates),
    seederUploadBytes: peers.filter((p) => p.seeder).reduce((s, p) => s + p.bytesUp, 0),
    duplicateBytes: peers.reduce((s, p) => s + p.duplicateBytes, 0),
    wastedBytes: peers.reduce((s, p) => s + p.wastedBytes, 0),
    availability: availabilityOverTime(records, swarmStart, run.numPieces),
    ...pieceDiversity(records, swarmStart, run.numPieces),
  };
}

function peerMetrics(r: PeerRecord, swarmStart: number): PeerMetrics {
  let bytesDown = 0;
  let bytesUp = 0;
  let duplicateBytes = 0;
  let wastedBytes = 0;
  let completedAt: number | undefined;
  let upWhileLeeching = 0;
  // A peer holds every piece as soon as its last piece arrives; file-complete follows once the store has
  // finished the file, and a peer may already serve as a seed in between.
  let holdsAll = r.seeder;
  for (const { time, event: e } of r.events) {
    if (e.kind === 'piece-downloaded') {
      bytesDown += e.bytes;
      if (e.have >= e.total) holdsAll = true;
    } else if (e.kind === 'piece-uploaded') {
      bytesUp += e.bytes;
      if (!holdsAll) upWhileLeeching += e.bytes;
    }
    else if (e.kind === 'piece-discarded') {
      bytesDown += e.bytes;
      if (e.reason === 'duplicate') duplicateBytes += e.bytes;
      else wastedBytes += e.bytes;
    } else if (e.kind === 'file-complete' && completedAt === undefined) {
      completedAt = time;
      holdsAll = true;
    }
  }
  const joinedMs = (r.joinedAt ?? r.events[0]?.time ?? swarmStart) - swarmStart;
  return {
    id: r.id,
    seeder: r.seeder,
    profileClass: r.profileClass,
    ...(r.cohort === undefined ? {} : { cohort: r.cohort }),
    joinedMs,
    completedMs: r.seeder ? joinedMs : completedAt === undefined ? undefined : completedAt - swarmStart,
    bytesDown,
    bytesUp,
    bytesUpWhileLeeching: upWhileLeeching,
    shareRatio: bytesDown === 0 ? (bytesUp > 0 ? Infinity : 0) : bytesUp / bytesDown,
    duplicateBytes,
    wastedBytes,
  };
}

/** Jain's fairness index: (sum x)^2 / (n sum x^2); 1 when all equal, 1/n when one gets everything. */
export function jainIndex(xs: readonly number[]): number {
  if (xs.length === 0) return 1;
  const sum = xs.reduce((s, x) => s + x, 0);
  const squares = xs.reduce((s, x) => s + x * x, 0);
  return squares === 0 ? 1 : (sum * sum) / (xs.length * squares);
}

function pieceArrivals(records: readonly PeerRecord[]): Array<{ time: number; index: number }> {
  const arrivals: Array<{ time: number; index: number }> = [];
  for (const r of records) for (const { time, event } of r.events) if (event.kind === 'piece-downloaded') arrivals.push({ time, index: event.index });
  return arrivals.sort((a, b) => a.time - b.time);
}

/**
 * Legout et al.'s view of piece diversity: when the transient phase ends
 * (every piece has a copy outside the seeders), and from then on how close
 * the rarest piece's copies stay to the mean copies per piece (min / mean,
 * time-weighted, up to the last piece received).
 */
export function pieceDiversity(records: readonly PeerRecord[], swarmStart: number, numPieces: number): { transientMs?: number; rarestToMean?: number } {
  const seeders = records.filter((r) => r.seeder).length;
  const copies = new Int32Array(numPieces).fill(seeders);
  const histogram = new Int32Array(records.length + 2);
  histogram[seeders] = numPieces;
  let min = seeders;
  let total = seeders * numPieces;
  let transientAt: number | undefined;
  let area = 0;
  let last = 0;
  for (const { time, index } of pieceArrivals(records)) {
    if (transientAt !== undefined) area += (min / (total / numPieces)) * (time - last);
    last = time;
    const before = copies[index]!++;
    total++;
    histogram[before]!--;
    histogram[before + 1]!++;
    while (histogram[min] === 0) min++;
    if (transientAt === undefined && min > seeders) transientAt = time;
  }
  if (transientAt === undefined) return {};
  const duration = last - transientAt;
  return { transientMs: transientAt - swarmStart, rarestToMean: duration > 0 ? area / duration : min / (total / numPieces) };
}

/**
 * The fewest copies any piece has in the swarm, over time: seeders hold
 * every piece from the start, each `piece-downloaded` adds a copy. Keeps a
 * histogram of copy counts so each event costs O(1).
 */
export function availabilityOverTime(records: readonly PeerRecord[], swarmStart: number, numPieces: number): AvailabilityPoint[] {
  const seeders = records.filter((r) => r.seeder).length;
  const copies = new Int32Array(numPieces).fill(seeders);
  const histogram = new Map<number, number>([[seeders, numPieces]]);
  let min = seeders;
  const points: AvailabilityPoint[] = [{ t: 0, minCopies: min }];
  const arrivals = pieceArrivals(records);
  for (const { time, index } of arrivals) {
    const before = copies[index]!++;
    histogram.set(before, histogram.get(before)! - 1);
    histogram.set(before + 1, (histogram.get(before + 1) ?? 0) + 1);
    if (before === min && histogram.get(min) === 0) {
      min++;
      points.push({ t: time - swarmStart, minCopies: min });
    }
  }
  const end = arrivals.length > 0 ? arrivals[arrivals.length - 1]!.time - swarmStart : 0;
  if (points[points.length - 1]!.t !== end) points.push({ t: end, minCopies: min });
  return points;
}
