import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Summarises V8 CPU profiles (`node --cpu-prof --cpu-prof-dir=DIR dist/app/peer.js swarm`
 * writes one per peer process): self time per function, summed over every profile
 * in DIR, with the total and the share of the top entries.
 *
 * usage: node dist/bench/profile-top.js DIR [topN]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function main(): void {
  const dir = process.argv[2];
  const top = Number(process.argv[3] ?? 25);
  if (!dir) throw new Error('usage: profile-top DIR [topN]');
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  let wallUs = 0;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  for (const f of files) {
    const p = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Profile;
    wallUs += p.endTime - p.startTime;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    for (let i = 0; i < p.samples.length; i++) {
      const node = byId.get(p.samples[i]!)!;
      const dt = p.timeDeltas[i + 1] ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url ? `${url.replace(/^.*\/(node_modules|dist)\//, '$1/').replace(/^file:\/\//, '')}:${lineNumber + 1}` : '';
      const key = `${functionName || '(anonymous)'} ${where}`.trim();
      selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
      if (functionName !== '(idle)') totalUs += dt;
    }
  }
  const rows = [...selfUs.entries()].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]);
  process.stdout.write(`${files.length} profiles, ${(wallUs / 1e6).toFixed(2)} s profiled in all, ${(totalUs / 1e6).toFixed(2)} s not idle\n`);
  process.stdout.write(`| self ms | share | function |\n|---:|---:|---|\n`);
  for (const [k, us] of rows.slice(0, top)) process.stdout.write(`| ${(us / 1000).toFixed(0)} | ${((100 * us) / totalUs).toFixed(1)}% | \`${k}\` |\n`);
}

main();
