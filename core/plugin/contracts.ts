/**
 * The plugin contracts: what each swappable part of a peer must do. Plugins
 * see read-only views of swarm state and return decisions; they never touch
 * a socket or a wire byte, so the same plugin runs on real sockets and in a
 * simulator.
 */
import { Observable } from 'rxjs';
import { Bitfield } from '../bitfield';
import { CommonConfig } from '../config/common-config';
import { PeerInfo } from '../config/peer-info';
import { PeerId, SwarmEvent } from '../events';
import { PieceGeometry } from '../protocol/geometry';
import { PieceHashes } from '../integrity/piece-hashes';
import { Random } from '../util/random';

// ---------------------------------------------------------------- piece selection

/** What a piece selector may look at when choosing the next request to one neighbour. */
export interface StrategyView {
  readonly neighbor: PeerId;
  readonly numPieces: number;
  /** Pieces we hold. */
  readonly ownedCount: number;
  /** The legal choices: pieces this neighbour has, we lack, and nobody is fetching. Ascending. */
  readonly candidates: readonly number[];
  /** How many connected neighbours hold piece `index`. */
  availability(index: number): number;
}

export interface Strategy {
  /** One of `view.candidates`, or undefined to request nothing now. */
  select(view: StrategyView): number | undefined;
}

/** @deprecated the kind is now called `strategy`: use Strategy. */
export type PieceSelector = Strategy;
/** @deprecated use StrategyView. */
export type PieceSelectionView = StrategyView;

// ---------------------------------------------------------------- choking

export interface NeighborSnapshot {
  readonly id: PeerId;
  /** The neighbour wants pieces from us. */
  readonly interested: boolean;
  /** We are not uploading to it. */
  readonly chokedByUs: boolean;
  readonly preferred: boolean;
  readonly optimistic: boolean;
  /** Bytes per second it sent us, as measured by the rate meter. */
  readonly downloadRate: number;
  /** Bytes per second we sent it, as measured by the rate meter. */
  readonly uploadRate: number;
  /** How many pieces it holds. */
  readonly piecesHeld: number;
}

export interface ChokeView {
  /**
   * Why the policy is asked: the unchoking interval ended, or a neighbour
   * became interested while an upload slot was free (the policy may then
   * only fill the slot, leaving a rotation where it is).
   */
  readonly trigger: 'interval' | 'slot-free';
  /** We hold the whole file (seeding). */
  readonly selfComplete: boolean;
  /** NumberOfPreferredNeighbors. */
  readonly slots: number;
  readonly neighbors: readonly NeighborSnapshot[];
}

export interface ChokePolicy {
  /** At most `view.slots` ids of interested neighbours to upload to. */
  choosePreferred(view: ChokeView): PeerId[];
  /** One choked, interested neighbour to unchoke optimistically, or undefined. */
  chooseOptimistic(view: ChokeView): PeerId | undefined;
}

// ---------------------------------------------------------------- rate measurement

export type Direction = 'down' | 'up';

/** Measures how fast data moves to and from each neighbour; the choke policies rank by it. */
export interface RateMeter {
  /** `bytes` of piece data moved with `peer` at time `at` (scheduler ms). */
  record(peer: PeerId, direction: Direction, bytes: number, at: number): void;
  /** Bytes per second as of `at`. */
  rate(peer: PeerId, direction: Direction, at: number): number;
  /** An unchoking interval ended at `at` (after the policy was asked). */
  intervalEnded(at: number): void;
  /** The neighbour is gone. */
  forget(peer: PeerId): void;
}

// ---------------------------------------------------------------- rate limiting

/**
 * Shapes the peer's traffic (a bandwidth profile). The transport asks before
 * moving piece data; the limiter answers how long to wait. It sees byte
 * counts and times only, never the bytes or the sockets.
 */
export interface RateLimiter {
  /** Reserves `bytes` in `direction` at `now` (ms); returns the ms to wait before they may move (0: now). */
  reserve(direction: Direction, bytes: number, now: number): number;
}

/** Bandwidth limits for this peer, in bytes per second (undefined: unlimited). */
export interface BandwidthLimits {
  readonly upload?: number;
  readonly download?: number;
}

// ---------------------------------------------------------------- storage

