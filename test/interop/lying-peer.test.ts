import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hashFileName, hashFilePieces } from '../../core/integrity/piece-hashes';
import { PACKAGE_ROOT } from '../../core/paths';
import { freePorts } from '../helpers/ports';
import { jsonlRuns, listening, Running, start, until, killedAfterEach } from '../helpers/processes';

const PYTHON_PEER = path.join(PACKAGE_ROOT, 'test', 'interop', 'classic_peer.py');

describe('piece integrity against a lying peer', function () {
  this.timeout(90000);
  let dir: string;
  const running = killedAfterEach(() => dir);

  it('a liar (claims the whole file, answers with random bytes) and a Python peer that relays its garbage: every swarmlab copy ends right', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-liar-'));
    const ports = await freePorts(5);
    // 1001 swarmlab seeder, 1002 a Python peer (checks nothing, so it takes the liar's garbage and passes it on),
    // 1003 the liar (Python --lie), 1004 and 1005 swarmlab.
    const fileSize = 400_000;
    const pieceSize = 4096;
    fs.writeFileSync(path.join(dir, 'Common.cfg'), `NumberOfPreferredNeighbors 3\nUnchokingInterval 0.2\nOptimisticUnchokingInterval 0.4\nFileName TheFile.dat\nFileSize ${fileSize}\nPieceSize ${pieceSize}\n`);
    fs.writeFileSync(path.join(dir, 'PeerInfo.cfg'), [1001, 1002, 1003, 1004, 1005].map((id, i) => `${id} 127.0.0.1 ${ports[i]} ${i === 0 ? 1 : 0}`).join('\n') + '\n');
    const original = Buffer.alloc(fileSize);
    for (let i = 0; i < fileSize; i++) original[i] = (i * 11 + (i >> 7)) & 0xff;
    fs.mkdirSync(path.join(dir, 'peer_1001'));
    const seedFile = path.join(dir, 'peer_1001', 'TheFile.dat');
    fs.writeFileSync(seedFile, original);
    fs.writeFileSync(path.join(dir, hashFileName('TheFile.dat')), (await hashFilePieces(seedFile, pieceSize)).format());

    const swarmlab = (id: number): Running => {
      // A slow seed makes the leechers ask the liar and each other.
      const r = start(['run', '--id', String(id), '--config', dir, '--dir', dir, '--log-dir', dir, '--logger', 'classic,jsonl', '--listen-host', '127.0.0.1', ...(id === 1001 ? ['--upload-rate', '200KiB'] : [])], dir);
      running.push(r);
      return r;
    };
    const python = (id: number, mode?: string): Running => {
      const r = start([PYTHON_PEER, String(id), dir, dir, ...(mode ? [mode] : [])], dir, 'python3');
      running.push(r);
      return r;
    };
    const jsonl = (id: number): string => path.join(dir, `log_peer_${id}.jsonl`);
    // The Python peers dial once: everyone listed before them must already listen.
    const seeder = swarmlab(1001);
    await listening(seeder, jsonl(1001));
    const relay = python(1002);
    await listening(relay);
    const liar = python(1003, '--lie');
    await listening(liar);
    // The relay fills up with the liar's garbage (the liar answers at once, the seeder is slow).
    await until('the relay holding a copy', () => relay.stdout.includes('complete'), 20000, relay);
    const s1004 = swarmlab(1004);
    await listening(s1004, jsonl(1004));
    const s1005 = swarmlab(1005);

    // The Python peers cannot tell when the swarm is done once cut off: only swarmlab's outcome is asserted.
    const outcomes = await Promise.all([seeder, s1004, s1005].map((r) => r.exited));
    for (const [i, r] of [seeder, s1004, s1005].entries()) expect(outcomes[i]!.code, r.stderr).to.equal(0);
    for (const id of [1004, 1005]) expect(fs.readFileSync(path.join(dir, `peer_${id}`, 'TheFile.dat')).equals(original), `swarmlab peer ${id}'s copy`).to.equal(true);

    // The liar was caught: bad pieces reported one line each and as events, the liar cut off after 3.
    const caught = new Set<unknown>();
    for (const [id, r] of [[1004, s1004], [1005, s1005]] as const) {
      const events = jsonlRuns(jsonl(id)).flat();
      const corrupt = events.filter((e) => e.kind === 'piece-corrupt');
      const lines = r.stderr.split('\n').filter((l) => l.includes('does not match its hash'));
      expect(lines, `peer ${id}: one stderr line per bad piece`).to.have.length(corrupt.length);
      for (const e of corrupt) expect(r.stderr).to.contain(`peer ${id}: piece ${String(e.index)} from ${String(e.peer)} does not match its hash: discarded`);
      for (const sender of [1002, 1003]) {
        const bad = corrupt.filter((e) => e.peer === sender);
        if (bad.length > 0) caught.add(sender);
        expect(bad.length, `peer ${id} stops asking ${sender} after 3 bad pieces`).to.be.at.most(3);
        if (bad.length < 3) continue;
        expect(events.some((e) => e.kind === 'peer-banned' && e.peer === sender)).to.equal(true);
        expect(r.stderr).to.contain(`peer ${id}: disconnected ${sender}, which sent 3 pieces that do not match their hashes; it will not be dialled or accepted again in this run`);
        expect(events.filter((e) => e.kind === 'connected' && e.peer === sender), `peer ${id} did not reconnect to ${sender}`).to.have.length(1);
      }
      // Not one bad byte was counted: every piece downloaded matches, in order, once.
      const downloaded = events.filter((e) => e.kind === 'piece-downloaded');
      expect(new Set(downloaded.map((e) => e.index)).size).to.equal(downloaded.length);
      expect(downloaded.map((e) => e.have)).to.deep.equal(downloaded.map((_, k) => k + 1));
    }
    expect([...caught].sort(), 'both the liar and the relay of its garbage were caught').to.deep.equal([1002, 1003]);
  });
});
