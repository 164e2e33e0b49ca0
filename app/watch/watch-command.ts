import * as fs from 'node:fs';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../run-peer';
import { watchFolder } from './watch-folder';

export interface WatchCommandArgs {
  readonly dir: string;
  readonly port?: number;
}

/** How long `peer watch` waits for a first event stream before saying how to get one. */
const HINT_AFTER_MS = 3000;

/**
 * `peer watch <run-dir>`: the watch page for peers started separately with
 * the jsonl logger (`--logger classic,jsonl --log-dir <run-dir>`), until Ctrl-C.
 */
export async function runWatchCommand(args: WatchCommandArgs, stopped: Promise<string> = untilSignal()): Promise<number> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(args.dir);
  } catch {
    process.stderr.write(`error: ${args.dir}: no such folder (give the folder the peers write their log_peer_<id>.jsonl to)\n`);
    return EXIT_USAGE;
  }
  if (!stat.isDirectory()) {
    process.stderr.write(`error: ${args.dir} is not a folder (give the folder the peers write their log_peer_<id>.jsonl to)\n`);
    return EXIT_USAGE;
  }
  const reported = new Set<string>();
  let watching;
  try {
    watching = await watchFolder(args.dir, {
      port: args.port,
      onBadLine: (file, lineNo) => {
        if (reported.has(file)) return;
        reported.add(file);
        process.stderr.write(`watch: ${file}:${lineNo}: not a swarmlab event line; skipping such lines\n`);
      },
    });
  } catch (err) {
    process.stderr.write(`error: cannot serve the watch page: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILURE;
  }
  process.stdout.write(`watch: ${watching.url}  (following log_peer_<id>.jsonl in ${args.dir}; Ctrl-C to stop)\n`);
  const hint = setTimeout(() => {
    if (watching.tail.peers.length === 0) {
      process.stderr.write(`watch: no log_peer_<id>.jsonl in ${args.dir} yet: start the peers with --logger classic,jsonl --log-dir ${args.dir}\n`);
    }
  }, HINT_AFTER_MS);
  const signal = await stopped;
  clearTimeout(hint);
  await watching.stop();
  process.stderr.write(`watch: stopped (${signal})\n`);
  return EXIT_OK;
}

/** Resolves with the name of the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = (): void => on('SIGINT');
    const onTerm = (): void => on('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}
