import { expect } from 'chai';
import * as fs from 'node:fs';
import { ComposedPeer, composePeer } from '../../../app/compose/compose-peer';
import { Bitfield } from '../../../core/bitfield';
import { SwarmEvent } from '../../../core/events';
import { DEFAULT_MANIFEST } from '../../../core/paths';
import { PieceStore } from '../../../core/plugin/contracts';
import { readManifest } from '../../../core/plugin/plugin-registry';
import { TOKENS } from '../../../core/plugin/tokens';
import { msg } from '../../../core/protocol/messages';
import { SimScheduler } from '../../../core/sim/sim-scheduler';
import { advance, FakeLink, FakeTransport } from '../../helpers/fake-link';
import { SwarmFixture } from '../../helpers/swarm-fixture';
import { ArrayStore } from '../../helpers/array-store';

/**
 * The engine as a whole on a transport with no sockets and on virtual time:
 * the test plays the neighbour, message by message.
 */
describe('core/engine/PeerEngine (no sockets, virtual time)', () => {
  const PIECE = 1024;
  let fx: SwarmFixture;
  beforeEach(() => {
    fx = new SwarmFixture({ peers: [{ id: 1001, port: 1, hasFile: true }, { id: 1002, port: 2, hasFile: false }], fileSize: 3 * PIECE + 100, pieceSize: PIECE, preferred: 1, unchokingInterval: 5, optimisticInterval: 10 });
  });
  afterEach(() => fx.cleanup());

  function start(id: number, register?: (c: import('tsyringe').DependencyContainer) => void) {
    const scheduler = new SimScheduler();
    const transport = new FakeTransport();
    const composed: ComposedPeer = composePeer({
      id,
      configDir: fx.dir,
      dataDir: fx.dir,
      logDir: fx.dir,
      manifest: readManifest(DEFAULT_MANIFEST),
      selection: { loggers: ['silent'] },
      pipeline: 1,
      verbose: false,
      seed: 1,
      scheduler,
      transport,
      register,
    });
    const events: SwarmEvent[] = [];
    composed.events.events$.subscribe((e) => events.push(e));
    let outcome: string | undefined;
    const run = composed.engine.run().then(
      () => (outcome = 'resolved'),
      (err: Error) => (outcome = `rejected: ${err.message}`),
    );
    /** Lets the engine open its store (real I/O) and start its transport. */
    const started = async (): Promise<void> => {
      for (let i = 0; i < 1000 && !transport.started; i++) await new Promise((r) => setTimeout(r, 2));
      expect(transport.started, 'the engine started its transport').to.equal(true);
    };
    return { scheduler, transport, composed, events, run, outcome: () => outcome, started };
  }

  it('as a seeder: bitfield first, unchokes an interested neighbour, serves its request, stops when it has everything', async () => {
    const peer = start(1001);
    await peer.started();
    const link = peer.transport.connect(1002);
    await advance(peer.scheduler, 1);
    expect(link.take()).to.deep.equal(['bitfield']);
    link.receive(msg.interested());
    await advance(peer.scheduler, 1);
    expect(link.take()).to.deep.equal(['unchoke']);
    link.receive(msg.request(3));
    await advance(peer.scheduler, 1);
    const piece = link.sent[0]!;
    expect(piece.type === 7 && Buffer.from(piece.data).equals(fx.piece(3))).to.equal(true);
    link.receive(msg.bitfield(Bitfield.full(4).toBytes()));
    await advance(peer.scheduler, 1);
    await peer.run;
    expect(peer.outcome()).to.equal('resolved');
    expect(peer.events.map((e) => e.kind)).to.include.members(['connected', 'interested-received', 'piece-uploaded', 'bitfield-received', 'peer-completed', 'swarm-complete']);
    expect(link.closedWith).to.equal('shutting down');
  });

  it('as a leecher: asks an unchoking seeder piece by piece, writes the file, announces each piece, and finishes', async () => {
    const peer = start(1002);
    await peer.started();
    const link = peer.transport.connect(1001, 'outbound');
    link.receive(msg.bitfield(Bitfield.full(4).toBytes()));
    await advance(peer.scheduler, 1);
    expect(link.take(), 'an empty peer sends no bitfield').to.deep.equal(['interested']);
    link.receive(msg.unchoke());
    await advance(peer.scheduler, 1);
    let sent = link.take();
    const got: number[] = [];
    for (let i = 0; i < 4; i++) {
      const request = sent.find((m) => m.startsWith('request '));
      expect(request, `request number ${i + 1}`).to.not.equal(undefined);
      const index = Number(request!.split(' ')[1]);
      got.push(index);
      link.receive(msg.piece(index, fx.piece(index)));
      await advance(peer.scheduler, 1);
      sent = link.take();
      expect(sent).to.include(`have ${index}`);
    }
    expect([...got].sort()).to.deep.equal([0, 1, 2, 3]);
    await peer.run;
    expect(peer.outcome()).to.equal('resolved');
    expect(fs.readFileSync(fx.fileOf(1002)).equals(fx.content)).to.equal(true);
  });

  it('discards a piece nobody asked for, and stops with a clear error when the store stops answering', async () => {
    const hanging: PieceStore = {
      open: async () => new Bitfield(4),
      read: () => new Promise(() => undefined),
      write: () => new Promise(() => undefined),
      complete: async () => undefined,
      close: async () => undefined,
    };
    const peer = start(1002, (c) => c.register(TOKENS.Storage, { useValue: hanging }));
    await peer.started();
    const link = peer.transport.connect(1001);
    link.receive(msg.piece(0, fx.piece(0)));
    link.receive(msg.bitfield(Bitfield.full(4).toBytes()));
    link.receive(msg.unchoke());
    await advance(peer.scheduler, 1);
    const request = link.take().find((m) => m.startsWith('request '))!;
    const index = Number(request.split(' ')[1]);
    link.receive(msg.piece(index, fx.piece(index)));
    await advance(peer.scheduler, 29_000);
    expect(peer.outcome(), 'still waiting within the store timeout').to.equal(undefined);
    await advance(peer.scheduler, 2_000);
    await peer.run;
    expect(peer.events.find((e) => e.kind === 'piece-discarded')).to.include({ reason: 'unrequested', index: 0 });
    expect(peer.outcome()).to.equal(`rejected: storage "file": write(${index}) did not answer within 30000 ms`);
  });

  describe('hands received piece buffers back to their link (NeighborLink.recycle) only when nothing holds them', () => {
    /** Plays a seeder to peer 1002 until it has asked for `pieces` pieces; returns the buffers it was sent. */
    async function feed(peer: ReturnType<typeof start>, pieces: number): Promise<{ link: FakeLink; sent: Uint8Array[] }> {
      await peer.started();
      const link = peer.transport.connect(1001, 'outbound');
      const stray = Buffer.from(fx.piece(3));
      link.receive(msg.piece(3, stray)); // nobody asked for it: discarded, so reusable at once
      link.receive(msg.bitfield(Bitfield.full(4).toBytes()));
      link.receive(msg.unchoke());
      await advance(peer.scheduler, 1);
      const sent: Uint8Array[] = [stray];
      for (let i = 0; i < pieces; i++) {
        const request = link.take().find((m) => m.startsWith('request '));
        expect(request, `request number ${i + 1}`).to.not.equal(undefined);
        const index = Number(request!.split(' ')[1]);
        const data = Buffer.from(fx.piece(index));
        sent.push(data);
        link.receive(msg.piece(index, data));
        await advance(peer.scheduler, 1);
      }
      return { link, sent };
    }

    it('a store that copies (the file store) gets every piece after its write; so does a discarded one', async () => {
      const peer = start(1002);
      const { link, sent } = await feed(peer, 4);
      await peer.run;
      expect(peer.outcome()).to.equal('resolved');
      expect(link.recycled).to.have.length(5);
      for (const data of sent) expect(link.recycled, 'each buffer, once').to.include(data);
      expect(fs.readFileSync(fx.fileOf(1002)).equals(fx.content)).to.equal(true);
    });

    it('a store that may keep the buffer (no copiesOnWrite) never has it taken back', async () => {
      const keeping = new ArrayStore(4);
      const peer = start(1002, (c) => c.register(TOKENS.Storage, { useValue: keeping }));
      const { link, sent } = await feed(peer, 4);
      await peer.run;
      expect(peer.outcome()).to.equal('resolved');
      expect(link.recycled, 'only the discarded piece').to.deep.equal([sent[0]]);
    });

    it('a write that overran the store timeout is never recycled, even when it completes later', async () => {
      const slow = Object.assign(new ArrayStore(4), { copiesOnWrite: true, holdWrites: true });
      const peer = start(1002, (c) => c.register(TOKENS.Storage, { useValue: slow }));
      const { link, sent } = await feed(peer, 1);
      await advance(peer.scheduler, 31_000);
      await peer.run;
      expect(peer.outcome()).to.match(/did not answer within 30000 ms/);
      slow.releaseWrites();
      await new Promise((r) => setImmediate(r));
      expect(slow.log.filter((l) => l.startsWith('write '))).to.have.length(1);
      expect(link.recycled, 'only the discarded piece').to.deep.equal([sent[0]]);
    });
  });
});
