import * as path from 'node:path';
import cliProgress from 'cli-progress';
import { ConfigError } from '../core/config/config-error';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './run-peer';
import { LocalSwarmResult, runLocalSwarm } from './swarm/local-swarm';

export interface SwarmCommandArgs {
  readonly configDir: string;
  readonly dir: string;
  readonly timeoutSeconds: number;
  readonly quiet: boolean;
  readonly peerArgs: readonly string[];
}

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
  let result: LocalSwarmResult;
  try {
    say(`swarm: config ${path.resolve(args.configDir)}, working folder ${path.resolve(args.dir)}`);
    result = await runLocalSwarm({
      configDir: args.configDir,
      dir: args.dir,
      peerArgs: args.peerArgs,
      timeoutMs: args.timeoutSeconds * 1000,
      onProgress: (id, have, total) => {
        if (!multibar) return;
        let bar = bars.get(id);
        if (!bar) bars.set(id, (bar = multibar.create(total, 0, { peer: id })));
        bar.update(have);
      },
      onPeerExit: (o) => {
        say(`peer ${o.id} exited with ${o.signal ?? o.exitCode}${o.seeder ? ' (seeder)' : ''}`);
        if (o.exitCode !== 0 && o.stderr) say(o.stderr.trimEnd().split('\n').map((l) => `  | ${l}`).join('\n'));
      },
    });
  } catch (err) {
    multibar?.stop();
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof ConfigError ? EXIT_USAGE : EXIT_FAILURE;
  }
  multibar?.stop();
  process.stdout.write(formatSummary(result));
  return result.ok ? EXIT_OK : EXIT_FAILURE;
}

const MiB = 1024 * 1024;

export function formatSummary(r: LocalSwarmResult): string {
  const { common } = r.config;
  const leechers = r.peers.filter((p) => !p.seeder);
  const lines = [
    '',
    `file        ${common.fileName}: ${common.fileSize} bytes in ${Math.ceil(common.fileSize / common.pieceSize)} pieces of ${common.pieceSize}`,
    `original    sha256 ${r.originalSha256}`,
  ];
  for (const p of r.peers) {
    const verdict = p.identical ? 'identical' : p.sha256 ? 'DIFFERENT' : 'MISSING';
    const rss = (p.peakRssBytes === undefined ? '' : `  peak RSS ${(p.peakRssBytes / MiB).toFixed(1)} MiB`) + (p.cpuMs === undefined ? '' : `  CPU ${(p.cpuMs / 1000).toFixed(2)} s`);
    lines.push(`peer ${p.id}   exit ${p.signal ?? p.exitCode}  ${p.seeder ? 'seeder  ' : 'leecher '} ${verdict}${p.sha256 ? ` ${p.sha256.slice(0, 16)}…` : ''}${rss}`);
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
