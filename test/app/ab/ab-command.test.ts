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
  return ps.split('\n').filter((l) => l.includes('swarmlab-ab-') && l.includes(PEER));
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
});
