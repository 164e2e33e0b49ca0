import { expect } from 'chai';
import { frameSize } from '../../core/protocol/codec';
import { PieceGeometry } from '../../core/protocol/geometry';
import { Message, MessageType, msg } from '../../core/protocol/messages';
import { LinkClosed, NeighborLink, Transport } from '../../core/transport/link';

/**
 * Two peers on one transport implementation: peer 2 dials peer 1. Every
 * Transport (TCP, the simulated network, a future one) runs the same suite,
 * in the manner of js-libp2p's interface compliance tests.
 */
export interface TransportPair {
  readonly geometry: PieceGeometry;
  /** Peer 1's transport: it accepts. */
  readonly acceptor: Transport;
  /** Peer 2's transport: it dials peer 1. */
  readonly dialler: Transport;
  /** Starts both and lets peer 2 dial peer 1. */
  connect(): Promise<void>;
  /** Lets time pass (real or virtual) until `done()` holds; fails naming `what` if it never does. */
  until(done: () => boolean, what: string | (() => string)): Promise<void>;
  /** Lets the transports run for a while with nothing awaited (real or virtual ms). */
  idle(ms: number): Promise<void>;
  /** Stops both and releases what the pair holds. */
  dispose(): Promise<void>;
}

interface Ends {
  readonly out: NeighborLink;
  readonly inb: NeighborLink;
}

const bytes = (m: Message): string => {
  switch (m.type) {
    case MessageType.Bitfield:
      return `${m.type}:${Buffer.from(m.bits).toString('hex')}`;
    case MessageType.Piece:
      return `${m.type}:${m.index}:${Buffer.from(m.data).toString('base64')}`;
    case MessageType.Have:
    case MessageType.Request:
      return `${m.type}:${m.index}`;
    default:
      return `${m.type}`;
  }
};

