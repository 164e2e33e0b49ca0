import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { simulateParallel } from '../app/sim/parallel-simulation';
import { FAILURE_EVENT_KINDS, SimPeerShape } from '../app/sim/run-simulation';
import { SeededRandom } from '../core/util/random';

const MiB = 1024 * 1024;
const KiB = 1024;
/** Wall-time targets by swarm size (issue 11): 1,000 peers under a minute, 10,000 under five. */
const TARGET_WALL_S = (peers: number): number => (peers > 1000 ? 300 : 60);
const TARGET_HEAP_MIB = 4096;

/** A positive integer from the command line or the environment, with a clear error otherwise. */
function countArg(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got '${text}'`);
  return value;
}

/**
 * The simulator at scale: 1,000 peers (1 seeder) share a 64 MiB file in
 * 256 KiB pieces over simulated links: upload 1-10 MiB/s, download 2-8x the
 * upload, one-way access latency 10-50 ms (20-100 ms between two peers), the
 * leechers arriving within the first 10 s, 30 neighbours from the tracker.
 * Every peer is the real engine with the classic plugins, on virtual time.
 * Prints wall time, CPU time (user + system: on a shared machine the wall
 * time depends on the load, the CPU time much less) and the peak heap on its
 * last line.
 *
 * `node dist/bench/sim-scale.js [peers]` (e.g. 10000); SIM_PEERS, SIM_FILE_MIB,
 * SIM_DEGREE, SIM_SEED override the defaults; SIM_WORKERS the number of worker
 * threads (default: one per core, at most 2; 1 runs the single-thread simulate()).
 */
/**
 * V8 flags the run needs, set by re-running this script under them when they
 * are missing (`node dist/bench/sim-scale.js` is the documented command).
 * A 64 MiB semi-space (default 16 MiB): the messages in flight live for tens
 * of virtual ms, which at 10,000 peers is seconds of wall time, so with a
 * small young generation they survive two scavenges and are promoted, and
 * the scavenger spends its time copying them (3,000 peers: 119 -> 107 s CPU).
 */
const V8_FLAGS = ['--max-semi-space-size=64'];

/** Re-runs this process with V8_FLAGS when they are not all set; returns whether it did (and set the exit code). */
function reexecWithFlags(): boolean {
  if (V8_FLAGS.every((f) => process.execArgv.includes(f))) return false;
  const child = spawnSync(process.execPath, [...V8_FLAGS, ...process.execArgv, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exitCode = child.status ?? 1;
  return true;
}

async function main(): Promise<void> {
  if (reexecWithFlags()) return;
  const peers = countArg('the peer count', process.argv[2] ?? process.env.SIM_PEERS, 1000);
  const fileMiB = countArg('SIM_FILE_MIB', process.env.SIM_FILE_MIB, 64);
  const degree = countArg('SIM_DEGREE', process.env.SIM_DEGREE, 30);
  const seed = countArg('SIM_SEED', process.env.SIM_SEED, 1);
  // One worker thread per core, at most two: the swarm split across them (app/sim/parallel-simulation.ts).
  const workers = countArg('SIM_WORKERS', process.env.SIM_WORKERS, Math.min(2, os.availableParallelism()));
  const cpuStart = process.cpuUsage();
  let peakHeap = process.memoryUsage().heapUsed;
  // A parallel run reports the heap of all its threads; a single-thread run is this thread's.
  const sampleHeap = (threads?: number): void => {
    const used = threads ?? process.memoryUsage().heapUsed;
    if (used > peakHeap) peakHeap = used;
  };
  const rng = new SeededRandom(seed);
  const shapes: SimPeerShape[] = Array.from({ length: peers }, (_, i) => {
    const upload = i === 0 ? 10 * MiB : Math.round((1 + 9 * rng.next()) * MiB);
    return {
      className: i === 0 ? 'seeder' : 'leecher',
      upload,
      download: Math.round(upload * (2 + 6 * rng.next())),
      latencyMs: 10 + 40 * rng.next(),
      joinMs: i === 0 ? 0 : 10_000 * rng.next(),
    };
  });
  const result = await simulateParallel({
    peers,
    fileSize: fileMiB * MiB,
    pieceSize: 256 * KiB,
    degree,
    seed,
    shapes,
    collect: FAILURE_EVENT_KINDS,
    progressEveryMs: 1000,
    onProgress: (p) => {
      sampleHeap(p.heapBytes);
      if (p.virtualMs % 10_000 === 0) process.stderr.write(`  virtual ${(p.virtualMs / 1000).toFixed(0)} s: ${p.completed}/${p.peers} complete, wall ${(p.wallMs / 1000).toFixed(1)} s\n`);
    },
  }, workers);
  sampleHeap(result.peakHeapBytes);
  const cpu = process.cpuUsage(cpuStart);
  const leechers = result.peers.filter((p) => !p.seeder && p.completedMs !== undefined).map((p) => (p.completedMs! - p.joinMs) / 1000);
  leechers.sort((a, b) => a - b);
  // Only the failure kinds are kept (FAILURE_EVENT_KINDS): any of them is worth seeing.
  const failures = result.peers.reduce((sum, p) => sum + p.events.length, 0);
  const q = (f: number): number => leechers[Math.min(leechers.length - 1, Math.floor(f * leechers.length))] ?? NaN;
  process.stdout.write(
    `${peers} peers, ${fileMiB} MiB in 256 KiB pieces, degree ${degree}, seed ${seed}, ${workers} worker${workers > 1 ? 's' : ''}: ${result.complete ? 'complete' : `NOT complete (${result.stopReason})`}; ` +
      `${result.events} events at ${result.instants} instants; setup ${(result.setupWallMs / 1000).toFixed(1)} s; ` +
      `download time per leecher median ${q(0.5).toFixed(1)} s, p90 ${q(0.9).toFixed(1)} s; ${failures} error events\n`,
  );
  const wall = (result.wallMs / 1000).toFixed(1);
  const cpuS = ((cpu.user + cpu.system) / 1e6).toFixed(1);
  const heap = (peakHeap / MiB).toFixed(0);
  const virtual = result.swarmCompleteMs === undefined ? 'never' : `${(result.swarmCompleteMs / 1000).toFixed(1)} s virtual`;
  process.stdout.write(
    `sim ${peers} peers ${fileMiB} MiB: ${wall} s wall, ${cpuS} s CPU, peak heap ${heap} MiB, swarm complete at ${virtual} ` +
      `(target < ${TARGET_WALL_S(peers)} s wall, < ${TARGET_HEAP_MIB} MiB heap)\n`,
  );
  if (!result.complete) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
