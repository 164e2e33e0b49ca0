import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SwarmEvent, SwarmEventKind } from '../../core/events';
import { DEFAULT_MANIFEST } from '../../core/paths';
import { ManifestEntry, readManifest } from '../../core/plugin/plugin-registry';
import { ComposedPeer, composePeer, PluginSelection } from '../compose/compose-peer';
import { SeededRandom } from '../../core/util/random';
import { SimTarget } from '../../core/sim/event-queue';
import { writeSimConfig } from './sim-config';
import { loadSwarmConfig } from '../../core/config/load-config';
import { SimNetwork } from '../../core/sim/sim-network';
import { DrainMode, SimRunStats, SimScheduler } from '../../core/sim/sim-scheduler';
import { dialPlan, randomNeighborSets } from '../../core/sim/topology';

/** One peer's place in the simulated network (the same fields as a bandwidth profile's peer shape). */
export interface SimPeerShape {
  /** Profile class, for reports. */
  readonly className?: string;
  /** Bytes per second; undefined = unlimited. */
  readonly upload?: number;
  readonly download?: number;
  /** One-way delay of the peer's access link (ms); A to B takes latencyA + latencyB. */
  readonly latencyMs: number;
  /** When it joins (virtual ms). */
  readonly joinMs: number;
}

/** The plugin choices a simulation varies; storage is always 'virtual', the logger 'silent'. */
export type SimSelection = Partial<Pick<PluginSelection, 'strategy' | 'choke' | 'rateMeter'>>;

/** What one peer runs, when peers of a swarm differ (a mixed A/B swarm). */
export interface SimPeerSetup {
  readonly selection?: SimSelection;
  readonly pipeline?: number;
  readonly endgame?: boolean;
}

export interface SimulationOptions {
  readonly peers: number;
  /** The first `seeders` peers start with the whole file. Default 1. */
  readonly seeders?: number;
  readonly fileSize: number;
  readonly pieceSize: number;
  /** NumberOfPreferredNeighbors. Default 3. */
  readonly preferredNeighbors?: number;
  /** UnchokingInterval, seconds. Default 5. */
  readonly unchokingIntervalS?: number;
  /** OptimisticUnchokingInterval, seconds. Default 10. */
  readonly optimisticIntervalS?: number;
  /** Per-peer link and join time, by index (0 = the first seeder). Default: unlimited, no latency, all at 0. */
  readonly shapes?: readonly SimPeerShape[] | ((index: number) => SimPeerShape);
  /**
   * Neighbours per peer, drawn at random (a tracker's peer list). Default 30.
   * When it reaches peers - 1 the swarm is the classic full mesh and the
   * engines end the run themselves; otherwise the simulator ends it once
   * every peer has the file (an engine only ever hears of its neighbours).
   */
  readonly degree?: number;
  /** Seeds the topology and every peer's random choices. Default 1. */
  readonly seed?: number;
  readonly selection?: SimSelection;
  readonly pipeline?: number;
  readonly endgame?: boolean;
  /** Per peer (by index), instead of selection / pipeline / endgame: what that peer runs. */
  readonly peerSetup?: (index: number) => SimPeerSetup;
  readonly requestTimeoutMs?: number;
  /** Default: the package's plugin-manifest.json. */
  readonly manifest?: readonly ManifestEntry[];
  /** Give up at this virtual time (ms). Default 6 h. */
  readonly timeLimitMs?: number;
  /** Give up when no peer has received a piece for this long (virtual ms). Default 10 min. */
  readonly stallLimitMs?: number;
  /** Which events to keep per peer: 'all' (default), or a list of kinds (a 1,000-peer swarm emits tens of millions). */
  readonly collect?: 'all' | readonly SwarmEventKind[];
  readonly drain?: DrainMode;
  /** See SimSchedulerOptions. Default 1 ms. */
  readonly timeQuantumMs?: number;
  /** See SimNetworkOptions. */
  readonly sendBufferBytes?: number;
  /** See SimNetworkOptions; 0 = every message queues in the uplink FIFO. */
  readonly interleaveBytes?: number;
  /** Called every `progressEveryMs` of virtual time. */
  readonly onProgress?: (p: SimProgress) => void;
  readonly progressEveryMs?: number;
}

