import { ConfigError } from '../core/config/config-error';
import { SwarmEvent } from '../core/events';
import { PluginLoadError, readManifest } from '../core/plugin/plugin-registry';
import { composePeer, PluginSelection } from './compose/compose-peer';

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
}

/** Runs one peer until the swarm is complete; returns the process exit code. */
export async function runPeer(args: RunPeerArgs): Promise<number> {
  let composed;
  try {
    composed = composePeer({ ...args, manifest: readManifest(args.manifestFile) });
  } catch (err) {
    return reportStartupError(err);
  }
  const { engine, events, loggers } = composed;
  // The console logger already shows problems on stderr.
  if (!composed.selection.loggers.includes('console')) events.events$.subscribe((e) => printDiagnostic(e));
  if (process.send) forwardToParent(events.events$);
  const stop = (signal: string): void => void engine.abort(`received ${signal}`);
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  let code = EXIT_OK;
  try {
    await engine.run();
  } catch (err) {
    code = reportStartupError(err);
  }
  events.complete();
  await Promise.all(loggers.map((l) => l.flush().catch(() => undefined)));
  return code;
}

function reportStartupError(err: unknown): number {
  if (err instanceof ConfigError || err instanceof PluginLoadError) {
    process.stderr.write(`error: ${err.message}\n`);
    return EXIT_USAGE;
  }
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT_FAILURE;
}

/** Problems go to stderr whatever loggers are chosen: the classic log must hold only the classic lines. */
function printDiagnostic(e: SwarmEvent): void {
  let line: string | undefined;
  switch (e.kind) {
    case 'connection-rejected':
      line = `rejected a connection${e.peer === undefined ? '' : ` with ${e.peer}`}: ${e.reason}`;
      break;
    case 'protocol-violation':
      line = `closed the connection to ${e.peer}: ${e.reason}`;
      break;
    case 'plugin-error':
      line = `${e.plugin} plugin: ${e.message}`;
      break;
    case 'error':
      line = e.message;
      break;
    default:
      return;
  }
  process.stderr.write(`peer ${e.self}: ${line}\n`);
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
