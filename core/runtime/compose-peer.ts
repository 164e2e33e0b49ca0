import 'reflect-metadata';
import { asyncScheduler, SchedulerLike } from 'rxjs';
import { container as rootContainer } from 'tsyringe';
import { loadSwarmConfig, SwarmConfig } from '../config/load-config';
import { ConfigError } from '../config/config-error';
import { EngineSettings } from '../engine/engine-settings';
import { PeerEngine } from '../engine/peer-engine';
import { EventBus } from '../event-bus';
import { BandwidthLimits, EventLogger, PluginContext, PluginDefinition, PluginKind } from '../plugin/contracts';
import * as path from 'node:path';
import { isPluginPath, loadPlugin, ManifestEntry, PluginLoadError } from '../plugin/plugin-registry';
import { TOKENS } from '../plugin/tokens';
import { PieceGeometry } from '../protocol/geometry';
import { Transport } from '../transport/link';
import { TcpTransport } from '../transport/tcp-transport';
import { TcpListener } from '../transport/tcp-listener';
import { PeerInfo } from '../config/peer-info';
import { PieceHashes, readHashFileIfPresent } from '../integrity/piece-hashes';
import { SeededRandom } from '../util/random';

/** Which plugin to use for each kind: manifest names or paths to .js files. */
export interface PluginSelection {
  readonly pieceSelector: string;
  readonly chokePolicy: string;
  readonly rateMeter: string;
  readonly rateLimiter: string;
  readonly storage: string;
  readonly loggers: readonly string[];
}

export const DEFAULT_SELECTION: PluginSelection = { pieceSelector: 'random', chokePolicy: 'classic', rateMeter: 'interval', rateLimiter: 'token-bucket', storage: 'file', loggers: ['classic'] };

/** Config-dir settings (`Plugin.<kind> <name>` in common.cfg) that fill in what the command line left unset. */
const CONFIG_KEYS: Record<string, keyof PluginSelection> = {
  'piece-selector': 'pieceSelector',
  strategy: 'pieceSelector',
  'choke-policy': 'chokePolicy',
  choke: 'chokePolicy',
  'rate-meter': 'rateMeter',
  'rate-limiter': 'rateLimiter',
  storage: 'storage',
  logger: 'loggers',
};

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
  /** Overrides the TCP transport (a simulator, or a test). */
  readonly transport?: Transport;
  /** Host to listen on; defaults to all interfaces. */
  readonly listenHost?: string;
  /** The peer's port, already bound by the caller (before any file was touched). */
  readonly listener?: TcpListener;
}

/** What checking a peer's options found: everything composing it needs, nothing created yet. */
export interface CheckedPeer {
  readonly config: SwarmConfig;
  readonly self: PeerInfo;
  readonly selection: PluginSelection;
  readonly definitions: PluginDefinitions;
  /** The config folder's `<FileName>.hashes`, when it has one. */
  readonly pieceHashes: PieceHashes | undefined;
}

interface PluginDefinitions {
  readonly pieceSelector: PluginDefinition<'piece-selector'>;
  readonly chokePolicy: PluginDefinition<'choke-policy'>;
  readonly rateMeter: PluginDefinition<'rate-meter'>;
  readonly rateLimiter: PluginDefinition<'rate-limiter'>;
  readonly storage: PluginDefinition<'storage'>;
  readonly loggers: readonly PluginDefinition<'logger'>[];
}

export interface ComposedPeer {
  readonly engine: PeerEngine;
  readonly events: EventBus;
  readonly loggers: readonly EventLogger[];
  readonly config: SwarmConfig;
  readonly selection: PluginSelection;
}

/**
 * Reads the config and the hash file and loads every selected plugin, without
 * creating anything: a bad config, hash file, plugin name or option throws
 * ConfigError, HashFileError or PluginLoadError (usage errors) here.
 */
