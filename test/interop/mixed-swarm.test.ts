import { expect } from 'chai';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hashFileName, hashFilePieces } from '../../core/integrity/piece-hashes';
import { PACKAGE_ROOT } from '../../core/paths';
import { freePorts } from '../helpers/ports';

const PEER = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js');
/** An independent implementation of the classic protocol (plain Python, no shared code). */
const PYTHON_PEER = path.join(PACKAGE_ROOT, 'test', 'interop', 'classic_peer.py');

interface Running {
  readonly id: number;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stdout: string;
  stderr: string;
}

describe('a swarm mixing swarmlab with another implementation of the protocol', function () {
  this.timeout(90000);
  let dir: string;
  const running: Running[] = [];
  afterEach(() => {
    for (const r of running.splice(0)) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function start(id: number, command: string, args: string[]): Running {
    const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const r: Running = { id, child, stdout: '', stderr: '', exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
    child.stdout!.on('data', (c: Buffer) => (r.stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (r.stderr += c.toString()));
    // One peer failing would leave the others waiting for it forever: stop everyone, keep the first failure.
    void r.exited.then((code) => {
      if (code !== 0) for (const other of running) if (other.child.exitCode === null) other.child.kill('SIGTERM');
    });
    running.push(r);
    return r;
  }

  /** Waits until a peer accepts connections: swarmlab says so in its jsonl log, the Python peer on stdout. */
  async function listening(r: Running): Promise<void> {
    const file = path.join(dir, `log_peer_${r.id}.jsonl`);
    for (let i = 0; i < 400; i++) {
      if (r.stdout.includes('listening') || (fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('"kind":"listening"'))) return;
      if (r.child.exitCode !== null) throw new Error(`peer ${r.id} exited with ${r.child.exitCode} before listening:\n${r.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`peer ${r.id} never started listening`);
  }

  it('completes: Python peers (which never retry a connect and repeat their interest) and verifying swarmlab peers all get the file', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-interop-'));
    const ports = await freePorts(5);
    // 1001 swarmlab seeder, 1002 swarmlab, 1003 Python, 1004 swarmlab, 1005 Python.
    const python = new Set([1003, 1005]);
    fs.writeFileSync(path.join(dir, 'Common.cfg'), 'NumberOfPreferredNeighbors 2\nUnchokingInterval 0.2\nOptimisticUnchokingInterval 0.4\nFileName TheFile.dat\nFileSize 500000\nPieceSize 4096\n');
    fs.writeFileSync(path.join(dir, 'PeerInfo.cfg'), [1001, 1002, 1003, 1004, 1005].map((id, i) => `${id} 127.0.0.1 ${ports[i]} ${i === 0 ? 1 : 0}`).join('\n') + '\n');
    const original = Buffer.alloc(500000);
    for (let i = 0; i < original.length; i++) original[i] = (i * 7 + (i >> 9)) & 0xff;
    fs.mkdirSync(path.join(dir, 'peer_1001'));
    fs.writeFileSync(path.join(dir, 'peer_1001', 'TheFile.dat'), original);
    // The swarmlab peers verify every piece against a hash file: nothing of it goes on the wire, the Python peers never know.
    fs.writeFileSync(path.join(dir, hashFileName('TheFile.dat')), (await hashFilePieces(path.join(dir, 'peer_1001', 'TheFile.dat'), 4096)).format());

    // A slow seed makes the leechers trade with each other, across implementations.
    const swarmlab = (id: number): Running =>
      start(id, process.execPath, [PEER, 'run', '--id', String(id), '--config', dir, '--dir', dir, '--log-dir', dir, '--logger', 'classic,jsonl', '--listen-host', '127.0.0.1', ...(id === 1001 ? ['--upload-rate', '300KiB'] : [])]);
    const pythonPeer = (id: number): Running => start(id, 'python3', [PYTHON_PEER, String(id), dir, dir]);
    // The Python peers dial once: everyone listed before them must already be listening.
    const first = [swarmlab(1001), swarmlab(1002)];
    await Promise.all(first.map(listening));
    await listening(pythonPeer(1003));
    await listening(swarmlab(1004));
    await listening(pythonPeer(1005));

    const codes = await Promise.all(running.map((r) => r.exited));
    running.forEach((r, i) => expect(codes[i], `peer ${r.id} (${python.has(r.id) ? 'python' : 'swarmlab'}) stderr:\n${r.stderr}`).to.equal(0));
    for (const id of [1002, 1003, 1004, 1005]) expect(fs.readFileSync(path.join(dir, `peer_${id}`, 'TheFile.dat')).equals(original), `peer ${id}`).to.equal(true);
    // swarmlab saw nothing it had to reject from the Python peers.
    for (const r of running.filter((x) => !python.has(x.id))) expect(r.stderr).to.not.match(/closed the connection|rejected|does not match its hash/);
    const logs = [1001, 1002, 1004].map((id) => fs.readFileSync(path.join(dir, `log_peer_${id}.log`), 'utf8')).join('');
    expect(logs).to.match(/Peer 1002 is connected from Peer 1003\./);
    expect(logs).to.match(/Peer 1004 makes a connection to Peer 1003\./);
    // Pieces crossed from the Python peers to swarmlab peers.
    expect(logs).to.match(/has downloaded the piece \d+ from (1003|1005)\./);
    // Both implementations' logs are classic and show no protocol violation (the Python peer dates its lines its own way).
    expect(fs.readFileSync(path.join(dir, 'log_peer_1003.log'), 'utf8')).to.match(/^\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\]: Peer 1003 makes a connection to Peer 1001\.$/m);
    const inspect = spawnSync(process.execPath, [PEER, 'inspect', ...[1001, 1002, 1003, 1004, 1005].map((id) => path.join(dir, `log_peer_${id}.log`))], { encoding: 'utf8' });
    expect(inspect.status, inspect.stdout + inspect.stderr).to.equal(0);
    expect(inspect.stdout).to.match(/log_peer_1005\.log: peer 1005, .*\n(.*\n)*  complete     at \+[\d.]+ s \(line \d+\) with 123 pieces/);
  });
});