export function transportContract(name: string, makePair: () => Promise<TransportPair>): void {
  describe(`transport contract: ${name}`, function () {
    this.timeout(20000);
    let pair: TransportPair;
    let ends: Ends;
    let acceptorLinks: NeighborLink[];
    let diallerLinks: NeighborLink[];
    let acceptorLinksDone: boolean;

    beforeEach(async () => {
      pair = await makePair();
      acceptorLinks = [];
      diallerLinks = [];
      acceptorLinksDone = false;
      pair.acceptor.links$.subscribe({ next: (l) => acceptorLinks.push(l), complete: () => (acceptorLinksDone = true) });
      pair.dialler.links$.subscribe((l) => diallerLinks.push(l));
      await pair.connect();
      await pair.until(() => acceptorLinks.length > 0 && diallerLinks.length > 0, 'both ends of the connection');
      ends = { out: diallerLinks[0]!, inb: acceptorLinks[0]! };
    });
    afterEach(() => pair.dispose());

    const receive = (link: NeighborLink): { got: Message[]; completed: () => boolean } => {
      const got: Message[] = [];
      let completed = false;
      link.messages$.subscribe({ next: (m) => got.push(m), complete: () => (completed = true) });
      return { got, completed: () => completed };
    };

    it('gives each side one link to the other: the dialler outbound, the acceptor inbound', async () => {
      await pair.idle(50);
      expect(diallerLinks.map((l) => [l.remoteId, l.direction])).to.deep.equal([[1, 'outbound']]);
      expect(acceptorLinks.map((l) => [l.remoteId, l.direction])).to.deep.equal([[2, 'inbound']]);
    });

    it('delivers every message type intact and in order, both ways', async () => {
      const g = pair.geometry;
      const data = (index: number): Uint8Array => Uint8Array.from({ length: g.lengthOf(index) }, (_, i) => (i * 7 + index) & 0xff);
      const bits = new Uint8Array(g.bitfieldBytes).fill(0xff);
      bits[bits.length - 1] = 0xff << (8 - (g.numPieces % 8 || 8)) & 0xff;
      const sent: Message[] = [msg.bitfield(bits), msg.interested(), msg.unchoke(), msg.request(1), msg.piece(1, data(1)), msg.have(2), msg.notInterested(), msg.choke(), msg.piece(g.numPieces - 1, data(g.numPieces - 1))];
      const atAcceptor = receive(ends.inb);
      const atDialler = receive(ends.out);
      const closes: string[] = [];
      for (const l of [ends.inb, ends.out]) l.closed$.subscribe((c) => closes.push(c.reason));
      for (const m of sent) void ends.out.send(m);
      for (const m of sent) void ends.inb.send(m);
      await pair.until(() => atAcceptor.got.length >= sent.length && atDialler.got.length >= sent.length, () => `all messages (the acceptor has ${atAcceptor.got.map((m) => m.type).join(",")}, the dialler ${atDialler.got.length}; closed: ${closes.join(', ') || 'none'})`);
      expect(atAcceptor.got.map(bytes)).to.deep.equal(sent.map(bytes));
      expect(atDialler.got.map(bytes)).to.deep.equal(sent.map(bytes));
    });

    it('keeps messages that arrive before anyone subscribes for the first subscriber, in order, once', async () => {
      for (const i of [0, 1, 2]) void ends.out.send(msg.have(i));
      await pair.idle(100);
      const first = receive(ends.inb);
      await pair.until(() => first.got.length >= 3, 'the early messages');
      void ends.out.send(msg.have(3));
      await pair.until(() => first.got.length >= 4, 'a later message');
      await pair.idle(50);
      expect(first.got.map(bytes)).to.deep.equal([0, 1, 2, 3].map((i) => bytes(msg.have(i))));
    });

    it('resolves sends under backpressure and delivers everything sent before close(); then the other end closes', async () => {
      const g = pair.geometry;
      const atAcceptor = receive(ends.inb);
      let closedAtAcceptor: LinkClosed | undefined;
      ends.inb.closed$.subscribe((c) => (closedAtAcceptor = c));
      const pieces = Array.from({ length: g.numPieces }, (_, i) => msg.piece(i, new Uint8Array(g.lengthOf(i)).fill(i & 0xff)));
      // Far more than a socket buffer: sends must resolve as the bytes leave, not hang.
      const sends: Array<Promise<void>> = [];
      for (let round = 0; round < 8; round++) for (const p of pieces) sends.push(ends.out.send(p));
      let resolved = false;
      void Promise.all(sends).then(() => (resolved = true));
      await pair.until(() => resolved, 'every send to resolve');
      ends.out.close('done here');
      await pair.until(() => closedAtAcceptor !== undefined && atAcceptor.completed(), 'the close to reach the acceptor');
      expect(atAcceptor.got.length).to.equal(8 * pieces.length);
      expect(atAcceptor.got.map(bytes)).to.deep.equal(Array.from({ length: 8 }, () => pieces.map(bytes)).flat());
      expect(closedAtAcceptor!.violation).to.equal(false);
      const frameBytes = atAcceptor.got.reduce((sum, m) => sum + frameSize(m), 0);
      expect(frameBytes).to.be.greaterThan(16 * 1024);
    });

    it('takes send() after close() without throwing and delivers nothing more', async () => {
      const atAcceptor = receive(ends.inb);
      let closedAtDialler = false;
      ends.out.closed$.subscribe(() => (closedAtDialler = true));
      ends.out.close('bye');
      expect(closedAtDialler, 'the closing end reports its own close').to.equal(true);
      await ends.out.send(msg.have(0));
      await pair.until(() => atAcceptor.completed(), 'the other end to see the close');
      expect(atAcceptor.got).to.deep.equal([]);
    });

    it('stop(): closes every link and completes links$', async () => {
      const closed: string[] = [];
      ends.inb.closed$.subscribe(() => closed.push('acceptor end'));
      ends.out.closed$.subscribe(() => closed.push('dialler end'));
      await pair.acceptor.stop();
      await pair.until(() => closed.length === 2, 'both ends to close');
      expect(acceptorLinksDone).to.equal(true);
      expect(closed).to.have.members(['acceptor end', 'dialler end']);
    });
  });
}
