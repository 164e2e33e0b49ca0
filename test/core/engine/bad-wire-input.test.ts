import { expect } from 'chai';
import * as fs from 'node:fs';
import { Bitfield } from '../../../core/bitfield';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { encodeHandshake } from '../../../core/protocol/handshake';
import { MessageType, msg } from '../../../core/protocol/messages';
import { freePorts } from '../../helpers/ports';
import { ScriptedPeer } from '../../helpers/scripted-peer';
import { RunningPeer, SwarmFixture } from '../../helpers/swarm-fixture';

function frame(length: number, body: number[]): Buffer {
  const b = Buffer.alloc(4 + body.length);
  b.writeUInt32BE(length >>> 0, 0);
  Buffer.from(body).copy(b, 4);
  return b;
}

describe('bad input from the wire', function () {
  this.timeout(15000);
  const geometry = new PieceGeometry(4000, 1000);
  let fx: SwarmFixture;
  let ports: number[];
  let peer: RunningPeer;

  before(async () => {
    ports = await freePorts(4);
    fx = new SwarmFixture({
      peers: [
        { id: 1001, port: ports[0]!, hasFile: true },
        { id: 1002, port: ports[1]!, hasFile: true },
        { id: 1003, port: ports[2]!, hasFile: false },
        { id: 1004, port: ports[3]!, hasFile: false },
      ],
      fileSize: 4000,
      pieceSize: 1000,
    });
    // 1002 is the peer under test; nobody answers for 1001, so it keeps dialling in the background.
    peer = fx.startPeer(1002);
  });
  after(async () => {
    await peer.stop();
    fx.cleanup();
  });

  /** Connects as `id` (after a correct handshake unless `handshake` is given). */
  async function connectAs(id: number, handshake?: Buffer): Promise<ScriptedPeer> {
    const remote = await ScriptedPeer.connect(ports[1]!, geometry);
    remote.sendRaw(handshake ?? encodeHandshake(id));
    return remote;
  }

  /** After each bad connection the peer still serves a good one. */
  async function stillServes(): Promise<void> {
    const good = await connectAs(1004);
    try {
      expect(await good.handshake()).to.equal(1002);
      expect((await good.next()).type).to.equal(MessageType.Bitfield);
    } finally {
      good.destroy();
      await peer.waitFor((e) => e.kind === 'disconnected' && e.peer === 1004 && e.at >= Date.now() - 5000);
      // Let the transport forget 1004 before the next case.
      await new Promise((r) => setTimeout(r, 20));
      peer.events.length = 0;
    }
  }

  const handshakeCases: Array<[string, () => Buffer, RegExp]> = [
    ['a wrong header', () => Buffer.concat([Buffer.from('P2PFILESHARINGPROX'), Buffer.alloc(14)]), /bad handshake header/],
    ['non-zero padding', () => { const b = encodeHandshake(1003); b[20] = 1; return b; }, /must be zero/],
    ['an id not in the peer file', () => encodeHandshake(9999), /peer 9999 is not in the peer file/],
    ['our own id', () => encodeHandshake(1002), /our own id/],
  ];
  for (const [what, bytes, reason] of handshakeCases) {
    it(`rejects a handshake with ${what} and keeps running`, async () => {
      const bad = await connectAs(1003, bytes());
      await bad.closedByRemote();
      const e = await peer.waitFor((x) => x.kind === 'connection-rejected');
      expect(e.kind === 'connection-rejected' && e.reason).to.match(reason);
      await stillServes();
    });
  }

  it('rejects a second connection from a peer that is already connected', async () => {
    const first = await connectAs(1003);
    await first.handshake();
    const second = await connectAs(1003);
    await second.closedByRemote();
    const e = await peer.waitFor((x) => x.kind === 'connection-rejected');
    expect(e.kind === 'connection-rejected' && e.reason).to.match(/peer 1003 is already connected/);
    first.destroy();
    await peer.waitFor((x) => x.kind === 'disconnected' && x.peer === 1003);
    await stillServes();
  });

  const frameCases: Array<[string, Buffer, RegExp]> = [
    ['a zero length', frame(0, []), /frame length 0/],
    ['an impossible length', frame(0xfffffff0, [7]), /frame length 4294967280 exceeds/],
    ['an unknown type', frame(1, [9]), /unknown message type 9/],
    ['a have with a 3-byte payload', frame(4, [4, 0, 0, 1]), /have payload must be 4 bytes, got 3/],
    ['a request past the last piece', frame(5, [6, 0, 0, 0, 4]), /request for piece 4, but there are only 4 pieces/],
    ['a choke with a payload', frame(2, [0, 0]), /choke payload must be 0 bytes, got 1/],
    ['a bitfield of the wrong length', frame(3, [5, 0xf0, 0]), /bitfield payload must be 1 bytes, got 2/],
    ['a bitfield with spare bits set', frame(2, [5, 0xf8]), /spare bits/],
    ['a piece of the wrong size', frame(5 + 10, [7, 0, 0, 0, 1, ...new Array<number>(10).fill(0)]), /piece 1 must carry 1000 bytes, got 10/],
  ];
  for (const [what, bytes, reason] of frameCases) {
    it(`closes the connection on ${what}, logs why, and keeps running`, async () => {
      const bad = await connectAs(1003);
      await bad.handshake();
      bad.sendRaw(bytes);
      await bad.closedByRemote();
      const e = await peer.waitFor((x) => x.kind === 'protocol-violation');
      expect(e.kind === 'protocol-violation' && e.peer).to.equal(1003);
      expect(e.kind === 'protocol-violation' && e.reason).to.match(reason);
      await stillServes();
    });
  }

  it('accepts repeated interested messages silently', async () => {
    const remote = await connectAs(1003);
    await remote.handshake();
    await remote.nextOfType(MessageType.Bitfield);
    remote.send(msg.interested());
    remote.send(msg.interested());
    remote.send(msg.interested());
    expect((await remote.next()).type).to.equal(MessageType.Unchoke);
    remote.send(msg.request(0));
    expect((await remote.nextOfType(MessageType.Piece)).message.index).to.equal(0);
    expect(peer.of('interested-received').filter((e) => e.peer === 1003)).to.have.length(1);
    expect(peer.of('protocol-violation')).to.have.length(0);
    remote.destroy();
    await peer.waitFor((x) => x.kind === 'disconnected' && x.peer === 1003);
  });
});

