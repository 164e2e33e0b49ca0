import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { createRandomFile } from '../../app/swarm/file-digest';
import { freePorts } from '../../app/swarm/free-ports';
import { PACKAGE_ROOT } from '../../core/paths';
import { parseSize } from '../../core/util/size';
import { checkTargets, formatVerdicts, JobFigures } from './targets';

/**
 * `npm run bench:compare`: the same swarm (1 seeder + 4 leechers on loopback)
 * run by swarmlab (classic settings, and pipelined rarest-first), libtorrent
 * (5 sessions in one Python process) and WebTorrent (5 clients in one Node
 * process), interleaved round by round so that load from elsewhere on the
 * machine falls on every system alike. Every figure is the same window:
 * seconds from the first connection until every leecher holds the file.
 *
 *   --jobs 20MiB/16KiB,256MiB/256KiB,1GiB/256KiB   file size / piece size
 *   --rounds 5,3,2      rounds per job (one number for all); env COMPARE_ROUNDS
 *   --systems classic,tuned,libtorrent,webtorrent
 *   --work DIR          scratch folder (default: under the OS temp; removed at the end)
 */

const MiB = 1024 * 1024;
const SWARM_PEERS = 5;
const PEER = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js');
const HERE = path.join(PACKAGE_ROOT, 'bench', 'compare');
const RUN_TIMEOUT_S = 600;

interface Job {
  readonly label: string;
  readonly fileSize: number;
  readonly pieceSize: number;
  readonly rounds: number;
}

interface Run {
  readonly seconds: number;
  /** CPU time (user + system) of every process of the run, seconds: steadier than the window on a shared machine. */
  cpuSeconds?: number;
  /** Peak RSS of each peer process (swarmlab) or of the one process (anchors), MiB. */
  readonly rssMiB: readonly number[];
}

interface System {
  readonly key: string;
  readonly label: string;
  run(job: Job, work: string, seedFile: string): Run;
}

function fail(system: string, r: ReturnType<typeof spawnSync>): never {
  throw new Error(`${system} failed (exit ${r.status ?? r.signal}):\n${String(r.stdout ?? '').slice(-3000)}\n${String(r.stderr ?? '').slice(-3000)}`);
}

function swarmlab(key: string, label: string, args: readonly string[]): System {
  return {
    key,
    label,
    run(job, work) {
      const r = spawnSync(process.execPath, [PEER, 'swarm', '--quiet', '--dir', work, '--config', work, '--timeout', String(RUN_TIMEOUT_S), ...args], {
        encoding: 'utf8',
        maxBuffer: 16 * MiB,
      });
      const window = /^distribution (\d+\.\d+) s/m.exec(r.stdout ?? '');
      if (r.status !== 0 || !window) fail(label, r);
      const rssMiB = [...r.stdout.matchAll(/^peer \d+ .* peak RSS (\d+\.\d) MiB/gm)].map((m) => Number(m[1]));
      // The next system's run should find the disk as this one found it: only the seeder's file.
      for (const f of fs.readdirSync(work)) if (/^peer_\d+$/.test(f) && f !== 'peer_1001') fs.rmSync(path.join(work, f), { recursive: true, force: true });
      return { seconds: Number(window[1]), rssMiB };
    },
  };
}

function anchor(key: string, label: string, command: (job: Job, work: string, seedFile: string) => string[]): System {
  return {
    key,
    label,
    run(job, work, seedFile) {
      const [cmd, ...args] = command(job, work, seedFile);
      const r = spawnSync(cmd!, args, { encoding: 'utf8', maxBuffer: 16 * MiB, timeout: (RUN_TIMEOUT_S + 60) * 1000 });
      const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
      if (r.status !== 0 || !last.startsWith('{')) fail(label, r);
      const parsed = JSON.parse(last) as { seconds: number; peakRssMiB: number };
      return { seconds: parsed.seconds, rssMiB: [parsed.peakRssMiB] };
    },
  };
}

