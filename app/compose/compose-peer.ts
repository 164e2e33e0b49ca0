import 'reflect-metadata';
import { asyncScheduler, SchedulerLike } from 'rxjs';
import { container as rootContainer, DependencyContainer, instanceCachingFactory, Lifecycle } from 'tsyringe';
import { ConfigError } from '../../core/config/config-error';
import { loadSwarmConfig, SwarmConfig } from '../../core/config/load-config';
import { EngineSettings } from '../../core/engine/engine-settings';
import { PeerEngine } from '../../core/engine/peer-engine';
import { EventBus } from '../../core/event-bus';
import { SwarmEventKind } from '../../core/events';
import { BandwidthLimits, EventLogger, PluginContext, PluginDefinition, PluginKind, PluginKinds, RateLimiter } from '../../core/plugin/contracts';
import { PluginGuard } from '../../core/plugin/guard/plugin-guard';
import { loadPlugin, ManifestEntry, PluginLoadError } from '../../core/plugin/plugin-registry';
import { TOKENS } from '../../core/plugin/tokens';
import { PieceGeometry } from '../../core/protocol/geometry';
import { Transport } from '../../core/transport/link';
import { TcpTransport } from '../../core/transport/tcp-transport';
import { TcpListener } from '../../core/transport/tcp-listener';
import { GatedTransport } from './gated-transport';
import { PeerInfo } from '../../core/config/peer-info';
import { PieceHashes, readHashFileIfPresent } from '../../core/integrity/piece-hashes';
import { ConnectionSecurity, PLAIN_SECURITY } from '../../core/transport/connection-security';
import { TlsSecurity } from '../../core/transport/tls-security';
import { loadTlsCredentials } from '../../core/transport/tls-files';
import { SeededRandom } from '../../core/util/random';
import { BufferPool } from '../../core/util/buffer-pool';
import { Scavenger } from '../../core/util/scavenger';
import { PluginSelection, resolveSelection, resolveTransport } from './plugin-selection';

export { DEFAULT_SELECTION, PluginSelection } from './plugin-selection';

export interface PeerOptions {
  readonly id: number;
  readonly configDir: string;
  /** The config already read from `configDir` (a simulator composing 1,000 peers reads it once). */
  readonly config?: SwarmConfig;
  readonly dataDir: string;
  readonly logDir: string;
  readonly manifest: readonly ManifestEntry[];
  /** Only what the user chose; the rest comes from the config dir, then the defaults. */
  readonly selection: Partial<PluginSelection>;
  readonly pipeline: number;
  /** Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Endgame mode (see EngineSettings); default off, as in the classic protocol. */
  readonly endgame?: boolean;
  /** Default 30 s. */
  readonly storeTimeoutMs?: number;
  /** Bandwidth limits (bytes/s) for the rate limiter. */
  readonly limits?: BandwidthLimits;
  readonly verbose: boolean;
  readonly seed?: number;
  readonly scheduler?: SchedulerLike;
  /** Replaces the TCP transport (a simulator, or a test); shorthand for registering TOKENS.Transport. */
  readonly transport?: Transport;
  /** Host to listen on; defaults to all interfaces. */
  readonly listenHost?: string;
  /** Speak the classic protocol inside mutual TLS (`--tls`); otherwise `Plugin.transport` in common.cfg decides. */
  readonly tls?: boolean;
  /** One-way latency of this peer's access link (ms), added on real sockets (a bandwidth profile's latencyMs). */
  readonly latencyMs?: number;
  /** A connection that has not sent its handshake after this long (ms) is closed. Default 10 s. */
  readonly handshakeTimeoutMs?: number;
  /**
   * The event kinds the peer's bus carries (default: all). Only for a peer
   * whose bus nobody else reads: the simulator, which keeps a few kinds of
   * thousands of peers. Loggers see only these kinds.
   */
  readonly eventKinds?: readonly SwarmEventKind[];
  /**
   * Called after every default provider is registered and before anything is
   * built: register your own provider for any token (TOKENS.Transport,
   * TOKENS.Guard, TOKENS.RateLimiter, TOKENS.Strategy, ...) to replace it.
   */
  readonly register?: (container: DependencyContainer) => void;
  /** The peer's port, already bound by the caller (before any file was touched). */
  readonly listener?: TcpListener;
  /**
   * Connecting (accepting and dialling) waits for this: the store is open and
   * the port bound by then. `peer swarm` uses it to start its peers together.
   */
  readonly startGate?: () => Promise<void>;
}

/** What checking a peer's options found: everything composing it needs, nothing created yet. */
export interface CheckedPeer {
  readonly config: SwarmConfig;
  readonly self: PeerInfo;
  readonly selection: PluginSelection;
  readonly single: readonly PluginDefinition[];
  readonly loggers: readonly PluginDefinition<'logger'>[];
  /** The config folder's `<FileName>.hashes`, when it has one. */
  readonly pieceHashes: PieceHashes | undefined;
}

