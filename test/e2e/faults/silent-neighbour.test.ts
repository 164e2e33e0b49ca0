import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Bitfield } from '../../../core/bitfield';
import { MessageType, msg } from '../../../core/protocol/messages';
import { downloadsIn } from '../../helpers/classic-log';
import { PeerProcess } from '../../helpers/peer-process';
import { ScriptedPeer } from '../../helpers/scripted-peer';
import { SwarmFixture } from '../../helpers/swarm-fixture';

describe('fault: a neighbour that takes requests and never answers', function () {
  this.timeout(60000);
  let fx: SwarmFixture;
  let peers: PeerProcess[] = [];
  let closeListener: (() => Promise<void>) | undefined;
  let silent: ScriptedPeer | undefined;
  afterEach(async () => {
    silent?.destroy();
    await closeListener?.();
    await Promise.all(peers.map((p) => p.stop('SIGKILL')));
    peers = [];
    fx?.cleanup();
  });

  it('times the request out, fetches the piece elsewhere, and reports the stall once', async () => {
    fx = await SwarmFixture.onFreePorts({ peers: 3, fileSize: 60_000, pieceSize: 1000, preferred: 3 });
    const { ports, geometry } = fx;
    // 1002 is the silent one: it claims every piece, unchokes, takes requests and never sends a piece.
    const listener = ScriptedPeer.listen(ports[1]!, geometry);
    closeListener = listener.close;
    // The seeder uploads at 20 KiB/s, so the download lasts long enough for a request to time out.
    const seeder = new PeerProcess(1001, fx.dir, ['--upload-rate', '20KiB']);
    const leecher = new PeerProcess(1003, fx.dir, ['--request-timeout', '0.5']);
    peers = [seeder, leecher];
    silent = await listener.accepted;
    await silent.handshake(10000);
    silent.sendHandshake(1002);
    silent.send(msg.bitfield(Bitfield.full(geometry.numPieces).toBytes()));
    await silent.nextOfType(MessageType.Interested, 10000);
    silent.send(msg.unchoke());
    const { message: request } = await silent.nextOfType(MessageType.Request, 10000);

    const exit = await leecher.waitExit(30000);
    expect(exit.code, `leecher exit; stderr:\n${leecher.stderr}`).to.equal(0);
    expect(fs.readFileSync(fx.fileOf(1003)).equals(fx.content), 'leecher copy').to.equal(true);
    const downloads = downloadsIn(path.join(fx.dir, 'log_peer_1003.log'));
    expect(downloads.find((d) => d.index === request.index)?.from, `piece ${request.index}, asked of the silent neighbour first`).to.equal(1001);
    expect(downloads.every((d) => d.from === 1001)).to.equal(true);
    const stalls = leecher.stderr.split('\n').filter((l) => /stall/i.test(l));
    expect(stalls, leecher.stderr).to.have.length(1);
    expect(stalls[0]).to.match(new RegExp(`^peer 1003: neighbour 1002 stalled: piece ${request.index} requested \\d+ ms ago and not sent; asking others$`));
  });
});