function parseJobs(spec: string, rounds: number[]): Job[] {
  return spec.split(',').map((s, i) => {
    const [file, piece] = s.split('/');
    if (!file || !piece) throw new Error(`--jobs: "${s}" is not FILESIZE/PIECESIZE (e.g. 20MiB/16KiB)`);
    const r = rounds[Math.min(i, rounds.length - 1)]!;
    return { label: `${file} / ${piece} pieces`, fileSize: parseSize(file), pieceSize: parseSize(piece), rounds: r };
  });
}

function installAnchors(): string {
  const r = spawnSync('bash', [path.join(HERE, 'install-anchors.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error('installing libtorrent / WebTorrent failed (see above)');
  return r.stdout.trim().split('\n').pop()!;
}

async function writeConfig(dir: string, job: Job): Promise<void> {
  const ports = await freePorts(SWARM_PEERS);
  fs.writeFileSync(
    path.join(dir, 'common.cfg'),
    `NumberOfPreferredNeighbors 3\nUnchokingInterval 5\nOptimisticUnchokingInterval 10\nFileName TheFile.dat\nFileSize ${job.fileSize}\nPieceSize ${job.pieceSize}\n`,
  );
  fs.writeFileSync(path.join(dir, 'peer_info.cfg'), ports.map((port, i) => `${1001 + i} 127.0.0.1 ${port} ${i === 0 ? 1 : 0}`).join('\n') + '\n');
}

const fmt = (s: number): string => s.toFixed(3);

/**
 * CPU seconds used so far by this process's waited-for descendants (cutime + cstime of
 * /proc/self/stat; `peer swarm` waits for its peers, so they count too). Linux only; NaN elsewhere.
 */
function childrenCpuSeconds(): number {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of the man page; fields[0] here is field 3.
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      jobs: { type: 'string', default: '20MiB/16KiB,256MiB/256KiB,1GiB/256KiB' },
      rounds: { type: 'string', default: process.env.COMPARE_ROUNDS ?? '5,3,2' },
      systems: { type: 'string', default: 'classic,tuned,libtorrent,webtorrent' },
      work: { type: 'string' },
    },
  });
  const rounds = values.rounds!.split(',').map((r) => {
    if (!/^\d+$/.test(r) || Number(r) < 1) throw new Error(`--rounds: "${r}" is not a whole number >= 1`);
    return Number(r);
  });
  const jobs = parseJobs(values.jobs!, rounds);
  const wanted = values.systems!.split(',');
  const anchorsDir = wanted.some((s) => s === 'libtorrent' || s === 'webtorrent') ? installAnchors() : '';
  const all: System[] = [
    swarmlab('classic', 'swarmlab classic', []),
    swarmlab('tuned', 'swarmlab --pipeline 4 --strategy rarest-first', ['--pipeline', '4', '--strategy', 'rarest-first']),
    anchor('libtorrent', 'libtorrent (5 sessions, 1 process)', (job, work, seedFile) => [
      '/usr/bin/python3', path.join(HERE, 'libtorrent_swarm.py'), '--file', seedFile, '--piece-size', String(job.pieceSize), '--work', work, '--peers', String(SWARM_PEERS), '--timeout', String(RUN_TIMEOUT_S),
    ]),
    anchor('webtorrent', 'WebTorrent (5 clients, 1 process)', (job, work, seedFile) => [
      process.execPath, path.join(HERE, 'webtorrent_swarm.mjs'), '--anchors', anchorsDir, '--file', seedFile, '--piece-size', String(job.pieceSize), '--work', work, '--peers', String(SWARM_PEERS), '--timeout', String(RUN_TIMEOUT_S),
    ]),
  ];
  const unknown = wanted.filter((w) => !all.some((s) => s.key === w));
  if (unknown.length > 0) throw new Error(`--systems: unknown ${unknown.join(', ')} (known: ${all.map((s) => s.key).join(', ')})`);
  const systems = all.filter((s) => wanted.includes(s.key));

  const root = values.work ? path.resolve(values.work) : fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-compare-'));
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  out(`bench:compare on ${os.cpus().length} cores, node ${process.version}; ${SWARM_PEERS} peers (1 seeder) on loopback; seconds from the first connection until every leecher holds the file`);
  const table: string[] = [];
  const figures: JobFigures[] = [];
  try {
    for (const job of jobs) {
      const work = path.join(root, `job-${job.fileSize}-${job.pieceSize}`);
      fs.mkdirSync(work, { recursive: true });
      await writeConfig(work, job);
      const seedFile = path.join(work, 'peer_1001', 'TheFile.dat');
      if (!fs.existsSync(seedFile) || fs.statSync(seedFile).size !== job.fileSize) await createRandomFile(seedFile, job.fileSize);
      out(`\n== ${job.label}, ${job.rounds} round(s), interleaved: ${systems.map((s) => s.key).join(', ')}`);
      const runs = new Map<string, Run[]>(systems.map((s) => [s.key, []]));
      for (let round = 1; round <= job.rounds; round++) {
        for (const s of systems) {
          const cpuBefore = childrenCpuSeconds();
          const r = s.run(job, work, seedFile);
          r.cpuSeconds = childrenCpuSeconds() - cpuBefore;
          runs.get(s.key)!.push(r);
          out(`  round ${round}  ${s.label.padEnd(48)} ${fmt(r.seconds)} s   CPU ${r.cpuSeconds.toFixed(2)} s   peak RSS ${r.rssMiB.map((m) => m.toFixed(0)).join(' ')} MiB`);
        }
      }
      const med = new Map(systems.map((s) => [s.key, median(runs.get(s.key)!.map((r) => r.seconds))]));
      const anchorMedian = med.get('libtorrent');
      for (const s of systems) {
        const list = runs.get(s.key)!;
        const rss = Math.max(...list.flatMap((r) => r.rssMiB));
        const ratio = anchorMedian ? `  ${(med.get(s.key)! / anchorMedian).toFixed(2)}x libtorrent` : '';
        const cpu = median(list.map((r) => r.cpuSeconds ?? NaN));
        out(`  median ${s.label.padEnd(48)} ${fmt(med.get(s.key)!)} s [${list.map((r) => fmt(r.seconds)).join(' ')}]${ratio}  CPU ${cpu.toFixed(2)} s  peak RSS max ${rss.toFixed(0)} MiB${s.key === 'classic' || s.key === 'tuned' ? ' per peer' : ''}`);
      }
      const cell = (key: string): string => {
        const m = med.get(key);
        if (m === undefined) return '-';
        return anchorMedian && key !== 'libtorrent' ? `${fmt(m)} (${(m / anchorMedian).toFixed(2)}x)` : fmt(m);
      };
      const rssOf = (key: string): string => (runs.has(key) ? `${Math.max(...runs.get(key)!.flatMap((r) => r.rssMiB)).toFixed(0)}` : '-');
      const swarmlabRss = ['classic', 'tuned'].filter((k) => runs.has(k)).flatMap((k) => runs.get(k)!.flatMap((r) => r.rssMiB));
      figures.push({ fileSize: job.fileSize, pieceSize: job.pieceSize, medianSeconds: med, peakRssMiB: swarmlabRss.length > 0 ? Math.max(...swarmlabRss) : undefined });
      table.push(`| ${job.label} (${job.rounds} rounds) | ${cell('classic')} | ${cell('tuned')} | ${cell('libtorrent')} | ${cell('webtorrent')} | ${rssOf('classic')} / ${rssOf('tuned')} |`);
      fs.rmSync(work, { recursive: true, force: true });
    }
  } finally {
    if (!values.work) fs.rmSync(root, { recursive: true, force: true });
  }
  out('\nmedians in seconds (ratio to libtorrent):');
  out('| job | swarmlab classic | swarmlab `--pipeline 4 --strategy rarest-first` | libtorrent | WebTorrent | swarmlab peak RSS per peer, MiB (classic / tuned) |');
  out('|---|---|---|---|---|---|');
  for (const row of table) out(row);
  out('');
  for (const line of formatVerdicts(checkTargets(figures))) out(line);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
