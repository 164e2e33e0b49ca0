import { expect } from 'chai';
import * as fs from 'node:fs';
import { Bitfield } from '../../../core/bitfield';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { MessageType, msg } from '../../../core/protocol/messages';
import { freePorts } from '../../helpers/ports';
import { ScriptedPeer } from '../../helpers/scripted-peer';
import { SwarmFixture } from '../../helpers/swarm-fixture';

describe('request timeout against a slow only source', function () {
  this.timeout(15000);

  it('reports the stall once, pauses, asks the same neighbour again, and completes', async () => {
    const ports = await freePorts(2);
    const geometry = new PieceGeometry(3000, 1000);
    const fx = new SwarmFixture({
      peers: [
        { id: 1001, port: ports[0]!, hasFile: true },
        { id: 1002, port: ports[1]!, hasFile: false },
      ],
      fileSize: 3000,
      pieceSize: 1000,
      unchokingInterval: 0.2,
      optimisticInterval: 0.4,
    });
    const listener = ScriptedPeer.listen(ports[0]!, geometry);
    const peer = fx.startPeer(1002, {}, { requestTimeoutMs: 300 });
    const seeder = await listener.accepted;
    try {
      await seeder.handshake();
      seeder.sendHandshake(1001);
      seeder.send(msg.bitfield(Bitfield.full(3).toBytes()));
      await seeder.nextOfType(MessageType.Interested);
      seeder.send(msg.unchoke());
      const { message: first } = await seeder.nextOfType(MessageType.Request);
      const askedAt = Date.now();
      // Not answered: the request times out and, with nobody else to ask, the neighbour is asked again after a pause.
      const { message: again } = await seeder.nextOfType(MessageType.Request, 5000);
      expect(Date.now() - askedAt, 'ms until the second request').to.be.at.least(550);
      const stalls = peer.of('neighbor-stalled');
      expect(stalls.map((e) => [e.peer, e.index])).to.deep.equal([[1001, first.index]]);
      expect(stalls[0]!.waitedMs).to.be.at.least(300);
      seeder.send(msg.piece(again.index, fx.piece(again.index)));
      for (let served = 1; served < 3; served++) {
        const { message: next } = await seeder.nextOfType(MessageType.Request);
        seeder.send(msg.piece(next.index, fx.piece(next.index)));
      }
      await peer.waitFor((e) => e.kind === 'file-complete');
      expect(fs.readFileSync(fx.fileOf(1002)).equals(fx.content)).to.equal(true);
      expect(peer.of('neighbor-stalled')).to.have.length(1);
    } finally {
      seeder.destroy();
      await peer.stop();
      await listener.close();
      fx.cleanup();
    }
  });
});
