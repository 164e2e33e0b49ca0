import { ConfigError } from '../core/config/config-error';
import { filter } from 'rxjs';
import { SwarmEvent } from '../core/events';
import { PluginLoadError, readManifest } from '../core/plugin/plugin-registry';
import { composePeer, PluginSelection } from './compose/compose-peer';
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
  readonly tls?: boolean;
  readonly latencyMs?: number;
  /** No status line or progress lines (problems are still reported). */
  readonly quiet?: boolean;
  /** Where the human-readable lines go (default: a reporter on stderr). */
  readonly reporter?: PeerReporter;
}

/** Runs one peer until the swarm is complete; returns the process exit code. */
export async function runPeer(args: RunPeerArgs): Promise<number> {
  let composed;
  try {
    composed = composePeer({ ...args, manifest: readManifest(args.manifestFile) });
  } catch (err) {
    // Before the peer exists: one line, no summary.
    (args.reporter ?? new PeerReporter()).warn(`error: ${err instanceof Error ? err.message : String(err)}`);
    return exitCodeOf(err);
  }
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
  if (process.send) forwardToParent(events.events$);
  const stop = (signal: string): void => void engine.abort(`received ${signal}`);
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
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
    code = exitCodeOf(err);
    if (message !== lastError) reporter.warn(`error: ${message}`);
  }
  events.complete();
  await Promise.all(loggers.map((l) => l.flush().catch(() => undefined)));
  reporter.finish(code);
  return code;
}

/** Events the console logger reports itself. */
const DIAGNOSTIC_KINDS = new Set<SwarmEvent['kind']>(['connection-rejected', 'protocol-violation', 'plugin-error', 'neighbor-stalled', 'error']);

/** The exit code for an error that stopped the peer: 2 for what the user must fix in the config or command line. */
function exitCodeOf(err: unknown): number {
  return err instanceof ConfigError || err instanceof PluginLoadError ? EXIT_USAGE : EXIT_FAILURE;
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