export interface ComposedPeer {
  readonly engine: PeerEngine;
  readonly events: EventBus;
  readonly loggers: readonly EventLogger[];
  readonly config: SwarmConfig;
  readonly selection: PluginSelection;
  /** The container the peer was built from (to inspect what was resolved). */
  readonly container: DependencyContainer;
}

/** Free piece buffers kept per piece size: pieces arrive from a few neighbours at once and are written at once. */
const PIECE_BUFFERS_PER_SIZE = 4;
/** ... and at most this many bytes of them (one at least), whatever the piece size. */
const PIECE_BUFFERS_MAX_FREE_BYTES = 4 * 1024 * 1024;
/** A scavenge after this many bytes of socket reads: dead read buffers stay below about as much (16 MiB: leechers at ~84 MiB, 8 MiB: ~76 MiB, 256 MiB job). */
const SCAVENGE_EVERY_BYTES = 8 * 1024 * 1024;

/** One provider token per plugin kind (loggers: several under one token). */
const KIND_TOKENS: { readonly [K in PluginKind]: symbol } = {
  strategy: TOKENS.Strategy,
  choke: TOKENS.Choke,
  'rate-meter': TOKENS.RateMeter,
  'rate-limiter': TOKENS.RateLimiter,
  storage: TOKENS.Storage,
  logger: TOKENS.Loggers,
};

/**
 * Reads the config and the hash file and loads every selected plugin without
 * creating anything: a bad config, hash file, plugin name or option throws
 * ConfigError, HashFileError or PluginLoadError (usage errors) here, before a
 * log file or folder appears. `peer swarm` runs it for every peer before
 * starting any.
 */
export function checkPeerOptions(options: PeerOptions): CheckedPeer {
  const config = options.config ?? loadSwarmConfig(options.configDir);
  const self = config.peers.find((p) => p.id === options.id);
  if (!self) throw new ConfigError(config.peerFile, undefined, `peer ${options.id} is not listed (listed: ${config.peers.map((p) => p.id).join(', ')})`);
  if (!Number.isInteger(options.pipeline) || options.pipeline < 1) throw new PluginLoadError(`--pipeline must be a whole number >= 1, got ${options.pipeline}`);
  const selection = resolveSelection(options.selection, config.common.plugins, config.commonFile);
  const load = <K extends PluginKind>(kind: K, ref: string): PluginDefinition<K> => loadPlugin(kind, ref, options.manifest);
  const single = [load('strategy', selection.strategy), load('choke', selection.choke), load('rate-meter', selection.rateMeter), load('rate-limiter', selection.rateLimiter), load('storage', selection.storage)];
  const loggers = selection.loggers.map((ref) => load('logger', ref));
  const realPeer = !options.transport && !options.register;
  if (realPeer) for (const def of [...single, ...loggers]) refuseSimulationOnly(def);
  // A simulated peer keeps no bytes to check: only a real one reads the hash file.
  const geometry = new PieceGeometry(config.common.fileSize, config.common.pieceSize);
  const pieceHashes = realPeer ? readHashFileIfPresent(options.configDir, config.common.fileName, geometry) : undefined;
  return { config, self, selection, single, loggers, pieceHashes };
}

function refuseSimulationOnly(def: PluginDefinition): void {
  if (def.simulationOnly) throw new PluginLoadError(`${def.kind} plugin "${def.name}" is for simulations only and cannot serve real peers`);
}

/**
 * The composition root: checks the options (checkPeerOptions), then
 * registers providers in a DI container that builds the engine. Plugins are
 * registered as factories over the plugin context, so each is created once,
 * when first needed.
 */
