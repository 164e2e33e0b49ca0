import { expect } from 'chai';
import { Bitfield } from '../../../core/bitfield';
import { Downloader } from '../../../core/engine/downloader';
import { BAD_PIECES_BEFORE_BAN } from '../../../core/engine/integrity-check';
import { hashPiece, PieceHashes } from '../../../core/integrity/piece-hashes';
import { Neighbor } from '../../../core/engine/neighbor';
import { RequestBook } from '../../../core/engine/request-book';
import { EventBus } from '../../../core/event-bus';
import { SwarmEvent } from '../../../core/events';
import { Strategy } from '../../../core/plugin/contracts';
import { SimScheduler } from '../../../core/sim/sim-scheduler';
import { ArrayStore } from '../../helpers/array-store';
import { advance, FakeLink } from '../../helpers/fake-link';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const lowest: Strategy = { select: (v) => v.candidates[0] };

function setUp(owned: number[] = [], settings = { pipeline: 1, endgame: false }, hashes?: PieceHashes) {
  const scheduler = new SimScheduler();
  const bus = new EventBus(1, scheduler);
  const events: SwarmEvent[] = [];
  bus.events$.subscribe((e) => events.push(e));
  const book = new RequestBook({ numPieces: 3, requestTimeoutMs: 1000, ...settings }, lowest, scheduler);
  const own = new Bitfield(3);
  for (const i of owned) own.set(i);
  book.open(own);
  const store = new ArrayStore(3);
  const neighbors = new Map<number, Neighbor>();
  const received: number[] = [];
  const outcome: string[] = [];
  const downloader = new Downloader(neighbors, book, store, hashes, bus, (_n, bytes) => received.push(bytes), () => outcome.push('file complete'), (err) => outcome.push(err.message));
  const add = (id: number, pieces: number[]): { n: Neighbor; link: FakeLink } => {
    const link = new FakeLink(id);
    const n = new Neighbor(link, 3);
    for (const i of pieces) book.gained(n, i);
    n.peerChoking = false;
    neighbors.set(id, n);
    return { n, link };
  };
  const kinds = (kind: SwarmEvent['kind']): SwarmEvent[] => events.filter((e) => e.kind === kind);
  return { scheduler, book, store, downloader, add, events, kinds, received, outcome };
}

