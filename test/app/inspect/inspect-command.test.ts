import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runLocalSwarm } from '../../../app/swarm/local-swarm';
import { PACKAGE_ROOT } from '../../../core/paths';
import { freePorts } from '../../helpers/ports';

const PEER = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js');
const inspect = (args: string[]): { code: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [PEER, 'inspect', ...args], { encoding: 'utf8', timeout: 20000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('peer inspect on real logs', function () {
  this.timeout(60000);
  let dir: string;
  const ids = [1001, 1002, 1003, 1004];
  const logOf = (id: number): string => path.join(dir, `log_peer_${id}.log`);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-inspect-'));
    const ports = await freePorts(ids.length);
    // One preferred neighbour re-chosen every 50 ms and a slow seeder: neighbours are choked and
    // unchoked many times mid-transfer, which is what the choke rule must not mistake for a violation.
    fs.writeFileSync(path.join(dir, 'common.cfg'), 'NumberOfPreferredNeighbors 1\nUnchokingInterval 0.05\nOptimisticUnchokingInterval 0.1\nFileName f.dat\nFileSize 300KiB\nPieceSize 1KiB\n');
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), ids.map((id, i) => `${id} 127.0.0.1 ${ports[i]} ${i === 0 ? 1 : 0}`).join('\n') + '\n');
    fs.mkdirSync(path.join(dir, 'peer_1001'));
    fs.writeFileSync(path.join(dir, 'peer_1001', 'f.dat'), Buffer.alloc(300 * 1024, 7));
    const result = await runLocalSwarm({
      configDir: dir,
      dir,
      peerArgs: ['--listen-host', '127.0.0.1', '--pipeline', '3'],
      argsFor: (p) => (p.hasFile ? ['--upload-rate', '200KiB'] : []),
      timeoutMs: 45000,
    });
    expect(result.ok, result.peers.map((p) => p.stderr).join('\n')).to.equal(true);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds no violation in a swarm where neighbours were choked mid-transfer, and prints each timeline', () => {
    const r = inspect(ids.map(logOf));
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/4 logs: no protocol violations found\n$/);
    expect(r.stdout).to.match(/log_peer_1002\.log: peer 1002, \d+ lines/);
    expect(r.stdout).to.match(/ {2}complete {5}at \+[\d.]+ s \(line \d+\) with 300 pieces/);
    expect(r.stdout).to.match(/ {2}first piece {2}\d+ from 100\d at \+[\d.]+ s/);
    // The test means something only if chokes happened while pieces were flowing.
    const choked = ids.slice(1).filter((id) => /is choked by/.test(fs.readFileSync(logOf(id), 'utf8')));
    expect(choked.length, 'no leecher was ever choked').to.be.greaterThan(0);
    expect(r.stdout).to.match(/ {2}choked by {4}100\d x\d+/);
  });

  it('exits 1 and names file, line and rule for hand-broken copies of a real log', () => {
    const lines = fs.readFileSync(logOf(1002), 'utf8').trimEnd().split('\n');
    const downloads = lines.map((l, i) => [l, i] as const).filter(([l]) => l.includes('has downloaded the piece'));
    const broken = (name: string, edit: (ls: string[]) => string[]): string => {
      const file = path.join(dir, 'broken', name, 'log_peer_1002.log');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.copyFileSync(path.join(dir, 'common.cfg'), path.join(path.dirname(file), 'common.cfg'));
      fs.writeFileSync(file, edit([...lines]).join('\n') + '\n');
      return file;
    };
    // The same download line twice: a duplicate piece, and a count that goes back.
    const dupAt = downloads[10]![1];
    const dup = broken('dup', (ls) => [...ls.slice(0, dupAt + 1), ls[dupAt]!, ...ls.slice(dupAt + 1)]);
    // A download line dropped: the count skips.
    const skip = broken('skip', (ls) => ls.filter((_, i) => i !== downloads[20]![1]));
    // The completion line moved before the last download.
    const early = broken('early', (ls) => {
      const complete = ls.findIndex((l) => l.endsWith('has downloaded the complete file.'));
      const [line] = ls.splice(complete, 1);
      ls.splice(downloads[downloads.length - 1]![1], 0, line!);
      return ls;
    });
    // A stray debug line.
    const chatty = broken('chatty', (ls) => [...ls.slice(0, 3), 'DEBUG connecting...', ...ls.slice(3)]);
    const r = inspect([dup, skip, early, chatty]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.stdout).to.contain(`${dup}:${dupAt + 2}: duplicate-piece: piece`);
    expect(r.stdout).to.contain(`${dup}:${dupAt + 2}: count-goes-back:`);
    expect(r.stdout).to.match(new RegExp(`${skip.replace(/[.\\/]/g, '\\$&')}:\\d+: count-skips: piece count \\d+ after \\d+`));
    expect(r.stdout).to.contain(`${early}:`);
    expect(r.stdout).to.match(/: early-complete: says it has the complete file with 299 of 300 pieces/);
    expect(r.stdout).to.contain(`${chatty}:4: not-classic: not one of the classic log lines`.replace('not one of the classic log lines', 'does not start with "[<time>]: "'));
    expect(r.stdout).to.match(/4 logs: \d+ protocol violations in 4 of them\n$/);
  });

  it('reports a log it cannot read with exit 2, and a bad flag with one line pointing at --help', () => {
    const missing = inspect([path.join(dir, 'log_peer_1999.log')]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/log_peer_1999\.log: cannot read: ENOENT/);
    const bad = inspect(['--choke-grace', 'soon', logOf(1002)]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr.trim().split('\n')).to.deep.equal([
      `error: option '--choke-grace <seconds>' argument 'soon' is invalid. --choke-grace must be a number > 0, got "soon"`,
      "Run 'peer inspect --help' for usage.",
    ]);
  });
});