export interface SimProgress {
  readonly virtualMs: number;
  readonly wallMs: number;
  readonly joined: number;
  readonly completed: number;
  readonly peers: number;
  /** A parallel run: the heap in use in all threads together (bytes), at the end of the last window. */
  readonly heapBytes?: number;
}

export interface SimPeerResult {
  readonly id: number;
  readonly index: number;
  readonly seeder: boolean;
  readonly className?: string;
  readonly joinMs: number;
  /** Virtual ms when it held the whole file (its join time for a seeder); undefined if never. */
  readonly completedMs?: number;
  /** Bytes it put on its uplink / took from its downlink (wire size: headers and control messages included). */
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Connections it had dialled or accepted (from the topology). */
  readonly degree: number;
  /** How its engine ended: by itself (full mesh), stopped by the simulator, or with an error. */
  readonly outcome: 'finished' | 'stopped' | 'failed' | 'not-started';
  readonly failure?: string;
  readonly events: readonly SwarmEvent[];
}

export interface SimulationResult {
  /** Every peer held the whole file. */
  readonly complete: boolean;
  readonly stopReason: 'complete' | 'time-limit' | 'stalled' | 'idle';
  /** Virtual ms at which the last peer completed. */
  readonly swarmCompleteMs?: number;
  /** Virtual ms when the run ended. */
  readonly virtualMs: number;
  readonly wallMs: number;
  /** Part of wallMs spent composing the peers (reading config, loading plugins, building engines). */
  readonly setupWallMs: number;
  readonly events: number;
  readonly instants: number;
  readonly fullMesh: boolean;
  readonly peers: readonly SimPeerResult[];
  /** A parallel run: the most heap in use in all threads together (bytes), sampled at the end of every window. */
  readonly peakHeapBytes?: number;
}

/** The kinds the A/B metrics and the summaries need; a good `collect` for big swarms. */
export const METRIC_EVENT_KINDS: readonly SwarmEventKind[] = [
  'piece-downloaded',
  'piece-uploaded',
  'piece-discarded',
  'file-complete',
  'swarm-complete',
  'error',
  'plugin-error',
  'protocol-violation',
];

/**
 * The kinds that say something went wrong: the `collect` of runs that read
 * only completion times and bytes (the summary of `peer sim`, the scale
 * benchmark). Keeping the piece events instead costs two objects per piece
 * per peer (about 60 KB a peer: 600 MB at 10,000 peers).
 */
export const FAILURE_EVENT_KINDS: readonly SwarmEventKind[] = ['error', 'plugin-error', 'protocol-violation'];

const FIRST_ID = 1001;

