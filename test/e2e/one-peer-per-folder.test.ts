import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePorts } from '../helpers/ports';
import { fileHas, Running, snapshot, start, until, killedAfterEach } from '../helpers/processes';

describe('one peer per folder', function () {
  this.timeout(60000);
  let dir: string;
  const running = killedAfterEach(() => dir);

  it('a second instance exits 1 naming the running one, which keeps every byte of its files and log and still finishes', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-lock-'));
    const [p1002, p1001] = await freePorts(2);
    const fileSize = 400_000;
    fs.writeFileSync(path.join(dir, 'common.cfg'), `NumberOfPreferredNeighbors 1\nUnchokingInterval 0.2\nOptimisticUnchokingInterval 0.4\nFileName TheFile.dat\nFileSize ${fileSize}\nPieceSize 4096\n`);
    // 1002 is listed first: it waits for the seeder 1001 to dial it.
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), `1002 127.0.0.1 ${p1002} 0\n1001 127.0.0.1 ${p1001} 1\n`);
    const original = Buffer.alloc(fileSize);
    for (let i = 0; i < fileSize; i++) original[i] = (i * 13 + (i >> 10)) & 0xff;
    fs.mkdirSync(path.join(dir, 'peer_1001'));
    fs.writeFileSync(path.join(dir, 'peer_1001', 'TheFile.dat'), original);
    const log1002 = path.join(dir, 'log_peer_1002.log');
    fs.writeFileSync(log1002, '[2026-01-01 00:00:00.000]: Peer 1002 is connected from Peer 1001.\n');

    const peer = (id: number, extra: string[] = [], cwd = dir): Running => {
      const r = start(['run', '--id', String(id), '--config', dir, '--dir', dir, '--log-dir', dir, '--listen-host', '127.0.0.1', ...extra], cwd);
      running.push(r);
      return r;
    };
    const leecher = peer(1002);
    let seeder = peer(1001, ['--upload-rate', '64KiB']);
    await until('1002 holding some pieces', () => fileHas(log1002, 'Now the number of pieces it has is 10.'), 20000, leecher);
    seeder.child.kill('SIGKILL');
    await seeder.exited;
    // 1002 now holds part of the file and waits: nothing of it moves any more.
    await new Promise((r) => setTimeout(r, 300));
    const before = snapshot(dir);
    expect(before.get(path.join('peer_1002', 'TheFile.dat.part'))!.length).to.equal(fileSize);

    // The same folder, spelt differently (relative to another working directory).
    const second = peer(1002, [], path.dirname(dir));
    const { code } = await second.exited;
    expect(code).to.equal(1);
    const lines = second.stderr.trim().split('\n');
    expect(lines, second.stderr).to.have.length(1);
    expect(lines[0]).to.match(new RegExp(`^error: peer_1002/ \\(.*\\) is in use by another running peer \\(pid ${leecher.child.pid}\\)`));

    const after = snapshot(dir);
    expect([...after.keys()].sort()).to.deep.equal([...before.keys()].sort());
    for (const [file, bytes] of before) expect(after.get(file)!.equals(bytes), `${file} changed`).to.equal(true);
    expect(leecher.child.exitCode).to.equal(null);

    // The running peer was not disturbed: with the seeder back it finishes, keeping what it had.
    seeder = peer(1001);
    const [a, b] = await Promise.all([leecher.exited, seeder.exited]);
    expect(a.code, leecher.stderr).to.equal(0);
    expect(b.code, seeder.stderr).to.equal(0);
    expect(fs.readFileSync(path.join(dir, 'peer_1002', 'TheFile.dat')).equals(original)).to.equal(true);
    const log = fs.readFileSync(log1002, 'utf8');
    expect(log.startsWith('[2026-01-01 00:00:00.000]: Peer 1002 is connected from Peer 1001.\n'), 'the earlier run\'s line stays first').to.equal(true);
    expect(log).to.contain('Now the number of pieces it has is 98.');
    expect(log.match(/has downloaded the complete file/g)).to.have.length(1);
  });
});
