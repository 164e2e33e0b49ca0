import { expect } from 'chai';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseLogLine } from '../../app/inspect/log-line';
import { PACKAGE_ROOT } from '../../core/paths';
import { freePorts } from '../helpers/ports';

const PEER = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js');

interface Ended {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('a peer that talks (stderr lines, status line on a terminal, --quiet)', function () {
  this.timeout(60000);
  let dir: string;
  let ports: number[];
  const children: ChildProcess[] = [];
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-talks-'));
    ports = await freePorts(2);
    fs.writeFileSync(path.join(dir, 'common.cfg'), 'NumberOfPreferredNeighbors 1\nUnchokingInterval 0.2\nOptimisticUnchokingInterval 0.4\nFileName f.dat\nFileSize 200KiB\nPieceSize 2KiB\n');
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), `1001 127.0.0.1 ${ports[0]} 1\n1002 127.0.0.1 ${ports[1]} 0\n`);
    fs.mkdirSync(path.join(dir, 'peer_1001'));
    fs.writeFileSync(path.join(dir, 'peer_1001', 'f.dat'), Buffer.alloc(200 * 1024, 3));
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function start(command: string, args: string[]): Promise<Ended> {
    const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }
  const peerArgs = (id: number, extra: string[] = []): string[] => ['run', '--id', String(id), '--listen-host', '127.0.0.1', ...extra];

  it('off a terminal: a few plain lines on stderr, nothing on stdout, the classic log unchanged; --quiet says nothing', async () => {
    const seeder = start(process.execPath, [PEER, ...peerArgs(1001, ['--quiet'])]);
    const leecher = start(process.execPath, [PEER, ...peerArgs(1002)]);
    const [s, l] = await Promise.all([seeder, leecher]);
    expect(s).to.deep.equal({ code: 0, stdout: '', stderr: '' });
    expect(l.code, l.stderr).to.equal(0);
    expect(l.stdout).to.equal('');
    const lines = l.stderr.trimEnd().split('\n');
    expect(lines[0]).to.equal(`peer 1002: listening on port ${ports[1]}; 1 neighbour listed, holding 0/100 pieces`);
    expect(lines[1]).to.equal('peer 1002: connected to peer 1001');
    expect(lines[2]).to.match(/^peer 1002: has the whole file \(100 pieces, 200 KiB\) after \d+\.\d+ s$/);
    expect(lines[3]).to.match(/^peer 1002: done in \d+\.\d+ s: every peer has the whole file, downloaded 200 KiB in \d+\.\d+ s \([\d.]+ [KM]iB\/s\)$/);
    expect(lines).to.have.length(4);
    // The classic log holds the classic lines and nothing else.
    for (const id of [1001, 1002]) {
      const log = fs.readFileSync(path.join(dir, `log_peer_${id}.log`), 'utf8').trimEnd().split('\n');
      for (const line of log) expect(parseLogLine(line).ok, line).to.equal(true);
    }
    expect(fs.readFileSync(path.join(dir, 'log_peer_1002.log'), 'utf8')).to.match(/\]: Peer 1002 has downloaded the complete file\.\n$/);
  });

  it('on a terminal: a live status line and a final summary', async () => {
    // A slow seeder, so the transfer lasts long enough for the status line to be drawn.
    const seeder = start(process.execPath, [PEER, ...peerArgs(1001, ['--quiet', '--upload-rate', '200KiB'])]);
    // `script` gives the leecher a pseudo-terminal; its output (stdout and stderr) comes back on ours.
    const command = [process.execPath, PEER, ...peerArgs(1002)].map(quote).join(' ');
    const leecher = start('script', ['-qefc', command, '/dev/null']);
    const [s, l] = await Promise.all([seeder, leecher]);
    expect(s.code, s.stderr).to.equal(0);
    expect(l.code, l.stdout).to.equal(0);
    expect(l.stdout).to.match(/\r\x1b\[2Kpeer 1002 {2}\d+\/100 pieces \(\d+%\) {2}down [\d.]+ (B|KiB|MiB)\/s {2}up 0 B\/s {2}neighbours 1\/1 {2}(ETA|complete)/);
    expect(l.stdout).to.match(/\r\x1b\[2Kpeer 1002: done in \d+\.\d+ s: every peer has the whole file, downloaded 200 KiB/);
    expect(l.stdout, 'plain lines are for pipes').to.not.contain('listening on');
  });
});