export function composePeer(options: PeerOptions): ComposedPeer {
  const { config, self, selection, single, loggers, pieceHashes } = checkPeerOptions(options);
  const transportName = resolveTransport(options.tls, config.common.plugins, config.commonFile);
  const geometry = new PieceGeometry(config.common.fileSize, config.common.pieceSize);
  const scheduler = options.scheduler ?? asyncScheduler;
  const random = new SeededRandom(options.seed);
  const events = new EventBus(self.id, scheduler, options.eventKinds && new Set(options.eventKinds));
  const storeTimeoutMs = options.storeTimeoutMs ?? 30_000;
  const context: PluginContext = {
    selfId: self.id,
    self,
    peers: config.peers,
    common: config.common,
    geometry,
    random,
    dataDir: options.dataDir,
    logDir: options.logDir,
    commonFile: config.commonFile,
    verbose: options.verbose,
    limits: options.limits ?? {},
    pieceHashes,
  };
  const settings: EngineSettings = {
    self,
    peers: config.peers,
    common: config.common,
    geometry,
    pipeline: options.pipeline,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    endgame: options.endgame ?? false,
    storeTimeoutMs,
    // open() and complete() may touch the whole file (load it, merge it): allow for 1 MB/s on top.
    wholeFileTimeoutMs: storeTimeoutMs + Math.ceil(geometry.fileSize / 1000),
    pluginNames: selection,
    pieceHashes,
  };

  const container = rootContainer.createChildContainer();
  container.register(TOKENS.Settings, { useValue: settings });
  container.register(TOKENS.Scheduler, { useValue: scheduler });
  container.register(TOKENS.Random, { useValue: random });
  container.register(TOKENS.EventBus, { useValue: events });
  container.register(TOKENS.PluginContext, { useValue: context });
  container.register(TOKENS.Guard, { useClass: PluginGuard }, { lifecycle: Lifecycle.ContainerScoped });
  for (const def of single) registerPlugin(container, def);
  for (const def of loggers) registerPlugin(container, def);
  // Plain TCP or mutual TLS around it; the TLS files are read (and a missing one reported) when the transport is built.
  container.register(TOKENS.ConnectionSecurity, {
    useFactory: instanceCachingFactory<ConnectionSecurity>(() =>
      transportName === 'tls' ? new TlsSecurity(loadTlsCredentials(options.configDir, self.id)) : PLAIN_SECURITY,
    ),
  });
  // Received pieces are reassembled in reused buffers; the engine gives each back once the store copied it.
  container.register(TOKENS.PieceBuffers, { useValue: new BufferPool(PIECE_BUFFERS_PER_SIZE, PIECE_BUFFERS_MAX_FREE_BYTES) });
  container.register(TOKENS.Transport, {
    useFactory: instanceCachingFactory((c) => {
      const guard = c.resolve<PluginGuard>(TOKENS.Guard);
      const limiter = guard.rateLimiter(c.resolve<RateLimiter>(TOKENS.RateLimiter));
      const security = c.resolve<ConnectionSecurity>(TOKENS.ConnectionSecurity);
      return new TcpTransport({
        self,
        peers: config.peers,
        geometry,
        events,
        listenHost: options.listenHost,
        limiter,
        latencyMs: options.latencyMs,
        security,
        handshakeTimeoutMs: options.handshakeTimeoutMs,
        listener: options.listener,
        pieceBuffers: c.resolve<BufferPool>(TOKENS.PieceBuffers),
        scavenger: new Scavenger(SCAVENGE_EVERY_BYTES),
      });
    }),
  });
  if (options.transport) container.register(TOKENS.Transport, { useValue: options.transport });
  options.register?.(container);

  // A store that keeps no bytes (simulation only) cannot serve real peers.
  if (container.resolve<Transport>(TOKENS.Transport) instanceof TcpTransport) {
    for (const def of [...single, ...loggers]) refuseSimulationOnly(def);
  }
  if (options.startGate) {
    const inner = container.resolve<Transport>(TOKENS.Transport);
    container.register(TOKENS.Transport, { useValue: new GatedTransport(inner, options.startGate) });
  }
  // Loggers too are called through the guard: one that throws must not take the peer down.
  const guard = container.resolve<PluginGuard>(TOKENS.Guard);
  const resolved = container.isRegistered(TOKENS.Loggers, true) ? container.resolveAll<EventLogger>(TOKENS.Loggers) : [];
  const attached = resolved.map((logger, i) => guard.logger(logger, selection.loggers[i] ?? `#${i + 1}`));
  for (const logger of attached) logger.attach(events.events$);
  const engine = container.resolve(PeerEngine);
  events.emit({
    kind: 'started',
    summary: {
      NumberOfPreferredNeighbors: config.common.numberOfPreferredNeighbors,
      UnchokingInterval: config.common.unchokingInterval,
      OptimisticUnchokingInterval: config.common.optimisticUnchokingInterval,
      FileName: config.common.fileName,
      FileSize: config.common.fileSize,
      PieceSize: config.common.pieceSize,
      strategy: selection.strategy,
      choke: selection.choke,
      rateMeter: selection.rateMeter,
      uploadRate: options.limits?.upload ?? 'unlimited',
      downloadRate: options.limits?.download ?? 'unlimited',
      endgame: options.endgame ?? false,
      storage: selection.storage,
      pipeline: options.pipeline,
      transport: transportName,
    },
  });
  return { engine, events, loggers: attached, config, selection, container };
}

/** A plugin as a provider: created once, from the plugin context, when first resolved. */
function registerPlugin<K extends PluginKind>(container: DependencyContainer, def: PluginDefinition<K>): void {
  container.register<PluginKinds[K]>(KIND_TOKENS[def.kind], {
    useFactory: instanceCachingFactory((c) => def.create(c.resolve<PluginContext>(TOKENS.PluginContext))),
  });
}
