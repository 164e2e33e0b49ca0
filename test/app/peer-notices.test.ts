import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hashFileName, hashFilePieces } from '../../core/integrity/piece-hashes';
import { freePorts } from '../helpers/ports';
import { Running, start, killedAfterEach } from '../helpers/processes';

describe('a peer that never hangs silently', function () {
  this.timeout(40000);
  let dir: string;
  const running = killedAfterEach(() => dir);

  it('reports an unresolvable neighbour at once, whom it waits for after 10 s, and with --timeout gives up saying what it lacked (exit 1)', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-wait-'));
    const [p1001, p1002, p1003] = await freePorts(3);
    fs.writeFileSync(path.join(dir, 'common.cfg'), 'NumberOfPreferredNeighbors 1\nUnchokingInterval 1\nOptimisticUnchokingInterval 2\nFileName TheFile.dat\nFileSize 40000\nPieceSize 1000\n');
    // 1001 lives on a host that does not resolve; 1003 never starts.
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), `1001 nohost.invalid ${p1001} 1\n1002 127.0.0.1 ${p1002} 0\n1003 127.0.0.1 ${p1003} 0\n`);
    const startedAt = Date.now();
    const r = start(['run', '--id', '1002', '--config', dir, '--dir', dir, '--log-dir', dir, '--listen-host', '127.0.0.1', '--timeout', '12'], dir);
    running.push(r);
    const seen: Array<{ at: number; line: string }> = [];
    r.child.stderr!.on('data', () => {
      for (const line of r.stderr.split('\n').filter((l) => l !== '')) if (!seen.some((s) => s.line === line)) seen.push({ at: Date.now() - startedAt, line });
    });
    const { code } = await r.exited;
    expect(code, r.stderr).to.equal(1);
    const lines = seen.map((s) => s.line);
    const unresolved = seen.filter((s) => s.line.includes('cannot resolve'));
    expect(unresolved, r.stderr).to.have.length(1);
    expect(unresolved[0]!.line).to.equal(`peer 1002: cannot resolve host "nohost.invalid" of peer 1001 (ENOTFOUND); still trying to reach it at nohost.invalid:${p1001}`);
    expect(unresolved[0]!.at).to.be.below(5000);
    const waiting = seen.filter((s) => s.line.startsWith('peer 1002: waiting for'));
    expect(waiting, r.stderr).to.have.length(1); // at 10 s; the next would come a minute later
    expect(waiting[0]!.at).to.be.within(9500, 12500);
    expect(waiting[0]!.line).to.equal(
      `peer 1002: waiting for peer 1001 (dialling nohost.invalid:${p1001}: host name does not resolve), peer 1003 (it should connect to us on port ${p1002}; it is listed at 127.0.0.1:${p1003})`,
    );
    const gaveUp = lines.filter((l) => l.includes('gave up'));
    expect(gaveUp).to.deep.equal(['peer 1002: gave up after 12 s: still missing 40 of 40 pieces (0-39); waiting for peer 1001 (not connected), peer 1003 (not connected)']);
    expect(lines[lines.length - 1]).to.match(/^peer 1002: stopped \(exit 1\)/);
    // The download it never started leaves nothing behind.
    expect(fs.existsSync(path.join(dir, 'peer_1002', 'TheFile.dat.part'))).to.equal(false);
  });

  it('a seeder whose file does not match the hash file refuses to start (exit 2), naming the piece', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-badseed-'));
    const [p1001, p1002] = await freePorts(2);
    fs.writeFileSync(path.join(dir, 'common.cfg'), 'NumberOfPreferredNeighbors 1\nUnchokingInterval 1\nOptimisticUnchokingInterval 2\nFileName TheFile.dat\nFileSize 40000\nPieceSize 1000\n');
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), `1001 127.0.0.1 ${p1001} 1\n1002 127.0.0.1 ${p1002} 0\n`);
    const seed = path.join(dir, 'peer_1001', 'TheFile.dat');
    fs.mkdirSync(path.dirname(seed));
    const content = Buffer.alloc(40000, 3);
    fs.writeFileSync(seed, content);
    fs.writeFileSync(path.join(dir, hashFileName('TheFile.dat')), (await hashFilePieces(seed, 1000)).format());
    content[25_500] = 4;
    fs.writeFileSync(seed, content);
    const run = async (): Promise<Running> => {
      const r = start(['run', '--id', '1001', '--config', dir, '--dir', dir, '--log-dir', dir, '--listen-host', '127.0.0.1'], dir);
      running.push(r);
      await r.exited;
      return r;
    };
    let r = await run();
    expect(r.child.exitCode).to.equal(2);
    expect(r.stderr).to.contain(`peer 1001: error: ${seed}: piece 25 of 40 does not match TheFile.dat.hashes (the file is corrupt or not the one the hashes describe); refusing to seed it\n`);
    fs.truncateSync(seed, 30000);
    r = await run();
    expect(r.child.exitCode).to.equal(2);
    expect(r.stderr).to.match(/FileSize is 40000 but .*TheFile\.dat is 30000 bytes/);
  });
});
