import * as path from 'node:path';
import { ConfigError } from '../core/config/config-error';
import { SwarmEvent } from '../core/events';
import { HashFileError } from '../core/integrity/piece-hashes';
import { PluginLoadError, readManifest } from '../core/plugin/plugin-registry';
import { CheckedPeer, checkPeerOptions, composePeer, ComposedPeer, PeerOptions, PluginSelection } from './compose/compose-peer';
import { TcpListener } from '../core/transport/tcp-listener';
import { FolderLock } from './folder-lock';
import { CONSOLE_SHOWS, diagnosticLine, resumeNotice, stderrSay, timeoutNotice, watchNeighbours } from './peer-notices';

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
  readonly limits?: { upload?: number; download?: number };
  readonly verbose: boolean;
  readonly seed?: number;
  readonly listenHost?: string;
  /** Give up (exit 1, saying what was missing) after this many seconds. */
  readonly timeoutSeconds?: number;
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
  let options: PeerOptions;
  let checked: CheckedPeer;
  try {
    options = { ...args, manifest: readManifest(args.manifestFile) };
    checked = checkPeerOptions(options);
  } catch (err) {
    return reportStartupError(err);
  }
  const folder = path.join(args.dataDir, `peer_${args.id}`);
  let lock: FolderLock;
  try {
    lock = await FolderLock.acquire(folder, `peer_${args.id}/ (${path.resolve(folder)})`);
  } catch (err) {
    return reportStartupError(err);
  }
  try {
    let listener: TcpListener;
    try {
      listener = await TcpListener.bind(checked.self.port, args.listenHost, `peer ${args.id}`);
    } catch (err) {
      return reportStartupError(err);
    }
    let composed: ComposedPeer;
    try {
      composed = composePeer({ ...options, config: checked.config, listener });
    } catch (err) {
      await listener.close();
      return reportStartupError(err);
    }
    return await runComposed(composed, args);
  } finally {
    lock.release();
  }
}

async function runComposed(composed: ComposedPeer, args: RunPeerArgs): Promise<number> {
  const { engine, events, loggers, config } = composed;
  const self = config.peers.find((p) => p.id === args.id)!;
  const say = stderrSay(args.id);
  // The console logger already shows problems on stderr: then only what it does not show.
  const consoleShows = composed.selection.loggers.includes('console');
  events.events$.subscribe((e) => {
    const line = resumeNotice(e, self.hasFile) ?? (consoleShows && CONSOLE_SHOWS.has(e.kind) ? undefined : diagnosticLine(e));
    if (line !== undefined) say(line);
  });
  if (process.send) forwardToParent(events.events$);
  const stopWatching = watchNeighbours(events.events$, self, config.peers, say);
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
          say(timeoutNotice(args.timeoutSeconds!, engine.memory.status()));
          stop(`--timeout ${args.timeoutSeconds} s reached`);
        }, args.timeoutSeconds * 1000);
  let code = EXIT_OK;
  try {
    await engine.run();
  } catch (err) {
    code = timedOut ? EXIT_FAILURE : reportStartupError(err);
  }
  if (timeout) clearTimeout(timeout);
  stopWatching();
  unwatchParent();
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
  events.complete();
  await Promise.all(loggers.map((l) => l.flush().catch(() => undefined)));
  return code;
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

function reportStartupError(err: unknown): number {
  if (err instanceof ConfigError || err instanceof PluginLoadError || err instanceof HashFileError) {
    process.stderr.write(`error: ${err.message}\n`);
    return EXIT_USAGE;
  }
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT_FAILURE;
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
