import 'reflect-metadata';
import { METRIC_EVENT_KINDS, SimPeerShape, simulate } from '../app/sim/run-simulation';
import { SeededRandom } from '../core/util/random';

const MiB = 1024 * 1024;
const KiB = 1024;

/**
 * The simulator at scale: 1,000 peers (1 seeder) share a 64 MiB file in
 * 256 KiB pieces over simulated links: upload 1-10 MiB/s, download 2-8x the
 * upload, one-way access latency 10-50 ms (20-100 ms between two peers), the
 * leechers arriving within the first 10 s, 30 neighbours from the tracker.
 * Every peer is the real engine with the classic plugins, on virtual time.
 * Prints the wall-clock time on its last line (target: under 60 s).
 *
 * SIM_PEERS, SIM_FILE_MIB, SIM_DEGREE, SIM_SEED override the defaults.
 */
async function main(): Promise<void> {
  const peers = Number(process.env.SIM_PEERS ?? 1000);
  const fileMiB = Number(process.env.SIM_FILE_MIB ?? 64);
  const degree = Number(process.env.SIM_DEGREE ?? 30);
  const seed = Number(process.env.SIM_SEED ?? 1);
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
  const result = await simulate({
    peers,
    fileSize: fileMiB * MiB,
    pieceSize: 256 * KiB,
    degree,
    seed,
    shapes,
    collect: METRIC_EVENT_KINDS,
    onProgress: (p) => {
      if (p.virtualMs % 60_000 === 0) process.stderr.write(`  virtual ${(p.virtualMs / 1000).toFixed(0)} s: ${p.completed}/${p.peers} complete, wall ${(p.wallMs / 1000).toFixed(1)} s\n`);
    },
  });
  const leechers = result.peers.filter((p) => !p.seeder && p.completedMs !== undefined).map((p) => (p.completedMs! - p.joinMs) / 1000);
  leechers.sort((a, b) => a - b);
  const q = (f: number): number => leechers[Math.min(leechers.length - 1, Math.floor(f * leechers.length))] ?? NaN;
  process.stdout.write(
    `${peers} peers, ${fileMiB} MiB in 256 KiB pieces, degree ${degree}, seed ${seed}: ${result.complete ? 'complete' : `NOT complete (${result.stopReason})`}; ` +
      `${result.events} events at ${result.instants} instants; setup ${(result.setupWallMs / 1000).toFixed(1)} s; ` +
      `download time per leecher median ${q(0.5).toFixed(1)} s, p90 ${q(0.9).toFixed(1)} s; heap ${(process.memoryUsage().heapUsed / MiB).toFixed(0)} MiB\n`,
  );
  const wall = (result.wallMs / 1000).toFixed(1);
  const virtual = result.swarmCompleteMs === undefined ? 'never' : `${(result.swarmCompleteMs / 1000).toFixed(1)} s virtual`;
  process.stdout.write(`sim ${peers} peers ${fileMiB} MiB: ${wall} s wall, swarm complete at ${virtual} (target < 60 s wall)\n`);
  if (!result.complete) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
