import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths';
import { freePorts } from '../helpers/ports';
import { failFast, fileHas, jsonlRuns, listening, Running, start, until, killedAfterEach } from '../helpers/processes';

const PYTHON_PEER = path.join(PACKAGE_ROOT, 'test', 'interop', 'classic_peer.py');

describe('reconnecting without breaking strict implementations', function () {
  this.timeout(60000);
  let dir: string;
  const running = killedAfterEach(() => dir);

  it('never dials a peer again that closed the link once both held the whole file (it would take the call for the next peer of its file and exit)', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-strict-'));
    const ports = await freePorts(4);
    // 1001 swarmlab seeder, 1002 strict Python, 1003 swarmlab, 1004 swarmlab with a slow download (so 1003 keeps running
    // well after it and 1002 are complete and 1002 has closed their link).
    fs.writeFileSync(path.join(dir, 'Common.cfg'), 'NumberOfPreferredNeighbors 3\nUnchokingInterval 0.2\nOptimisticUnchokingInterval 0.4\nFileName TheFile.dat\nFileSize 300000\nPieceSize 4096\n');
    fs.writeFileSync(path.join(dir, 'PeerInfo.cfg'), [1001, 1002, 1003, 1004].map((id, i) => `${id} 127.0.0.1 ${ports[i]} ${i === 0 ? 1 : 0}`).join('\n') + '\n');
    const original = Buffer.alloc(300000);
    for (let i = 0; i < original.length; i++) original[i] = (i * 5 + (i >> 11)) & 0xff;
    fs.mkdirSync(path.join(dir, 'peer_1001'));
    fs.writeFileSync(path.join(dir, 'peer_1001', 'TheFile.dat'), original);
    const jsonl = (id: number): string => path.join(dir, `log_peer_${id}.jsonl`);
    const swarmlab = (id: number, extra: string[] = []): Running => {
      const r = start(['run', '--id', String(id), '--config', dir, '--dir', dir, '--log-dir', dir, '--logger', 'classic,jsonl', '--listen-host', '127.0.0.1', ...extra], dir);
      running.push(r);
      return r;
    };
    const seeder = swarmlab(1001);
    await listening(seeder, jsonl(1001));
    const strict = start([PYTHON_PEER, '1002', dir, dir, '--strict'], dir, 'python3');
    running.push(strict);
    await listening(strict);
    const s1003 = swarmlab(1003);
    // The strict peer takes its accepted connections in file order: 1003 first, then 1004.
    await until('1003 connected to 1002', () => fileHas(jsonl(1003), /"kind":"connected","peer":1002/), 10000, s1003);
    const s1004 = swarmlab(1004, ['--download-rate', '100KiB']);
    failFast([seeder, strict, s1003, s1004]);

    const outcomes = await Promise.all([seeder, strict, s1003, s1004].map((r) => r.exited));
    for (const [i, r] of [seeder, strict, s1003, s1004].entries()) expect(outcomes[i]!.code, `${r.stderr}`).to.equal(0);
    for (const id of [1002, 1003, 1004]) expect(fs.readFileSync(path.join(dir, `peer_${id}`, 'TheFile.dat')).equals(original), `peer ${id}`).to.equal(true);

    const events = jsonlRuns(jsonl(1003)).flat();
    const closedBy1002 = events.findIndex((e) => e.kind === 'disconnected' && e.peer === 1002);
    const swarmDone = events.findIndex((e) => e.kind === 'swarm-complete');
    expect(closedBy1002, 'the strict peer closed its link to 1003 while the swarm was still running').to.be.within(0, swarmDone);
    expect(events.filter((e) => e.kind === 'connected' && e.peer === 1002), '1003 never dialled 1002 again').to.have.length(1);
  });
});
