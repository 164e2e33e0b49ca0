import * as path from 'node:path';
import { filter } from 'rxjs';
import { ConfigError } from '../core/config/config-error';
import { SwarmEvent } from '../core/events';
import { HashFileError } from '../core/integrity/piece-hashes';
import { PluginLoadError, readManifest } from '../core/plugin/plugin-registry';
import { TcpListener } from '../core/transport/tcp-listener';
import { startGateFromParent } from './swarm/start-together';
import { CheckedPeer, checkPeerOptions, composePeer, ComposedPeer, PeerOptions, PluginSelection } from './compose/compose-peer';
import { FolderLock } from './folder-lock';
import { integrityLine, resumeNotice, timeoutNotice, watchNeighbours } from './peer-notices';
import { PeerReporter } from './reporter/peer-reporter';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface RunPeerArgs {
  readonly id: number;
  readonly configDir: string;
  readonly dataDir: string;
  readonly logDir: string;
  readonly manifestFile: string;
  readonly selection: Partial<PluginSelection>;
  readonly pipeline: number;
  readonly endgame: boolean;
  readonly requestTimeoutMs?: number;
  readonly handshakeTimeoutMs?: number;
  readonly limits?: { upload?: number; download?: number };
  readonly verbose: boolean;
  readonly seed?: number;
  readonly listenHost?: string;
  /** Give up (exit 1, saying what was missing) after this many seconds. */
  readonly timeoutSeconds?: number;
  readonly tls?: boolean;
  readonly latencyMs?: number;
  /** No status line or progress lines (problems are still reported). */
  readonly quiet?: boolean;
  /** Where the human-readable lines go (default: a reporter on stderr). */
  readonly reporter?: PeerReporter;
}

/** A peer started by `peer swarm` ends when that process goes, however it goes (see watchParent). */
const PARENT_GONE_EXIT_MS = 1500;

/**
 * Runs one peer until the swarm is complete; returns the process exit code.
 * Order matters: options are checked first (exit 2, nothing created), then
 * the peer folder is locked and the port bound (exit 1 on a clash), and only
 * then are the log and the store opened, so a second instance of a peer, or a
 * port clash, cannot truncate or delete anything a running peer owns.
 */
export async function runPeer(args: RunPeerArgs): Promise<number> {
  // Before the peer exists: one line, no summary.
  const startupError = (err: unknown): number => {
    (args.reporter ?? new PeerReporter()).warn(`error: ${err instanceof Error ? err.message : String(err)}`);
    return exitCodeOf(err);
  };
  let options: PeerOptions;
  let checked: CheckedPeer;
  try {
    options = { ...args, manifest: readManifest(args.manifestFile) };
    checked = checkPeerOptions(options);
  } catch (err) {
    return startupError(err);
  }
  const folder = path.join(args.dataDir, `peer_${args.id}`);
  let lock: FolderLock;
  try {
    lock = await FolderLock.acquire(folder, `peer_${args.id}/ (${path.resolve(folder)})`);
  } catch (err) {
    return startupError(err);
  }
  try {
    let listener: TcpListener;
    try {
      listener = await TcpListener.bind(checked.self.port, args.listenHost, `peer ${args.id}`);
    } catch (err) {
      return startupError(err);
    }
    let composed: ComposedPeer;
    try {
      composed = composePeer({ ...options, config: checked.config, listener, startGate: startGateFromParent() });
    } catch (err) {
      await listener.close();
      return startupError(err);
    }
    return await runComposed(composed, args);
  } finally {
    lock.release();
  }
}

