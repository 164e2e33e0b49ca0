import { METRIC_EVENT_KINDS, simulate, SimPeerSetup } from '../sim/run-simulation';
import { computeRunMetrics, PeerRecord } from './metrics';
import { RunMetrics, RunPlan, Variant } from './model';
import { shapePeers } from './profile';
import { SwarmSpec } from './real-harness';

/** Above this many peers the simulated swarm is a random mesh of this degree rather than complete. */
const FULL_MESH_UP_TO = 40;

/**
 * One run of one variant in the virtual-time simulator: the same engine and
 * plugins, the profile's rates, latencies and join times applied to
 * simulated links, metrics computed from the same events as on real sockets.
 */
/** What one simulated peer runs, from its variant's settings. */
export function simSetup(variant: Variant): SimPeerSetup {
  const s = variant.settings;
  return {
    selection: Object.fromEntries(
      Object.entries({ strategy: s.strategy, choke: s.choke, rateMeter: s['rate-meter'] }).filter(([, v]) => v !== undefined),
    ),
    pipeline: s.pipeline === undefined ? undefined : Number(s.pipeline),
    endgame: s.endgame === 'true',
  };
}

export async function runSimOnce(spec: SwarmSpec, plan: RunPlan, pair: number, seed: number): Promise<RunMetrics> {
  const shapes = shapePeers(spec.profile, spec.peers, seed);
  // One setup per distinct variant: a 1,000-peer swarm shares two objects, not 1,000.
  const setups = new Map<Variant, SimPeerSetup>();
  const setupOf = (index: number): SimPeerSetup => {
    const v = plan.variantOf(index);
    let setup = setups.get(v);
    if (!setup) setups.set(v, (setup = simSetup(v)));
    return setup;
  };
  const result = await simulate({
    peers: spec.peers,
    fileSize: spec.fileSize,
    pieceSize: spec.pieceSize,
    preferredNeighbors: spec.preferred,
    unchokingIntervalS: spec.unchokingInterval,
    optimisticIntervalS: spec.optimisticInterval,
    shapes: shapes.map((sh) => ({ className: sh.className, upload: sh.upload, download: sh.download, latencyMs: sh.latencyMs, joinMs: sh.joinMs })),
    degree: spec.peers <= FULL_MESH_UP_TO ? spec.peers - 1 : 30,
    seed,
    peerSetup: setupOf,
    collect: METRIC_EVENT_KINDS,
    // Rounding every event up to 1 ms (what makes 1,000 peers fast) adds a few % per request round
    // trip; a small swarm can afford exact times (measured: 8 peers, 5.32 s -> 4.60 s virtual).
    timeQuantumMs: spec.peers <= FULL_MESH_UP_TO ? 0.001 : undefined,
  });
  const records: PeerRecord[] = result.peers.map((p) => ({
    id: p.id,
    seeder: p.seeder,
    profileClass: p.className,
    cohort: plan.cohortOf?.(p.index),
    joinedAt: p.joinMs,
    events: p.events.map((event) => ({ time: event.at, event })),
  }));
  const failure = result.complete ? undefined : `simulation ended without every peer complete (${result.stopReason} at ${(result.virtualMs / 1000).toFixed(1)} s virtual)`;
  return computeRunMetrics(records, { variant: plan.label, pair, seed, numPieces: Math.ceil(spec.fileSize / spec.pieceSize), fileSize: spec.fileSize, failure });
}
