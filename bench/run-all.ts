import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readManifest } from '../core/plugin/plugin-registry';
import { DEFAULT_MANIFEST } from '../core/paths';
import { benchSwarm, describeFigures, median, tlsConfigDir, TransferFigures } from './swarm-transfer';

/**
 * `npm run bench`: the default swarm (20 MiB, 16 KiB pieces, 1 seeder + 4
 * leechers as separate processes on loopback) with the classic plugins and
 * with the variants worth comparing. BENCH_ROUNDS sets the rounds per variant.
 */
function main(): void {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const manifest = readManifest(DEFAULT_MANIFEST);
  const variants: Array<[string, string[], string?]> = [['classic', []]];
  if (manifest.some((e) => e.kind === 'strategy' && e.name === 'rarest-first')) variants.push(['--strategy rarest-first', ['--strategy', 'rarest-first']]);
  variants.push(['--pipeline 4', ['--pipeline', '4']]);
  // The same classic swarm inside mutual TLS: what encryption costs.
  const tlsDir = tlsConfigDir();
  variants.push(['--tls', ['--tls'], tlsDir]);
  const results: TransferFigures[] = variants.map(([label]) => ({ label, windowsS: [], wallsS: [] }));
  process.stdout.write(`swarm transfer, default config, ${rounds} rounds per variant, interleaved (figures in seconds)\n`);
  try {
    // Round by round, every variant once: a change in the machine's load hits all variants alike.
    for (let round = 0; round < rounds; round++) {
      variants.forEach(([label, args, configDir], i) => {
        const f = benchSwarm(label, args, 1, configDir);
        results[i]!.windowsS.push(...f.windowsS);
        results[i]!.wallsS.push(...f.wallsS);
      });
    }
  } finally {
    fs.rmSync(tlsDir, { recursive: true, force: true });
  }
  for (const f of results) process.stdout.write(`${describeFigures(f)}\n`);
  const classic = results[0]!;
  for (const f of results.slice(1)) {
    process.stdout.write(`${f.label}: ${(median(f.windowsS) / median(classic.windowsS)).toFixed(2)}x the classic transfer window\n`);
  }
  const sim = spawnSync(process.execPath, [path.join(__dirname, 'sim-scale.js')], { encoding: 'utf8' });
  process.stdout.write(sim.stdout.trim().split('\n').pop() + '\n');
  const watch = spawnSync(process.execPath, [path.join(__dirname, 'watch-view.js')], { encoding: 'utf8' });
  process.stdout.write(watch.stdout.trim().split('\n').pop() + '\n');
  process.stdout.write(`classic transfer window median ${median(classic.windowsS).toFixed(3)} s (target < 1.0 s), wall time median ${median(classic.wallsS).toFixed(3)} s\n`);
}

main();
