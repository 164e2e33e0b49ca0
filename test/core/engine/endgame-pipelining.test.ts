import { expect } from 'chai';
import * as fs from 'node:fs';
import { Bitfield } from '../../../core/bitfield';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { MessageType, msg } from '../../../core/protocol/messages';
import { freePorts } from '../../helpers/ports';
import { ScriptedPeer } from '../../helpers/scripted-peer';
import { RunningPeer, SwarmFixture } from '../../helpers/swarm-fixture';

describe('pipelining and endgame', function () {
  this.timeout(20000);
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function fixture(pieces: number, peers = 2): Promise<{ fx: SwarmFixture; geometry: PieceGeometry; ports: number[] }> {
    const ports = await freePorts(peers);
    const fx = new SwarmFixture({
      peers: ports.map((port, i) => ({ id: 1001 + i, port, hasFile: i === 0 })),
      fileSize: pieces * 1000 - 1,
      pieceSize: 1000,
    });
    cleanups.push(() => fx.cleanup());
    return { fx, geometry: new PieceGeometry(pieces * 1000 - 1, 1000), ports };
  }

  function track(p: RunningPeer): RunningPeer {
    cleanups.push(() => p.stop());
    return p;
  }

  /**
   * 1002 under test between two scripted neighbours holding everything: 1001
   * unchokes it and then sits on the first request; 1003 connects afterwards
   * and unchokes too. A fourth peer that never shows up keeps the swarm from
   * completing, so a late copy can still arrive.
   */
  async function slowAndFast(endgame: boolean) {
    const { fx, geometry, ports } = await fixture(3, 4);
    const slowListener = ScriptedPeer.listen(ports[0]!, geometry);
    cleanups.push(slowListener.close);
    const peer = track(fx.startPeer(1002, {}, { endgame }));
    const slow = await slowListener.accepted;
    cleanups.push(() => slow.destroy());
    await slow.handshake();
    slow.sendHandshake(1001);
    slow.send(msg.bitfield(Bitfield.full(3).toBytes()));
    await slow.nextOfType(MessageType.Interested);
    slow.send(msg.unchoke());
    const { message: stuck } = await slow.nextOfType(MessageType.Request);
    const fast = await ScriptedPeer.connect(ports[1]!, geometry);
    cleanups.push(() => fast.destroy());
    fast.sendHandshake(1003);
    await fast.handshake();
    fast.send(msg.bitfield(Bitfield.full(3).toBytes()));
    await fast.nextOfType(MessageType.Interested);
    fast.send(msg.unchoke());
    return { fx, geometry, peer, slow, fast, stuck };
  }

  it('--pipeline 4 keeps 4 requests outstanding, and a classic peer serving them in order is enough', async () => {
    const { fx, geometry, ports } = await fixture(12);
    const listener = ScriptedPeer.listen(ports[0]!, geometry);
    cleanups.push(listener.close);
    const peer = track(fx.startPeer(1002, {}, { pipeline: 4 }));
    const seeder = await listener.accepted;
    cleanups.push(() => seeder.destroy());
    await seeder.handshake();
    seeder.sendHandshake(1001);
    seeder.send(msg.bitfield(Bitfield.full(12).toBytes()));
    await seeder.nextOfType(MessageType.Interested);
    seeder.send(msg.unchoke());
    // Four requests arrive before any piece is sent.
    const first = [];
    for (let i = 0; i < 4; i++) first.push(await seeder.next());
    expect(first.map((m) => m.type)).to.deep.equal([MessageType.Request, MessageType.Request, MessageType.Request, MessageType.Request]);
    await new Promise((r) => setTimeout(r, 50));
    expect(seeder.drain(), 'no fifth request while four are outstanding').to.deep.equal([]);
    // Serve strictly in order, one at a time, as a classic peer does.
    const queue = first.map((m) => (m as { index: number }).index);
    let served = 0;
    while (served < 12) {
      const index = queue.shift()!;
      seeder.send(msg.piece(index, fx.piece(index)));
      served++;
      for (const m of seeder.drain()) if (m.type === MessageType.Request) queue.push(m.index);
      while (queue.length === 0 && served < 12) {
        const m = await seeder.next();
        if (m.type === MessageType.Request) queue.push(m.index);
      }
    }
    await peer.waitFor((e) => e.kind === 'file-complete');
    expect(fs.readFileSync(fx.fileOf(1002)).equals(fx.content)).to.equal(true);
  });

  it('a pipelining peer downloads from a peer running the classic settings', async () => {
    const { fx } = await fixture(200);
    const seeder = track(fx.startPeer(1001));
    const leecher = track(fx.startPeer(1002, {}, { pipeline: 4 }));
    await Promise.all([seeder.done, leecher.done]);
    expect(fs.readFileSync(fx.fileOf(1002)).equals(fx.content)).to.equal(true);
    // It really had several requests in flight at once.
    let inFlight = 0;
    let most = 0;
    for (const e of leecher.events) {
      if (e.kind === 'request-sent') most = Math.max(most, ++inFlight);
      if (e.kind === 'piece-downloaded' || e.kind === 'piece-discarded') inFlight--;
    }
    // (Requests are counted until the piece is stored, so the writes in progress add to the four on the wire.)
    expect(most).to.be.at.least(4);
  });

  it('endgame asks a second neighbour for the last piece; the first copy wins, the duplicate is discarded, counted and announced once', async () => {
    const { fx, geometry, peer, slow, fast, stuck } = await slowAndFast(true);
    const askedOfFast: number[] = [];
    while (askedOfFast.length < 3) {
      const m = await fast.next();
      if (m.type !== MessageType.Request) continue;
      askedOfFast.push(m.index);
      fast.send(msg.piece(m.index, fx.piece(m.index)));
    }
    // In endgame the stuck piece was asked of 1003 too.
    expect(askedOfFast).to.include(stuck.index);
    await peer.waitFor((e) => e.kind === 'file-complete');
    // The slow copy arrives late: discarded and counted, never written, never announced again.
    slow.send(msg.piece(stuck.index, Buffer.alloc(geometry.lengthOf(stuck.index), 0xee)));
    const discarded = await peer.waitFor((e) => e.kind === 'piece-discarded');
    expect(discarded).to.include({ kind: 'piece-discarded', peer: 1001, index: stuck.index, reason: 'duplicate' });
    expect(fs.readFileSync(fx.fileOf(1002)).equals(fx.content)).to.equal(true);
    const havesToFast = fast.drain().filter((m) => m.type === MessageType.Have && m.index === stuck.index);
    expect(havesToFast.length).to.be.at.most(1);
    expect(peer.of('piece-downloaded').filter((e) => e.index === stuck.index)).to.have.length(1);
  });

  it('without endgame the same swarm waits for the slow neighbour', async () => {
    const { fx, peer, fast, stuck } = await slowAndFast(false);
    const asked: number[] = [];
    for (;;) {
      const m = await fast.next(500).catch(() => undefined);
      if (!m) break;
      if (m.type !== MessageType.Request) continue;
      asked.push(m.index);
      fast.send(msg.piece(m.index, fx.piece(m.index)));
    }
    expect(asked).to.not.include(stuck.index);
    expect(peer.of('file-complete')).to.have.length(0);
  });
});
