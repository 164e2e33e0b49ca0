import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AbReport } from '../../../app/ab/model';
import { PACKAGE_ROOT } from '../../../core/paths';

const PEER = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js');

function runAb(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PEER, 'ab', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`peer ab still running after ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Peer processes the harness started (their config lives in a swarmlab-ab-* folder; other checkouts on the machine are not ours). */
function leftoverPeers(): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
  // Peers are started through the launcher (dist/app/peer-launcher.js next to PEER).
  const launcher = path.join(path.dirname(PEER), 'peer-launcher.js');
  return ps.split('\n').filter((l) => l.includes('swarmlab-ab-') && (l.includes(PEER) || l.includes(launcher)));
}

describe('peer ab', function () {
  this.timeout(180000);
  let out: string;
  beforeEach(() => (out = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-abtest-'))));
  afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

  it('compares rarest-first with random on a 10-peer heterogeneous real-socket swarm and writes the three reports', async () => {
    const r = await runAb(['--a', 'strategy=rarest-first', '--b', 'strategy=random', '--peers', '10', '--runs', '1', '--file-size', '1MiB', '--profile', path.join(PACKAGE_ROOT, 'config', 'profiles', 'mixed.json'), '--out', out, '--seed', '7'], 170000);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/swarm completion time \(s\)/);
    expect(r.stderr).to.match(/run 1 A: swarm complete in/);
    expect(r.stderr).to.match(/run 1 B: swarm complete in/);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as AbReport;
    expect(report.mode).to.equal('real');
    expect(report.runs.map((x) => [x.variant, x.ok, x.seed])).to.deep.equal([
      ['A', true, 7],
      ['B', true, 7],
    ]);
    for (const run of report.runs) {
      expect(run.peers).to.have.length(10);
      expect(run.peers.filter((p) => !p.seeder).every((p) => typeof p.completedMs === 'number' && p.bytesDown >= 1024 * 1024)).to.equal(true);
      expect(new Set(run.peers.map((p) => p.profileClass))).to.include.members(['seeder', 'slow', 'medium', 'fast']);
    }
    expect(report.comparisons.map((c) => c.metric)).to.include('swarm completion time');
    expect(fs.readFileSync(path.join(out, 'report.html'), 'utf8')).to.match(/<svg[^>]*id="cdf-chart"/);
    expect(leftoverPeers()).to.deep.equal([]);
  });

  it('reports a run that hangs past --timeout as failed, never averaged in, and leaves no process behind', async () => {
    const r = await runAb(['--a', 'strategy=sequential', '--b', 'strategy=random', '--peers', '3', '--runs', '1', '--file-size', '4MiB', '--profile', path.join(PACKAGE_ROOT, 'config', 'profiles', 'flash-crowd.json'), '--timeout', '1', '--out', out], 60000);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/run 1 A: FAILED: timed out after 1 s/);
    // ...saying where each peer stood, the first clue to a hang: the seeder had the file, the others not yet.
    expect(r.stderr).to.match(/timed out after 1 s; still running: peer 1001 had the file/);
    expect(r.stderr).to.match(/peer 1002 (held \d+\/256 pieces|held no piece)/);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as AbReport;
    expect(report.runs.every((x) => !x.ok && x.swarmDoneMs === undefined)).to.equal(true);
    expect(report.comparisons.every((c) => c.a.n === 0 && c.b.n === 0)).to.equal(true);
    expect(r.stdout).to.match(/FAILED/);
    expect(leftoverPeers()).to.deep.equal([]);
  });

  it('rejects an unknown plugin name before starting anything (exit 2)', async () => {
    const r = await runAb(['--a', 'strategy=fastest-first', '--out', out], 20000);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/unknown strategy plugin "fastest-first"/);
    expect(fs.existsSync(path.join(out, 'report.json'))).to.equal(false);
  });

  it('rejects a malformed profile (exit 2)', async () => {
    const profile = path.join(out, 'bad.json');
    fs.writeFileSync(profile, JSON.stringify({ classes: [{ name: 'x', upload: 'lots' }] }));
    const r = await runAb(['--profile', profile, '--out', out], 20000);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/bad\.json: classes\[0\]\.upload: "lots" is not a size/);
  });

  describe('--b-fraction: mixed swarms', () => {
    /** The B cohort runs the free rider: in the mixed run it uploads nothing before it completes. */
    function checkMixed(report: AbReport, cohortSize: number): void {
      expect(report.bFraction).to.be.a('number');
      expect(report.runs.map((x) => [x.variant, x.ok])).to.deep.equal([
        ['A', true],
        ['B', true],
      ]);
      const [baseline, mixed] = report.runs;
      const cohortOf = (run: typeof baseline) => run!.peers.filter((p) => !p.seeder).map((p) => [p.id, p.cohort]);
      expect(cohortOf(mixed)).to.deep.equal(cohortOf(baseline));
      const bPeers = (run: typeof baseline) => run!.peers.filter((p) => p.cohort === 'B');
      expect(bPeers(mixed)).to.have.length(cohortSize);
      expect(mixed!.peers.filter((p) => p.cohort === 'A')).to.have.length(report.peers - 1 - cohortSize);
      for (const p of bPeers(mixed)) expect(p.bytesUpWhileLeeching, `free rider ${p.id} in the mixed run`).to.equal(0);
      // In the baseline the same peers run the classic policy and trade while they download.
      expect(bPeers(baseline).reduce((s, p) => s + p.bytesUpWhileLeeching!, 0)).to.be.above(0);
      expect(report.sections!.map((x) => x.id)).to.include.members(['per-cohort', 'inside-mixed']);
      const cohort = report.sections!.find((x) => x.id === 'per-cohort')!;
      expect(cohort.comparisons.map((c) => c.metric)).to.include('B cohort: download time, median');
    }

    it('runs the cohort on B inside a swarm of A peers, in the simulator', async () => {
      const r = await runAb(['--a', 'choke=classic', '--b', 'choke=free-rider', '--b-fraction', '0.25', '--sim', '--peers', '21', '--runs', '1', '--file-size', '1MiB', '--out', out, '--seed', '3'], 60000);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.match(/mixed: 5 of 20 leechers on B in the B run/);
      expect(r.stdout).to.match(/Each cohort: baseline swarm \(everyone on A\) vs mixed swarm/);
      expect(r.stdout).to.match(/A \(A cohort\) median \[95% CI\]/);
      checkMixed(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as AbReport, 5);
      expect(fs.readFileSync(path.join(out, 'report.html'), 'utf8')).to.match(/id="section-per-cohort"/);
    });

    it('runs the cohort on B inside a swarm of A peers, on real sockets', async () => {
      const r = await runAb(['--a', 'choke=classic', '--b', 'choke=free-rider', '--b-fraction', '1/3', '--peers', '7', '--runs', '1', '--file-size', '1MiB', '--out', out, '--seed', '5'], 170000);
      expect(r.code, r.stderr).to.equal(0);
      checkMixed(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as AbReport, 2);
      expect(leftoverPeers()).to.deep.equal([]);
    });

    it('rejects a fraction outside (0, 1] (exit 2)', async () => {
      for (const bad of ['0', '1.5', 'half', '3/2']) {
        const r = await runAb(['--b-fraction', bad, '--sim', '--out', out], 20000);
        expect(r.code, bad).to.equal(2);
        expect(r.stderr).to.match(/--b-fraction must be a fraction in \(0, 1\]/);
      }
    });
  });
});