/** A per-peer seed from the run's seed (splitmix-style mixing, so neighbouring seeds differ everywhere). */
export function mixSeed(seed: number, salt: number): number {
  let z = (seed ^ Math.imul(salt + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** The simulation always uses the virtual store: make sure the manifest can name it. */
function withVirtualStore(manifest: readonly ManifestEntry[]): readonly ManifestEntry[] {
  if (manifest.some((e) => e.kind === 'storage' && e.name === 'virtual')) return manifest;
  const module = path.join(__dirname, '..', '..', 'plugins', 'storage', 'virtual.js');
  return [...manifest, { kind: 'storage', name: 'virtual', module, description: 'simulation only: remembers which pieces it holds, stores no bytes' }];
}

/** One simulated peer: its engine and what the run tracks of it. */
export interface PeerSlot {
  readonly index: number;
  readonly id: number;
  readonly seeder: boolean;
  readonly shape: SimPeerShape;
  readonly engine: ComposedPeer['engine'];
  readonly events: SwarmEvent[];
  readonly dials: number[];
  completedMs?: number;
  started: boolean;
  aborted: boolean;
  settled: boolean;
  outcome: SimPeerResult['outcome'];
  failure?: string;
}

/** A run's peers, neighbours and event filter, derived from its options alone (see planRun). */
export interface RunPlan {
  readonly n: number;
  readonly seeders: number;
  readonly seed: number;
  readonly fullMesh: boolean;
  readonly shapes: readonly SimPeerShape[];
  readonly ids: readonly number[];
  readonly manifest: readonly ManifestEntry[];
  readonly collectAll: boolean;
  readonly kept: ReadonlySet<SwarmEventKind>;
  readonly busKinds: readonly SwarmEventKind[] | undefined;
  readonly neighborSets: readonly (readonly number[])[];
  /** For each peer, the indices of the peers it dials when it joins. */
  readonly dials: readonly (readonly number[])[];
}

/** What every part of a run derives from its options alone (the same in every worker of a parallel run). */
export function planRun(options: SimulationOptions): RunPlan {
  const n = options.peers;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`a simulated swarm needs at least 2 peers, got ${n}`);
  const seeders = options.seeders ?? 1;
  if (!Number.isInteger(seeders) || seeders < 1 || seeders > n) throw new RangeError(`seeders must be 1..${n}, got ${seeders}`);
  const seed = options.seed ?? 1;
  const degree = options.degree ?? 30;
  const shapeOf = (i: number): SimPeerShape =>
    typeof options.shapes === 'function' ? options.shapes(i) : (options.shapes?.[i] ?? { latencyMs: 0, joinMs: 0 });
  const shapes = Array.from({ length: n }, (_, i) => shapeOf(i));
  const collectAll = options.collect === undefined || options.collect === 'all';
  const kept = new Set<SwarmEventKind>(collectAll ? [] : (options.collect as readonly SwarmEventKind[]));
  const neighborSets = randomNeighborSets(n, degree, new SeededRandom(mixSeed(seed, 0x70707)));
  return {
    n,
    seeders,
    seed,
    fullMesh: degree >= n - 1,
    shapes,
    ids: shapes.map((_, i) => FIRST_ID + i),
    manifest: withVirtualStore(options.manifest ?? readManifest(DEFAULT_MANIFEST)),
    collectAll,
    kept,
    // The engines' buses carry only what is kept and what the run itself watches (progress, completion):
    // at 10,000 peers the rest (a `have-received` per have) is most of the events and read by nobody.
    busKinds: collectAll ? undefined : [...new Set<SwarmEventKind>([...kept, 'piece-downloaded', 'file-complete'])],
    neighborSets,
    dials: dialPlan(neighborSets, shapes.map((s) => s.joinMs)),
  };
}

/** Writes the run's config folder (the caller removes it). */
export function writeRunConfig(plan: RunPlan, options: SimulationOptions): string {
  return writeSimConfig({
    ids: [...plan.ids],
    seeders: plan.seeders,
    fileSize: options.fileSize,
    pieceSize: options.pieceSize,
    preferredNeighbors: options.preferredNeighbors ?? 3,
    unchokingIntervalS: options.unchokingIntervalS ?? 5,
    optimisticIntervalS: options.optimisticIntervalS ?? 10,
  });
}

/**
 * Composes peer `index` on `network` (the real engine and plugins) and tells
 * `watch` each event its bus carries that the run keeps or watches.
 */
export function composeSlot(
  plan: RunPlan,
  options: SimulationOptions,
  configDir: string,
  swarmConfig: ReturnType<typeof loadSwarmConfig>,
  network: SimNetwork,
  index: number,
  watch: (slot: PeerSlot, e: SwarmEvent) => void,
): PeerSlot {
  const shape = plan.shapes[index]!;
  const id = plan.ids[index]!;
  const transport = network.addPeer({ id, upload: shape.upload, download: shape.download, latencyMs: shape.latencyMs });
  const setup: SimPeerSetup = options.peerSetup?.(index) ?? options;
  const composed = composePeer({
    config: swarmConfig,
    id,
    configDir,
    dataDir: configDir,
    logDir: configDir,
    manifest: plan.manifest,
    selection: { ...setup.selection, storage: 'virtual', loggers: ['silent'] },
    pipeline: setup.pipeline ?? 1,
    endgame: setup.endgame,
    // The link's rates, for plugins that plan with them (a strategic choke policy's upload budget).
    limits: { upload: shape.upload, download: shape.download },
    requestTimeoutMs: options.requestTimeoutMs,
    verbose: false,
    seed: mixSeed(plan.seed, index + 1),
    scheduler: network.scheduler,
    transport,
    eventKinds: plan.busKinds,
  });
  const slot: PeerSlot = {
    index,
    id,
    seeder: index < plan.seeders,
    shape,
    engine: composed.engine,
    events: [],
    dials: plan.dials[index]!.map((i) => plan.ids[i]!),
    completedMs: index < plan.seeders ? shape.joinMs : undefined,
    started: false,
    aborted: false,
    settled: false,
    outcome: 'not-started',
  };
  const { events } = slot;
  const { collectAll, kept } = plan;
  composed.events.events$.subscribe((e) => {
    if (collectAll || kept.has(e.kind)) events.push(e);
    watch(slot, e);
  });
  return slot;
}

/** Marks a peer's engine as ended (`failure`: why it did not finish by itself). */
export function settleSlot(slot: PeerSlot, failure?: string): void {
  slot.settled = true;
  if (failure === undefined) slot.outcome = 'finished';
  else if (slot.aborted) slot.outcome = 'stopped';
  else {
    slot.outcome = 'failed';
    slot.failure = failure;
  }
}

/** Starts a peer's engine (its settling is reported to `settled`). */
export function startSlot(slot: PeerSlot, settled: (slot: PeerSlot, failure?: string) => void): void {
  slot.started = true;
  slot.engine.run().then(
    () => settled(slot),
    (err: unknown) => settled(slot, err instanceof Error ? err.message : String(err)),
  );
}

/** Aborts every started engine that has not ended. */
export function abortSlots(slots: readonly PeerSlot[], reason: string): void {
  for (const slot of slots) {
    if (slot.settled || !slot.started || slot.aborted) continue;
    slot.aborted = true;
    void slot.engine.abort(reason);
  }
}

/** After the event loop ended: lets aborted engines settle (promise continuations only), marks those that do not. */
export async function awaitSettled(slots: readonly PeerSlot[]): Promise<void> {
  for (let turn = 0; turn < 100 && slots.some((s) => s.started && !s.settled); turn++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  for (const s of slots.filter((x) => x.started && !x.settled)) {
    s.outcome = 'failed';
    s.failure = 'did not stop when aborted';
  }
}

/** One peer's result, from its slot and its node on the network. */
export function slotResult(slot: PeerSlot, network: SimNetwork, plan: RunPlan): SimPeerResult {
  const node = network.node(slot.id);
  return {
    id: slot.id,
    index: slot.index,
    seeder: slot.seeder,
    className: slot.shape.className,
    joinMs: slot.shape.joinMs,
    completedMs: slot.completedMs,
    bytesSent: node.bytesSent,
    bytesReceived: network.bytesReceivedBy(slot.id),
    degree: plan.neighborSets[slot.index]!.length,
    outcome: slot.outcome,
    failure: slot.failure,
    events: slot.events,
  };
}

/**
 * Runs a whole swarm in this process on virtual time: every peer is the real
 * engine with the real plugins (composed by composePeer, as `peer run` does),
 * given the SimScheduler instead of the async scheduler and a SimTransport
 * instead of TCP, with the 'virtual' store and the 'silent' logger.
 */
export async function simulate(options: SimulationOptions): Promise<SimulationResult> {
  const wallStart = performance.now();
  const plan = planRun(options);
  const { n, seeders, fullMesh } = plan;

  const scheduler = new SimScheduler({ quantumMs: options.timeQuantumMs ?? 1 });
  const network = new SimNetwork(scheduler, { sendBufferBytes: options.sendBufferBytes, interleaveBytes: options.interleaveBytes });
  const configDir = writeRunConfig(plan, options);
  const swarmConfig = loadSwarmConfig(configDir);

  let remaining = n - seeders;
  let joined = 0;
  let settledCount = 0;
  let swarmCompleteMs: number | undefined;
  let lastProgressMs = 0;
  let finishing = false;
  const slots: PeerSlot[] = [];
  const finish = (): void => {
    if (finishing) return;
    finishing = true;
    if (fullMesh && settledCount === n) scheduler.stop();
    // A partial mesh never finishes by itself: stop every engine now, at the instant the last peer completed.
    if (!fullMesh) stopAll('simulation complete');
  };
  const stopAll = (reason: string): void => {
    abortSlots(slots, reason);
    scheduler.stop();
  };
  const watch = (slot: PeerSlot, e: SwarmEvent): void => {
    if (e.kind === 'piece-downloaded') lastProgressMs = e.at;
    else if (e.kind === 'file-complete' && slot.completedMs === undefined) {
      slot.completedMs = e.at;
      if (--remaining === 0) {
        swarmCompleteMs = e.at;
        finish();
      }
    }
  };

  try {
    for (let index = 0; index < n; index++) slots.push(composeSlot(plan, options, configDir, swarmConfig, network, index, watch));
  } catch (err) {
    fs.rmSync(configDir, { recursive: true, force: true });
    throw err;
  }
  const setupWallMs = performance.now() - wallStart;

  const settle = (slot: PeerSlot, failure?: string): void => {
    settleSlot(slot, failure);
    settledCount++;
    if (finishing && settledCount === n) scheduler.stop();
  };

  // Joining: the engine starts, then dials the peers the tracker gave it.
  const joiner: SimTarget<PeerSlot> = {
    fire(slot) {
      joined++;
      startSlot(slot, settle);
      for (const other of slot.dials) network.connect(slot.id, other);
    },
  };
  for (const slot of slots) scheduler.at(slot.shape.joinMs, joiner, slot);
  // Stalls, progress reports, and (in a full mesh) a bound on how long the engines may take to notice the end.
  const every = options.progressEveryMs ?? 10_000;
  const stallLimit = options.stallLimitMs ?? 600_000;
  let stalled = false;
  const monitor: SimTarget<undefined> = {
    fire() {
      const now = scheduler.now();
      options.onProgress?.({ virtualMs: now, wallMs: performance.now() - wallStart, joined, completed: n - remaining, peers: n });
      if (finishing) {
        if (swarmCompleteMs !== undefined && now - swarmCompleteMs > 60_000) stopAll('the engines did not end the run within 60 s of completion');
        else scheduler.after(every, monitor, undefined);
        return;
      }
      if (joined === n && now - lastProgressMs > stallLimit) {
        stalled = true;
        stopAll(`no piece moved for ${stallLimit / 1000} s`);
        return;
      }
      scheduler.after(every, monitor, undefined);
    },
  };
  scheduler.after(every, monitor, undefined);

  let stats: SimRunStats;
  try {
    stats = await scheduler.run({ untilMs: options.timeLimitMs ?? 6 * 3600_000, drain: options.drain });
    if (settledCount < n) {
      stopAll(stats.reason === 'time-limit' ? 'time limit' : 'simulation over');
      // Aborting settles through promise continuations only (the store closes at once).
      await awaitSettled(slots);
    }
  } finally {
    scheduler.clear();
    fs.rmSync(configDir, { recursive: true, force: true });
  }
  const complete = remaining === 0;
  return {
    complete,
    stopReason: complete ? 'complete' : stalled ? 'stalled' : stats.reason === 'time-limit' ? 'time-limit' : 'idle',
    swarmCompleteMs,
    virtualMs: stats.virtualMs,
    wallMs: performance.now() - wallStart,
    setupWallMs,
    events: stats.events,
    instants: stats.instants,
    fullMesh,
    peers: slots.map((s) => slotResult(s, network, plan)),
  };
}