describe('bad pieces never reach the file', function () {
  this.timeout(15000);

  it('downloads the whole file from a good neighbour while a bad one sends a malformed piece', async () => {
    const geometry = new PieceGeometry(3000, 1000);
    const ports = await freePorts(3);
    const fx = new SwarmFixture({
      peers: [
        { id: 1001, port: ports[0]!, hasFile: true },
        { id: 1002, port: ports[1]!, hasFile: false },
        { id: 1003, port: ports[2]!, hasFile: true },
      ],
      fileSize: 3000,
      pieceSize: 1000,
    });
    const listener = ScriptedPeer.listen(ports[0]!, geometry);
    const peer = fx.startPeer(1002);
    try {
      const seeder = await listener.accepted;
      await seeder.handshake();
      seeder.sendHandshake(1001);
      seeder.send(msg.bitfield(Bitfield.full(3).toBytes()));
      await seeder.nextOfType(MessageType.Interested);

      const bad = await ScriptedPeer.connect(ports[1]!, geometry);
      bad.sendHandshake(1003);
      await bad.handshake();
      bad.send(msg.bitfield(Bitfield.full(3).toBytes()));
      await bad.nextOfType(MessageType.Interested);
      bad.send(msg.unchoke());
      const { message: req } = await bad.nextOfType(MessageType.Request);
      // Right index, garbage of the wrong length.
      bad.sendRaw(frame(5 + 999, [7, 0, 0, 0, req.index, ...new Array<number>(999).fill(0xee)]));
      await bad.closedByRemote();
      await peer.waitFor((e) => e.kind === 'protocol-violation' && e.peer === 1003);

      seeder.send(msg.unchoke());
      for (let served = 0; served < 3; ) {
        const m = await seeder.next();
        if (m.type === MessageType.Request) {
          seeder.send(msg.piece(m.index, fx.piece(m.index)));
          served++;
        }
      }
      await peer.waitFor((e) => e.kind === 'file-complete');
      expect(fs.readFileSync(fx.fileOf(1002)).equals(fx.content)).to.equal(true);
      seeder.destroy();
    } finally {
      await peer.stop();
      await listener.close();
      fx.cleanup();
    }
  });

  it('rejects a dialled peer that answers with another id', async () => {
    const geometry = new PieceGeometry(1000, 1000);
    const ports = await freePorts(2);
    const fx = new SwarmFixture({
      peers: [
        { id: 1001, port: ports[0]!, hasFile: true },
        { id: 1002, port: ports[1]!, hasFile: false },
      ],
      fileSize: 1000,
      pieceSize: 1000,
    });
    const listener = ScriptedPeer.listen(ports[0]!, geometry);
    const peer = fx.startPeer(1002);
    try {
      const impostor = await listener.accepted;
      await impostor.handshake();
      impostor.sendHandshake(1005);
      await impostor.closedByRemote();
      const e = await peer.waitFor((x) => x.kind === 'connection-rejected');
      expect(e.kind === 'connection-rejected' && e.reason).to.match(/dialled peer 1001 but it says it is 1005/);
      expect(peer.of('connected')).to.have.length(0);
    } finally {
      await peer.stop();
      await listener.close();
      fx.cleanup();
    }
  });
});