describe('core/engine/Downloader (no sockets)', () => {
  it('tells a neighbour of our interest only when it changes, and requests what the book picks', () => {
    const { downloader, add, kinds } = setUp();
    const { n, link } = add(2, [0, 1]);
    downloader.updateInterest(n);
    downloader.updateInterest(n);
    downloader.fill(n);
    expect(link.take()).to.deep.equal(['interested', 'request 0']);
    expect(kinds('request-sent')).to.have.length(1);
  });

  it('stores an accepted piece, then announces it to every neighbour and updates interest in each', async () => {
    const { downloader, add, store, received, kinds } = setUp([1]);
    const a = add(2, [0]);
    const b = add(3, [0, 2]);
    for (const x of [a, b]) downloader.updateInterest(x.n);
    downloader.fill(a.n);
    for (const x of [a, b]) x.link.take();
    downloader.received(a.n, 0, new Uint8Array([7, 7]));
    await settle();
    expect(store.pieces[0]).to.deep.equal(new Uint8Array([7, 7]));
    expect(received).to.deep.equal([2]);
    expect(a.link.take()).to.deep.equal(['have 0', 'not interested']);
    expect(b.link.take(), 'b is asked for piece 2 when it is filled, not here').to.deep.equal(['have 0']);
    expect(kinds('piece-downloaded').map((e) => e.kind === 'piece-downloaded' && [e.peer, e.index, e.have, e.total])).to.deep.equal([[2, 0, 2, 3]]);
  });

  it('after a piece is stored, a neighbour told "not interested" hears only the have; one never told anything hears where we stand', async () => {
    const { downloader, add } = setUp([1]);
    const told = add(2, [1]);
    const source = add(3, [0]);
    const silent = add(4, [0, 2]);
    downloader.updateInterest(told.n);
    downloader.updateInterest(source.n);
    downloader.fill(source.n);
    expect(told.link.take()).to.deep.equal(['not interested']);
    source.link.take();
    downloader.received(source.n, 0, new Uint8Array(2));
    await settle();
    expect(told.link.take(), 'holding more cannot make us want something of it').to.deep.equal(['have 0']);
    expect(silent.link.take()).to.deep.equal(['have 0', 'interested']);
    expect(source.link.take()).to.deep.equal(['have 0', 'not interested']);
  });

  it('discards an unrequested piece (never written, not counted) and a second copy (counted, not written)', async () => {
    const { downloader, add, store, received, kinds } = setUp([1, 2], { pipeline: 1, endgame: true });
    const a = add(2, [0]);
    const b = add(3, [0]);
    downloader.received(a.n, 0, new Uint8Array(4));
    downloader.fill(a.n);
    downloader.fill(b.n);
    downloader.received(a.n, 0, new Uint8Array(4));
    downloader.received(b.n, 0, new Uint8Array(4));
    await settle();
    expect(kinds('piece-discarded').map((e) => e.kind === 'piece-discarded' && [e.peer, e.reason])).to.deep.equal([[2, 'unrequested'], [3, 'duplicate']]);
    expect(store.log, 'one write, then the file is complete').to.deep.equal(['write 0', 'complete']);
    expect(received).to.deep.equal([4, 4]);
  });

  it('asks again for a piece the store could not take, and finishes the file when the last piece is stored', async () => {
    const { downloader, add, store, outcome, kinds } = setUp([1, 2]);
    const { n, link } = add(2, [0]);
    store.failWrites = true;
    downloader.fill(n);
    downloader.received(n, 0, new Uint8Array(1));
    await settle();
    expect(kinds('error').map((e) => e.kind === 'error' && e.message)).to.deep.equal(['cannot store piece 0: disk full']);
    expect(link.take()).to.deep.equal(['request 0', 'request 0']);
    store.failWrites = false;
    downloader.received(n, 0, new Uint8Array(1));
    await settle();
    expect(store.log.at(-1)).to.equal('complete');
    expect(kinds('file-complete')).to.have.length(1);
    expect(outcome).to.deep.equal(['file complete']);
  });

  it('with piece hashes: a piece with wrong bytes is never written, counted or announced, is asked of another neighbour, and its sender is cut off at the 3rd', async () => {
    const good = [new Uint8Array([1, 1]), new Uint8Array([2, 2]), new Uint8Array([3, 3])];
    const { downloader, add, store, kinds } = setUp([], { pipeline: 1, endgame: false }, PieceHashes.fromDigests(good.map((p) => hashPiece(p))));
    const liar = add(2, [0, 1, 2]);
    const honest = add(3, [0]);
    downloader.fill(liar.n);
    expect(liar.link.take()).to.deep.equal(['request 0']);
    downloader.received(liar.n, 0, new Uint8Array([9, 9]));
    await settle();
    expect(store.log, 'nothing written').to.deep.equal([]);
    expect(kinds('piece-downloaded')).to.deep.equal([]);
    expect(liar.link.take(), 'no have; the liar is asked for another piece, not this one again').to.deep.equal(['request 1']);
    downloader.fill(honest.n);
    expect(honest.link.take()).to.deep.equal(['request 0']);
    downloader.received(honest.n, 0, good[0]!);
    await settle();
    expect(store.pieces[0]).to.deep.equal(good[0]);
    for (let strike = 2; strike <= BAD_PIECES_BEFORE_BAN; strike++) {
      const index = strike - 1;
      downloader.received(liar.n, index, new Uint8Array([9, 9]));
      await settle();
      if (strike < BAD_PIECES_BEFORE_BAN) liar.link.take();
    }
    expect(kinds('piece-corrupt').map((e) => e.kind === 'piece-corrupt' && [e.peer, e.index, e.strikes])).to.deep.equal([[2, 0, 1], [2, 1, 2], [2, 2, 3]]);
    expect(kinds('peer-banned').map((e) => e.kind === 'peer-banned' && e.peer)).to.deep.equal([2]);
    expect(liar.link.closedWith).to.equal('sent 3 pieces that do not match their hashes');
    expect(store.log).to.deep.equal(['write 0']);
  });

  it('gives a request unanswered past the timeout back to the pool, where another neighbour gets it (virtual time)', async () => {
    const { downloader, add, scheduler, kinds } = setUp();
    const b = add(3, [0]);
    const a = add(2, [0]);
    downloader.fill(a.n);
    downloader.fill(b.n);
    expect([a.link.take(), b.link.take()]).to.deep.equal([['request 0'], []]);
    await advance(scheduler, 999);
    downloader.expire();
    expect(kinds('neighbor-stalled')).to.deep.equal([]);
    await advance(scheduler, 1);
    downloader.expire();
    expect(kinds('neighbor-stalled').map((e) => e.kind === 'neighbor-stalled' && [e.peer, e.index, e.waitedMs])).to.deep.equal([[2, 0, 1000]]);
    expect([a.link.take(), b.link.take()]).to.deep.equal([[], ['request 0']]);
    expect(kinds('error')).to.deep.equal([]);
  });
});