async function runComposed(composed: ComposedPeer, args: RunPeerArgs): Promise<number> {
  const { engine, events, loggers, config } = composed;
  // The console logger (chosen on the command line or in common.cfg) already shows progress and problems.
  const consoleChosen = composed.selection.loggers.includes('console');
  const reporter = args.reporter ?? new PeerReporter({ quiet: args.quiet, progressShownElsewhere: consoleChosen });
  const self = config.peers.find((p) => p.id === args.id)!;
  const totalPieces = Math.ceil(config.common.fileSize / config.common.pieceSize);
  reporter.attach(consoleChosen ? events.events$.pipe(filter((e) => !DIAGNOSTIC_KINDS.has(e.kind))) : events.events$, {
    self: self.id,
    neighbours: config.peers.length - 1,
    totalPieces,
    piecesAtStart: self.hasFile ? totalPieces : 0,
    pieceSize: config.common.pieceSize,
    fileSize: config.common.fileSize,
  });
  // Bad pieces and bans are problems (always shown); what a resumed download found is progress.
  events.events$.subscribe((e) => {
    const problem = integrityLine(e);
    if (problem !== undefined) reporter.warn(problem);
    const resumed = resumeNotice(e, self.hasFile);
    if (resumed !== undefined) reporter.info(resumed);
  });
  if (process.send) forwardToParent(events.events$);
  const stopWatching = watchNeighbours(events.events$, self, config.peers, (line) => reporter.warn(line));
  const stop = (reason: string): void => void engine.abort(reason);
  const onSigint = (): void => stop('received SIGINT');
  const onSigterm = (): void => stop('received SIGTERM');
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  const unwatchParent = watchParent(() => stop('peer swarm, which started this peer, has ended'));
  let timedOut = false;
  const timeout =
    args.timeoutSeconds === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          reporter.warn(timeoutNotice(args.timeoutSeconds!, engine.memory.status()));
          stop(`--timeout ${args.timeoutSeconds} s reached`);
        }, args.timeoutSeconds * 1000);
  // A fatal error the engine already reported as an event is not printed twice.
  let lastError: string | undefined;
  events.events$.subscribe((e) => {
    if (e.kind === 'error') lastError = e.message;
  });
  let code = EXIT_OK;
  try {
    await engine.run();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    code = timedOut ? EXIT_FAILURE : exitCodeOf(err);
    if (message !== lastError && !timedOut) reporter.warn(`error: ${message}`);
  }
  if (timeout) clearTimeout(timeout);
  stopWatching();
  unwatchParent();
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
  events.complete();
  await Promise.all(loggers.map((l) => l.flush().catch(() => undefined)));
  reporter.finish(code);
  return code;
}

/** Events the console logger reports itself. */
const DIAGNOSTIC_KINDS = new Set<SwarmEvent['kind']>(['connection-rejected', 'protocol-violation', 'plugin-error', 'neighbor-stalled', 'error']);

/** The exit code for an error that stopped the peer: 2 for what the user must fix in the config, hash file or command line. */
function exitCodeOf(err: unknown): number {
  return err instanceof ConfigError || err instanceof PluginLoadError || err instanceof HashFileError ? EXIT_USAGE : EXIT_FAILURE;
}

/**
 * When started by `peer swarm` (with an IPC channel), the peer must not
 * outlive it: Node has no parent-death signal, but the channel closes when
 * the parent goes, however it goes (SIGKILL included). The peer then stops
 * and exits within PARENT_GONE_EXIT_MS, cleanly if it can.
 */
function watchParent(onGone: () => void): () => void {
  if (!process.send) return () => undefined;
  const gone = (): void => {
    setTimeout(() => process.exit(EXIT_FAILURE), PARENT_GONE_EXIT_MS).unref();
    onGone();
  };
  if (!process.connected) {
    gone();
    return () => undefined;
  }
  process.once('disconnect', gone);
  return () => process.off('disconnect', gone);
}


/** When started by `peer swarm`, report progress over the IPC channel (throttled: this is the hot path). */
function forwardToParent(events$: import('rxjs').Observable<SwarmEvent>): void {
  let lastSent = 0;
  events$.subscribe((e) => {
    const send = (m: object): void => {
      if (process.connected) process.send?.(m);
    };
    if (e.kind === 'piece-downloaded') {
      if (e.at - lastSent < 100 && e.have !== e.total) return;
      lastSent = e.at;
      send({ kind: 'progress', at: e.at, have: e.have, total: e.total });
    } else if (e.kind === 'connected' || e.kind === 'file-complete' || e.kind === 'swarm-complete') {
      send({ kind: e.kind, at: e.at });
    }
  });
}
