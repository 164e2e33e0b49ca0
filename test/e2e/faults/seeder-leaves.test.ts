import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { downloadsIn } from '../../helpers/classic-log';
import { PeerProcess } from '../../helpers/peer-process';
import { ScriptedPeer } from '../../helpers/scripted-peer';
import { SwarmFixture } from '../../helpers/swarm-fixture';

describe('fault: the only seeder leaves mid-transfer', function () {
  this.timeout(60000);
  let fx: SwarmFixture;
  let peers: PeerProcess[] = [];
  afterEach(async () => {
    await Promise.all(peers.map((p) => p.stop('SIGKILL')));
    peers = [];
    fx?.cleanup();
  });

  it('the leechers complete from each other once every piece is among them, and every copy is right', async () => {
    const ids = [1001, 1002, 1003, 1004];
    const numPieces = 100;
    fx = await SwarmFixture.onFreePorts({ peers: ids.length, fileSize: numPieces * 1000 - 300, pieceSize: 1000, preferred: 3 });
    const { ports } = fx;
    // Each leecher downloads at most 40 KiB/s and, rarest-first, asks the seeder for what none of
    // them has: every piece is among them well before any of them could hold all.
    const seeder = new PeerProcess(1001, fx.dir);
    peers = [seeder];
    (await ScriptedPeer.connect(ports[0]!, fx.geometry)).destroy();
    const pipeline = 4;
    peers.push(...ids.slice(1).map((id) => new PeerProcess(id, fx.dir, ['--download-rate', '40KiB', '--strategy', 'rarest-first', '--pipeline', String(pipeline)])));
    const logOf = (id: number): string => path.join(fx.dir, `log_peer_${id}.log`);

    // The seeder leaves (killed, no goodbye) as soon as the leechers together hold every piece.
    const deadline = Date.now() + 30000;
    let held = new Set<number>();
    let seederUploads = 0;
    for (;;) {
      const downloads = ids.slice(1).map((id) => downloadsIn(logOf(id)));
      held = new Set(downloads.flat().map((d) => d.index));
      seederUploads = downloads.flat().filter((d) => d.from === 1001).length;
      if (held.size === numPieces) break;
      expect(Date.now(), `the leechers hold ${held.size} of ${numPieces} pieces`).to.be.below(deadline);
      await new Promise((r) => setTimeout(r, 10));
    }
    const killedAt = Date.now();
    await seeder.stop('SIGKILL');
    for (const p of peers.slice(1)) {
      const exit = await p.waitExit(30000);
      expect(exit.code, `peer ${p.id} exit; stderr:\n${p.stderr}`).to.equal(0);
      expect(fs.readFileSync(fx.fileOf(p.id)).equals(fx.content), `peer ${p.id} copy`).to.equal(true);
    }
    // Log lines are flushed in batches: what each held at the kill is read from their time stamps, once all are written.
    const atKill = ids.slice(1).map((id) => downloadsIn(logOf(id)).filter((d) => d.at <= killedAt).length);
    // Usually none of them is complete; at most one may be (it then seeds the others).
    expect(atKill.filter((n) => n < numPieces).length, `leechers still incomplete when the seeder leaves (they hold ${atKill.join(', ')})`).to.be.at.least(2);
    // What each leecher still lacked when the seeder left came from the other leechers (but for the
    // pieces (up to the pipeline) that may have been on the wire when the seeder died).
    const afterKill = ids.slice(1).map((id) => downloadsIn(logOf(id)).filter((d) => d.at > killedAt));
    for (const [i, later] of afterKill.entries()) {
      expect(later.length).to.equal(numPieces - atKill[i]!);
      const fromSeeder = later.filter((d) => d.from === 1001).length;
      expect(fromSeeder, `leecher ${ids[i + 1]}: pieces from the seeder after it left`).to.be.at.most(pipeline);
      if (atKill[i]! + fromSeeder < numPieces) expect(later.length - fromSeeder, `leecher ${ids[i + 1]}: pieces from the other leechers after the seeder left`).to.be.above(0);
    }
    if (process.env.FAULTS_REPORT) {
      const needed = (ids.length - 1) * numPieces;
      process.stdout.write(
        `      seeder left after uploading ${seederUploads} of the ${needed} pieces the leechers needed (${((100 * seederUploads) / needed).toFixed(0)}%, ${((100 * seederUploads) / numPieces).toFixed(0)}% of the file); ` +
          `the leechers held ${atKill.map((n) => `${((100 * n) / numPieces).toFixed(0)}%`).join(', ')} of the file and fetched ${afterKill.flat().length} more pieces from each other\n`,
      );
    }
  });

  it('a leecher that joins after the only seeder left completes from another leecher and exits', async () => {
    const ids = [1001, 1002, 1003];
    fx = await SwarmFixture.onFreePorts({ peers: ids.length, fileSize: 20_000, pieceSize: 1000 });
    const seeder = new PeerProcess(1001, fx.dir);
    const first = new PeerProcess(1002, fx.dir);
    peers = [seeder, first];
    const logOf = (id: number): string => path.join(fx.dir, `log_peer_${id}.log`);
    while (downloadsIn(logOf(1002)).length < 20) await new Promise((r) => setTimeout(r, 20));
    await seeder.stop('SIGKILL');
    // 1003 never meets the seeder: it has to take the seeder's completeness from the peer file.
    const late = new PeerProcess(1003, fx.dir);
    peers.push(late);
    for (const p of [first, late]) {
      const exit = await p.waitExit(20000);
      expect(exit.code, `peer ${p.id} exit; stderr:\n${p.stderr}`).to.equal(0);
      expect(fs.readFileSync(fx.fileOf(p.id)).equals(fx.content), `peer ${p.id} copy`).to.equal(true);
    }
    expect(downloadsIn(logOf(1003)).every((d) => d.from === 1002)).to.equal(true);
  });
});
