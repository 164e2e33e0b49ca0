import * as fs from 'node:fs';
import * as path from 'node:path';
import cliProgress from 'cli-progress';
import { ConfigError } from '../core/config/config-error';
import { loadSwarmConfig, SwarmConfig } from '../core/config/load-config';
import { HashFileError } from '../core/integrity/piece-hashes';
import { DEFAULT_CONFIG_DIR } from '../core/paths';
import { isPluginPath, PluginLoadError } from '../core/plugin/plugin-registry';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './run-peer';
import { LocalSwarmResult, runLocalSwarm } from './swarm/local-swarm';
import type { Watching } from './watch/watch-folder';

export interface SwarmCommandArgs {
  readonly configDir: string;
  readonly dir: string;
  readonly timeoutSeconds: number;
  readonly quiet: boolean;
  readonly peerArgs: readonly string[];
  /** Create a missing seeder file from random bytes (always allowed for the shipped demo config). */
  readonly makeFile: boolean;
  /** Checks every peer's options as `peer run` would (throws a usage error): run before any process starts. */
  readonly checkPeers: (config: SwarmConfig) => void;
  /** Serve the watch page while the swarm runs. */
  readonly ui?: boolean;
  readonly uiPort?: number;
  /** Keep the page up this long after the swarm ends; undefined: until Ctrl-C. */
  readonly uiLingerSeconds?: number;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** `peer swarm`: the whole swarm on this machine, with progress and a verified summary. */
export async function runSwarmCommand(args: SwarmCommandArgs): Promise<number> {
  const tty = process.stderr.isTTY === true && !args.quiet;
  const multibar = tty
    ? new cliProgress.MultiBar(
        { format: ' peer {peer} [{bar}] {percentage}% | {value}/{total} pieces', hideCursor: true, clearOnComplete: false, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const bars = new Map<number, cliProgress.SingleBar>();
  const say = (line: string): void => {
    if (args.quiet) return;
    if (multibar) multibar.log(`${line}\n`);
    else process.stderr.write(`${line}\n`);
  };
  // A misspelt plugin, a bad option or config: said before any process starts or any file is made.
  try {
    args.checkPeers(loadSwarmConfig(args.configDir));
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof ConfigError || err instanceof PluginLoadError || err instanceof HashFileError ? EXIT_USAGE : EXIT_FAILURE;
  }
  // Stopped by a signal, the swarm stops its peers first (they also end by themselves if this process is killed outright).
  const stopping = new AbortController();
  let caught: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    caught = signal;
    stopping.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let result: LocalSwarmResult;
  let watching: Watching | undefined;
  try {
    say(`swarm: config ${path.resolve(args.configDir)}, working folder ${path.resolve(args.dir)}`);
    let peerArgs = args.peerArgs;
    if (args.ui) {
      const config = loadSwarmConfig(args.configDir);
      peerArgs = withJsonlLogger(peerArgs, config);
      // Streams of an earlier run would show its pieces until the new peers rewrite them.
      await fs.promises.mkdir(args.dir, { recursive: true });
      for (const p of config.peers) await fs.promises.rm(path.join(args.dir, `log_peer_${p.id}.jsonl`), { force: true });
      const { watchFolder } = await import('./watch/watch-folder');
      watching = await watchFolder(args.dir, { port: args.uiPort }).catch((err: unknown) => {
        throw new Error(`cannot serve the watch page: ${err instanceof Error ? err.message : String(err)}`);
      });
      // The address matters even with --quiet: it is what --ui asked for.
      process.stderr.write(`watch: ${watching.url}\n`);
    }
    result = await runLocalSwarm({
      configDir: args.configDir,
      dir: args.dir,
      peerArgs,
      makeFile: args.makeFile || path.resolve(args.configDir) === DEFAULT_CONFIG_DIR,
      signal: stopping.signal,
      timeoutMs: args.timeoutSeconds * 1000,
      onProgress: (id, have, total) => {
        if (!multibar) return;
        let bar = bars.get(id);
        if (!bar) bars.set(id, (bar = multibar.create(total, 0, { peer: id })));
        bar.update(have);
      },
      onPeerExit: (o) => {
        const exited = `peer ${o.id} exited with ${o.signal ?? o.exitCode}${o.seeder ? ' (seeder)' : ''}`;
        const failed = o.exitCode !== 0 && o.stderr !== '';
        const why = failed ? `\n${o.stderr.trimEnd().split('\n').map((l) => `  | ${l}`).join('\n')}` : '';
        // A failure is a problem, so --quiet says why too: the summary alone shows only an exit code.
        if (args.quiet && failed) process.stderr.write(`${exited}${why}\n`);
        else say(`${exited}${why}`);
      },
    });
  } catch (err) {
    multibar?.stop();
    await watching?.stop();
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof ConfigError ? EXIT_USAGE : EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  multibar?.stop();
  if (caught) {
    await watching?.stop();
    process.stderr.write(`swarm: stopped by ${caught}; every peer has ended\n`);
    return SIGNAL_EXIT[caught] ?? EXIT_FAILURE;
  }
  const summary = formatSummary(result);
  process.stdout.write(summary);
  if (watching) await linger(watching, summary, args.uiLingerSeconds);
  return result.ok ? EXIT_OK : EXIT_FAILURE;
}

const MiB = 1024 * 1024;

/** Keeps the page up after the swarm, showing the verdict, until Ctrl-C or for `seconds`. */
async function linger(watching: Watching, summary: string, seconds: number | undefined): Promise<void> {
  const { untilSignal } = await import('./watch/watch-command');
  await watching.tail.drain();
  const verdict = summary.split('\n').find((l) => l.startsWith('result'))?.replace(/^result\s+/, '') ?? '';
  const distribution = summary.split('\n').find((l) => l.startsWith('distribution'));
  watching.view.setStatus('finished', distribution ? `${verdict} · ${distribution}` : verdict);
  if (seconds === 0) {
    await watching.stop();
    return;
  }
  process.stderr.write(`watch: the page stays up at ${watching.url} ${seconds === undefined ? 'until Ctrl-C' : `for ${seconds} s (Ctrl-C to stop sooner)`}\n`);
  const signal = untilSignal();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([signal, ...(seconds === undefined ? [] : [new Promise<void>((resolve) => (timer = setTimeout(resolve, seconds * 1000)))])]);
  clearTimeout(timer);
  await watching.stop();
}

/** The peers' arguments with the jsonl logger added to theirs (the command line's, else the config's, else classic). */
export function withJsonlLogger(peerArgs: readonly string[], config: SwarmConfig): string[] {
  const args = [...peerArgs];
  const at = args.indexOf('--logger');
  const configured = config.common.plugins['logger']
    ?.split(',')
    .map((r) => (isPluginPath(r) ? path.resolve(path.dirname(config.commonFile), r) : r))
    .join(',');
  const current = at >= 0 ? args[at + 1]! : configured ?? 'classic';
  const loggers = current.split(',').includes('jsonl') ? current : `${current},jsonl`;
  if (at >= 0) args[at + 1] = loggers;
  else args.push('--logger', loggers);
  return args;
}

export function formatSummary(r: LocalSwarmResult): string {
  const { common } = r.config;
  const leechers = r.peers.filter((p) => !p.seeder);
  const lines = [
    '',
    `file        ${common.fileName}: ${common.fileSize} bytes in ${Math.ceil(common.fileSize / common.pieceSize)} pieces of ${common.pieceSize}`,
    `original    sha256 ${r.originalSha256}`,
  ];
  // The first seeder's copy is the original every other copy is checked against: it is not "identical" to itself.
  const reference = r.peers.find((p) => p.seeder)?.id;
  for (const p of r.peers) {
    const verdict = p.id === reference ? (p.sha256 ? 'original' : 'MISSING') : p.identical ? 'identical' : p.sha256 ? 'DIFFERENT' : 'MISSING';
    const rss = (p.peakRssBytes === undefined ? '' : `  peak RSS ${(p.peakRssBytes / MiB).toFixed(1)} MiB`) + (p.cpuMs === undefined ? '' : `  CPU ${(p.cpuMs / 1000).toFixed(2)} s`);
    lines.push(`peer ${p.id}   exit ${p.signal ?? p.exitCode}  ${p.seeder ? 'seeder  ' : 'leecher '} ${p.sha256 ? verdict.padEnd(9) : verdict}${p.sha256 ? ` ${p.sha256.slice(0, 16)}…` : ''}${rss}`);
  }
  const rssAll = r.peers.map((p) => p.peakRssBytes).filter((b): b is number => b !== undefined);
  if (rssAll.length > 0) lines.push(`peak RSS    largest ${(Math.max(...rssAll) / MiB).toFixed(1)} MiB of ${rssAll.length} peers`);
  if (r.transferWindowMs !== undefined) {
    const mb = (common.fileSize * leechers.length) / 1e6;
    lines.push(`distribution ${(r.transferWindowMs / 1000).toFixed(3)} s from first handshake to last complete copy (${(mb / (r.transferWindowMs / 1000)).toFixed(1)} MB/s delivered to ${leechers.length} leechers)`);
  }
  lines.push(`wall time   ${(r.wallMs / 1000).toFixed(3)} s`);
  lines.push(r.timedOut ? 'result      FAILED: timed out' : r.ok ? 'result      OK: every copy matches the original' : 'result      FAILED: see above');
  return `${lines.join('\n')}\n`;
}
