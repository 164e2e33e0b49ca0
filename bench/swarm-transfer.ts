import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../core/paths';

export interface TransferFigures {
  readonly label: string;
  readonly windowsS: number[];
  readonly wallsS: number[];
}

const PEER = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js');

/**
 * Runs `peer swarm` on the shipped default config (20 MiB, 16 KiB pieces,
 * 1 seeder + 4 leechers, separate processes, loopback) `rounds` times and
 * collects the transfer window it reports and the wall time of the whole
 * command as seen from outside.
 */
export function benchSwarm(label: string, extraArgs: string[], rounds: number, configDir = path.join(PACKAGE_ROOT, 'config')): TransferFigures {
  const figures: TransferFigures = { label, windowsS: [], wallsS: [] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-bench-'));
  try {
    for (let round = 0; round < rounds; round++) {
      const started = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [PEER, 'swarm', '--quiet', '--dir', dir, '--config', configDir, ...extraArgs], {
        encoding: 'utf8',
        timeout: 300_000,
      });
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      const window = /distribution (\d+\.\d+) s/.exec(r.stdout ?? '');
      if (r.status !== 0 || !window) throw new Error(`${label}: peer swarm failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
      figures.windowsS.push(Number(window[1]));
      figures.wallsS.push(wall);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

/**
 * A copy of the default config with the swarm's TLS files (`peer tls init`), in a temp folder:
 * the TLS variant runs the very same swarm, inside mutual TLS. The caller removes it.
 */
export function tlsConfigDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-bench-tls-'));
  for (const f of ['common.cfg', 'peer_info.cfg']) fs.copyFileSync(path.join(PACKAGE_ROOT, 'config', f), path.join(dir, f));
  const r = spawnSync(process.execPath, [PEER, 'tls', 'init', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`peer tls init failed: ${r.stderr}`);
  return dir;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function describeFigures(f: TransferFigures): string {
  const list = (xs: number[]): string => xs.map((x) => x.toFixed(3)).join(' ');
  return `${f.label.padEnd(28)} transfer window median ${median(f.windowsS).toFixed(3)} s [${list(f.windowsS)}]   wall median ${median(f.wallsS).toFixed(3)} s [${list(f.wallsS)}]`;
}

if (require.main === module) {
  // `node dist/bench/swarm-transfer.js [peer swarm flags]`; with --tls, on a copy of the config with its TLS files.
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const args = process.argv.slice(2);
  const configDir = args.includes('--tls') ? tlsConfigDir() : undefined;
  try {
    const figures = benchSwarm(args.join(' ') || 'classic', args, rounds, configDir);
    process.stdout.write(`${describeFigures(figures)}\n`);
  } finally {
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  }
}