/**
 * Buffers and the store. `write` is given a buffer the peer received the
 * piece in; `read` returns one the peer sends the piece from. To keep its
 * memory flat the peer reuses piece-sized buffers, and a store says what may
 * be reused:
 * - `copiesOnWrite: true` declares that `write` has copied `data` (to disk,
 *   or into memory of its own) by the time its promise resolves, and keeps
 *   no reference to it. Only then is the buffer reused for a later piece (and
 *   not if the write overran the store timeout: it may still be running).
 *   Left out (the default, and what an unknown store gets), the store may
 *   keep the buffer it was given: it is never reused, and the store may hold
 *   it and serve it from `read` for as long as it likes.
 * - `recycle(data)` is called with a buffer `read` returned once the peer no
 *   longer reads it (its bytes were handed to the operating system, or it was
 *   not sent): the store may reuse it for a later read. A store that returns
 *   views of memory it keeps leaves `recycle` out. It may not be called for
 *   every read (a connection that closes drops what it held).
 */
export interface PieceStore {
  /** Prepares the store and returns the pieces already held (all of them for a peer with `hasFile 1`). */
  open(): Promise<Bitfield>;
  read(index: number): Promise<Uint8Array>;
  write(index: number, data: Uint8Array): Promise<void>;
  /** True if `write` copies `data` before it resolves and keeps no reference to it (see above). Default false. */
  readonly copiesOnWrite?: boolean;
  /** The peer is done with a buffer `read` returned (see above). Synchronous; optional. */
  recycle?(data: Uint8Array): void;
  /** Called once, when every piece is written: makes the finished file visible. */
  complete(): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- logging

export interface EventLogger {
  /** Subscribes to the peer's events. */
  attach(events$: Observable<SwarmEvent>): void;
  /** Writes out everything buffered; called before the process exits. */
  flush(): Promise<void>;
}

// ---------------------------------------------------------------- plugin modules

export interface PluginKinds {
  strategy: Strategy;
  choke: ChokePolicy;
  'rate-meter': RateMeter;
  'rate-limiter': RateLimiter;
  storage: PieceStore;
  logger: EventLogger;
}
export type PluginKind = keyof PluginKinds;
export const PLUGIN_KINDS: readonly PluginKind[] = ['strategy', 'choke', 'rate-meter', 'rate-limiter', 'storage', 'logger'];

/**
 * Kind names of earlier releases, still accepted in manifests, plugin modules
 * and `Plugin.<kind>` config keys so existing plugins keep loading.
 */
export const LEGACY_KINDS: Readonly<Record<string, PluginKind>> = { 'piece-selector': 'strategy', 'choke-policy': 'choke' };

/** The kind a name stands for (current or legacy), or undefined. */
export function pluginKindOf(name: unknown): PluginKind | undefined {
  if (typeof name !== 'string') return undefined;
  if ((PLUGIN_KINDS as readonly string[]).includes(name)) return name as PluginKind;
  return LEGACY_KINDS[name];
}

/** Everything a plugin factory may use: the "components bag". */
export interface PluginContext {
  readonly selfId: PeerId;
  readonly self: PeerInfo;
  readonly peers: readonly PeerInfo[];
  readonly common: CommonConfig;
  readonly geometry: PieceGeometry;
  readonly random: Random;
  /** Where peer_<id>/ lives. */
  readonly dataDir: string;
  /** Where log files are written. */
  readonly logDir: string;
  /** The config file the settings came from, for error messages. */
  readonly commonFile: string;
  /** Loggers may add detail (e.g. the configuration read at start). */
  readonly verbose: boolean;
  /** Bandwidth limits given on the command line or by a profile. */
  readonly limits?: BandwidthLimits;
  /** The expected SHA-256 of every piece, when the config folder has a hash file: a store verifies what it finds. */
  readonly pieceHashes?: PieceHashes;
}

/** What a plugin module exports (as `default` or as the module itself). */
export interface PluginDefinition<K extends PluginKind = PluginKind> {
  readonly kind: K;
  readonly name: string;
  readonly description: string;
  /** Only for simulated swarms (e.g. a store that keeps no bytes): refused for a peer on real sockets. */
  readonly simulationOnly?: boolean;
  create(context: PluginContext): PluginKinds[K];
}
