import { expect } from 'chai';
import * as fs from 'node:fs';
import { Bitfield } from '../../../core/bitfield';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { MessageType, msg } from '../../../core/protocol/messages';
import { encodeMessage } from '../../../core/protocol/codec';
import { encodeHandshake } from '../../../core/protocol/handshake';
import { freePorts } from '../../helpers/ports';
import { ScriptedPeer } from '../../helpers/scripted-peer';
import { RunningPeer, SwarmFixture } from '../../helpers/swarm-fixture';

/**
 * The engine against scripted remote peers over real sockets on 127.0.0.1:
 * every assertion is about the bytes the peer under test puts on the wire,
 * the file it leaves on disk, or the events it reports.
 */
describe('engine on the wire', function () {
  this.timeout(15000);
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(opts: { fileSize: number; pieceSize: number; extraPeers?: number; selfHasFile?: boolean }): Promise<{
    fx: SwarmFixture;
    geometry: PieceGeometry;
    ports: number[];
  }> {
    const ports = await freePorts(2 + (opts.extraPeers ?? 0));
    const peers = [
      { id: 1001, port: ports[0]!, hasFile: true },
      { id: 1002, port: ports[1]!, hasFile: opts.selfHasFile ?? false },
      ...ports.slice(2).map((port, i) => ({ id: 1003 + i, port, hasFile: false })),
    ];
    const fx = new SwarmFixture({ peers, fileSize: opts.fileSize, pieceSize: opts.pieceSize });
    cleanups.push(() => fx.cleanup());
    return { fx, geometry: new PieceGeometry(opts.fileSize, opts.pieceSize), ports };
  }

  function start(fx: SwarmFixture, id = 1002, pipeline = 1): RunningPeer {
    const peer = fx.startPeer(id, {}, { pipeline });
    cleanups.push(() => peer.stop());
    return peer;
  }

  async function acceptFrom(port: number, geometry: PieceGeometry): Promise<ScriptedPeer> {
    const { accepted, close } = ScriptedPeer.listen(port, geometry);
    cleanups.push(close);
    const remote = await accepted;
    cleanups.push(() => remote.destroy());
    return remote;
  }

  it('handshakes, says interested after a bitfield, requests after unchoke, and downloads the whole file', async () => {
    const { fx, geometry, ports } = await setup({ fileSize: 5 * 1000 + 321, pieceSize: 1000 });
    const remote = acceptFrom(ports[0]!, geometry);
    const peer = start(fx);
    const seeder = await remote;
    expect(await seeder.handshake()).to.equal(1002);
    seeder.sendHandshake(1001);
    seeder.send(msg.bitfield(Bitfield.full(geometry.numPieces).toBytes()));
    // A peer with no pieces skips its bitfield: the first message is `interested`.
    expect((await seeder.next()).type).to.equal(MessageType.Interested);
    seeder.send(msg.unchoke());
    // Classic pipelining: exactly one request outstanding; the next one may overtake the `have`
    // for the previous piece (the peer asks again before its disk write completes).
    const requested: number[] = [];
    const haves: number[] = [];
    while (haves.length < geometry.numPieces) {
      const m = await seeder.next();
      if (m.type === MessageType.Request) {
        expect(requested, `piece ${m.index} requested twice`).not.to.include(m.index);
        requested.push(m.index);
        // Give the peer time to (wrongly) ask for more before answering.
        await new Promise((r) => setTimeout(r, 20));
        for (const early of seeder.drain()) {
          expect(early.type, 'a second request while one is outstanding').to.equal(MessageType.Have);
          if (early.type === MessageType.Have) haves.push(early.index);
        }
        seeder.send(msg.piece(m.index, fx.piece(m.index)));
      } else {
        // `have` goes to every neighbour, including the one that sent the piece.
        expect(m.type).to.equal(MessageType.Have);
        if (m.type === MessageType.Have) haves.push(m.index);
      }
    }
    expect([...haves].sort()).to.deep.equal([...requested].sort());
    expect([...requested].sort()).to.deep.equal([0, 1, 2, 3, 4, 5]);
    // Nothing left to want from it.
    expect((await seeder.next()).type).to.equal(MessageType.NotInterested);
    await peer.done;
    expect(fs.readFileSync(fx.fileOf(1002)).equals(fx.content)).to.equal(true);
    expect(fs.existsSync(`${fx.fileOf(1002)}.part`)).to.equal(false);
    // Everyone has the file: the peer closes its connections and stops.
    await seeder.closedByRemote();
    expect(peer.of('piece-downloaded').map((e) => e.have)).to.deep.equal([1, 2, 3, 4, 5, 6]);
  });

  it('sends its bitfield first when it has pieces, and answers requests only once it unchokes', async () => {
    const { fx, geometry, ports } = await setup({ fileSize: 4000, pieceSize: 1000, extraPeers: 1, selfHasFile: true });
    const peer = start(fx);
    // 1003 is listed after 1002, so it dials 1002.
    const leecher = await ScriptedPeer.connect(ports[1]!, geometry);
    cleanups.push(() => leecher.destroy());
    leecher.sendHandshake(1003);
    expect(await leecher.handshake()).to.equal(1002);
    const bitfield = await leecher.next();
    expect(bitfield).to.deep.equal(msg.bitfield(Bitfield.full(4).toBytes()));
    expect(Buffer.from((bitfield as { bits: Uint8Array }).bits)).to.deep.equal(Buffer.from([0xf0]));
    leecher.send(msg.interested());
    // The first preferred choice happens as soon as a neighbour is interested, not an interval later.
    expect((await leecher.next(1000)).type).to.equal(MessageType.Unchoke);
    leecher.send(msg.request(3));
    const piece = await leecher.next();
    expect(piece.type).to.equal(MessageType.Piece);
    if (piece.type === MessageType.Piece) {
      expect(piece.index).to.equal(3);
      expect(Buffer.from(piece.data).equals(fx.piece(3))).to.equal(true);
    }
    await peer.waitFor((e) => e.kind === 'interested-received' && e.peer === 1003);
    await peer.waitFor((e) => e.kind === 'preferred-changed');
    expect(peer.of('preferred-changed')[0]!.neighbors).to.deep.equal([1003]);
  });

  it('requests a piece again after being choked before it arrived', async () => {
    const { fx, geometry, ports } = await setup({ fileSize: 700, pieceSize: 1000 });
    const remote = acceptFrom(ports[0]!, geometry);
    const peer = start(fx);
    const seeder = await remote;
    await seeder.handshake();
    seeder.sendHandshake(1001);
    seeder.send(msg.bitfield(Bitfield.full(1).toBytes()));
    await seeder.nextOfType(MessageType.Interested);
    seeder.send(msg.unchoke());
    expect(await seeder.next()).to.deep.equal(msg.request(0));
    seeder.send(msg.choke());
    await peer.waitFor((e) => e.kind === 'choked-by');
    seeder.send(msg.unchoke());
    // The only piece is requestable again.
    expect(await seeder.next()).to.deep.equal(msg.request(0));
    seeder.send(msg.piece(0, fx.piece(0)));
    expect(await seeder.next()).to.deep.equal(msg.have(0));
    await peer.done;
    expect(fs.readFileSync(fx.fileOf(1002)).equals(fx.content)).to.equal(true);
  });

  it('sends have to every neighbour and not interested to those with nothing left to offer', async () => {
    const { fx, geometry, ports } = await setup({ fileSize: 2000, pieceSize: 1000, extraPeers: 1 });
    const remote = acceptFrom(ports[0]!, geometry);
    const peer = start(fx);
    const seeder = await remote;
    await seeder.handshake();
    seeder.sendHandshake(1001);
    const other = await ScriptedPeer.connect(ports[1]!, geometry);
    cleanups.push(() => other.destroy());
    other.sendHandshake(1003);
    await other.handshake();
    // Both neighbours hold piece 0 only.
    const bits = new Bitfield(2);
    bits.set(0);
    other.send(msg.bitfield(bits.toBytes()));
    expect((await other.next()).type).to.equal(MessageType.Interested);
    seeder.send(msg.bitfield(bits.toBytes()));
    expect((await seeder.next()).type).to.equal(MessageType.Interested);
    seeder.send(msg.unchoke());
    expect(await seeder.next()).to.deep.equal(msg.request(0));
    seeder.send(msg.piece(0, fx.piece(0)));
    expect(await seeder.next()).to.deep.equal(msg.have(0));
    expect(await other.next()).to.deep.equal(msg.have(0));
    // Neither has anything we lack any more.
    expect((await seeder.next()).type).to.equal(MessageType.NotInterested);
    expect((await other.next()).type).to.equal(MessageType.NotInterested);
    await peer.waitFor((e) => e.kind === 'piece-downloaded');
  });

  it('gives an unanswered request to another neighbour when the first one disconnects', async () => {
    const { fx, geometry, ports } = await setup({ fileSize: 900, pieceSize: 1000, extraPeers: 1 });
    const remote = acceptFrom(ports[0]!, geometry);
    const peer = start(fx);
    const seeder = await remote;
    await seeder.handshake();
    seeder.sendHandshake(1001);
    seeder.send(msg.bitfield(Bitfield.full(1).toBytes()));
    await seeder.nextOfType(MessageType.Interested);
    seeder.send(msg.unchoke());
    expect(await seeder.next()).to.deep.equal(msg.request(0));
    // A second neighbour with the piece, which has not unchoked us yet.
    const other = await ScriptedPeer.connect(ports[1]!, geometry);
    cleanups.push(() => other.destroy());
    other.sendHandshake(1003);
    await other.handshake();
    other.send(msg.bitfield(Bitfield.full(1).toBytes()));
    await other.nextOfType(MessageType.Interested);
    other.send(msg.unchoke());
    seeder.destroy();
    await peer.waitFor((e) => e.kind === 'disconnected' && e.peer === 1001);
    expect(await other.next()).to.deep.equal(msg.request(0));
    other.send(msg.piece(0, fx.piece(0)));
    await peer.waitFor((e) => e.kind === 'file-complete');
    expect(fs.readFileSync(fx.fileOf(1002)).equals(fx.content)).to.equal(true);
  });

  it('sends its bitfield before closing when the handshake and a last bitfield complete the swarm at once', async () => {
    const ports = await freePorts(2);
    const geometry = new PieceGeometry(3000, 1000);
    const fx = new SwarmFixture({
      peers: [
        { id: 1002, port: ports[0]!, hasFile: true },
        { id: 1003, port: ports[1]!, hasFile: true },
      ],
      fileSize: 3000,
      pieceSize: 1000,
    });
    cleanups.push(() => fx.cleanup());
    const peer = start(fx);
    const late = await ScriptedPeer.connect(ports[0]!, geometry);
    cleanups.push(() => late.destroy());
    // Handshake and a full bitfield in one chunk: the peer learns everyone is complete on arrival.
    late.sendRaw(Buffer.concat([encodeHandshake(1003), encodeMessage(msg.bitfield(Bitfield.full(3).toBytes()))]));
    expect(await late.handshake()).to.equal(1002);
    expect(await late.next()).to.deep.equal(msg.bitfield(Bitfield.full(3).toBytes()));
    await late.closedByRemote();
    await peer.done;
  });
});