export function checkPeerOptions(options: PeerOptions): CheckedPeer {
  const config = options.config ?? loadSwarmConfig(options.configDir);
  const self = config.peers.find((p) => p.id === options.id);
  if (!self) throw new ConfigError(config.peerFile, undefined, `peer ${options.id} is not listed (listed: ${config.peers.map((p) => p.id).join(', ')})`);
  if (!Number.isInteger(options.pipeline) || options.pipeline < 1) throw new PluginLoadError(`--pipeline must be a whole number >= 1, got ${options.pipeline}`);
  const selection = resolveSelection(options.selection, config.common.plugins, config.commonFile);
  const load = <K extends PluginKind>(kind: K, ref: string): PluginDefinition<K> => loadPlugin(kind, ref, options.manifest);
  const definitions: PluginDefinitions = {
    pieceSelector: load('piece-selector', selection.pieceSelector),
    chokePolicy: load('choke-policy', selection.chokePolicy),
    rateMeter: load('rate-meter', selection.rateMeter),
    rateLimiter: load('rate-limiter', selection.rateLimiter),
    storage: load('storage', selection.storage),
    loggers: selection.loggers.map((ref) => load('logger', ref)),
  };
  if (!options.transport) {
    for (const def of [definitions.pieceSelector, definitions.chokePolicy, definitions.rateMeter, definitions.rateLimiter, definitions.storage, ...definitions.loggers]) {
      if (def.simulationOnly) throw new PluginLoadError(`${def.kind} plugin "${def.name}" is for simulations only and cannot serve real peers`);
    }
  }
  const geometry = new PieceGeometry(config.common.fileSize, config.common.pieceSize);
  // A simulator composing many peers from one config reads no hash file: its store keeps no bytes to check.
  const pieceHashes = options.transport ? undefined : readHashFileIfPresent(options.configDir, config.common.fileName, geometry);
  return { config, self, selection, definitions, pieceHashes };
}

/**
 * The composition root: checks the options (see checkPeerOptions), then
 * creates the selected plugins and registers everything in a DI container
 * that builds the engine.
 */
export function composePeer(options: PeerOptions): ComposedPeer {
  const { config, self, selection, definitions, pieceHashes } = checkPeerOptions(options);
  const geometry = new PieceGeometry(config.common.fileSize, config.common.pieceSize);
  const scheduler = options.scheduler ?? asyncScheduler;
  const random = new SeededRandom(options.seed);
  const events = new EventBus(self.id, scheduler);
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
  const pieceSelector = definitions.pieceSelector.create(context);
  const chokePolicy = definitions.chokePolicy.create(context);
  const rateMeter = definitions.rateMeter.create(context);
  const limiter = definitions.rateLimiter.create(context);
  const storage = definitions.storage.create(context);
  const loggers = definitions.loggers.map((d) => d.create(context));
  const settings: EngineSettings = {
    self,
    peers: config.peers,
    common: config.common,
    geometry,
    pipeline: options.pipeline,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    endgame: options.endgame ?? false,
    storeTimeoutMs: options.storeTimeoutMs ?? 30_000,
    pluginNames: selection,
  };
  const transport = options.transport ?? new TcpTransport({ self, peers: config.peers, geometry, events, listenHost: options.listenHost, limiter, listener: options.listener });

  const container = rootContainer.createChildContainer();
  container.register(TOKENS.Settings, { useValue: settings });
  container.register(TOKENS.Scheduler, { useValue: scheduler });
  container.register(TOKENS.Random, { useValue: random });
  container.register(TOKENS.EventBus, { useValue: events });
  container.register(TOKENS.Transport, { useValue: transport });
  container.register(TOKENS.PieceSelector, { useValue: pieceSelector });
  container.register(TOKENS.ChokePolicy, { useValue: chokePolicy });
  container.register(TOKENS.RateMeter, { useValue: rateMeter });
  container.register(TOKENS.PieceStore, { useValue: storage });
  for (const logger of loggers) container.register(TOKENS.Loggers, { useValue: logger });
  for (const logger of container.resolveAll<EventLogger>(TOKENS.Loggers)) logger.attach(events.events$);
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
      strategy: selection.pieceSelector,
      choke: selection.chokePolicy,
      rateMeter: selection.rateMeter,
      uploadRate: options.limits?.upload ?? 'unlimited',
      downloadRate: options.limits?.download ?? 'unlimited',
      endgame: options.endgame ?? false,
      storage: selection.storage,
      pipeline: options.pipeline,
    },
  });
  return { engine, events, loggers, config, selection };
}

function resolveSelection(chosen: Partial<PluginSelection>, fromConfig: Readonly<Record<string, string>>, commonFile: string): PluginSelection {
  const configured: { -readonly [K in keyof PluginSelection]?: PluginSelection[K] } = {};
  for (const [key, value] of Object.entries(fromConfig)) {
    const field = CONFIG_KEYS[key];
    if (!field) throw new ConfigError(commonFile, `Plugin.${key}`, `unknown plugin kind "${key}" (known: ${Object.keys(CONFIG_KEYS).join(', ')})`);
    // A plugin path in the config folder means a file next to the config, wherever the peer is started.
    const ref = (r: string): string => (isPluginPath(r) ? path.resolve(path.dirname(commonFile), r) : r);
    if (field === 'loggers') configured.loggers = value.split(',').map(ref);
    else configured[field] = ref(value);
  }
  const given = Object.fromEntries(Object.entries(chosen).filter(([, v]) => v !== undefined)) as Partial<PluginSelection>;
  return { ...DEFAULT_SELECTION, ...configured, ...given };
}
