import { expect } from 'chai';
import { Bitfield } from '../../../core/bitfield';
import { Neighbor } from '../../../core/engine/neighbor';
import { RequestBook, RequestBookSettings } from '../../../core/engine/request-book';
import { Strategy, StrategyView } from '../../../core/plugin/contracts';
import { SimScheduler } from '../../../core/sim/sim-scheduler';
import { advance, FakeLink } from '../../helpers/fake-link';

/** A strategy that takes the lowest candidate and remembers every view it was shown. */
class LowestFirst implements Strategy {
  readonly views: Array<{ neighbor: number; candidates: number[]; availability: number[] }> = [];
  select(view: StrategyView): number | undefined {
    this.views.push({ neighbor: view.neighbor, candidates: [...view.candidates], availability: view.candidates.map((i) => view.availability(i)) });
    return view.candidates[0];
  }
}

function setUp(overrides: Partial<RequestBookSettings> = {}, owned: number[] = []) {
  const settings: RequestBookSettings = { numPieces: 6, pipeline: 1, endgame: false, requestTimeoutMs: 1000, ...overrides };
  const scheduler = new SimScheduler();
  const strategy = new LowestFirst();
  const book = new RequestBook(settings, strategy, scheduler);
  const own = new Bitfield(settings.numPieces);
  for (const i of owned) own.set(i);
  book.open(own);
  /** A neighbour holding `pieces` that unchokes us. */
  const neighbor = (id: number, pieces: number[], unchoked = true): Neighbor => {
    const n = new Neighbor(new FakeLink(id), settings.numPieces);
    for (const i of pieces) book.gained(n, i);
    n.peerChoking = !unchoked;
    return n;
  };
  /** Requests from `n` until the book says stop. */
  const drain = (n: Neighbor): number[] => {
    const out: number[] = [];
    for (let i = book.next(n); i !== undefined; i = book.next(n)) out.push(i);
    return out;
  };
  return { book, strategy, scheduler, neighbor, drain };
}

describe('core/engine/RequestBook (no sockets)', () => {
  it('offers the strategy only legal pieces: held by the neighbour, missing here, fetched by nobody', () => {
    const { book, strategy, neighbor } = setUp({}, [0]);
    const a = neighbor(1, [0, 1, 2, 3]);
    const b = neighbor(2, [1, 2, 4]);
    expect(book.next(a)).to.equal(1);
    expect(book.next(b)).to.equal(2);
    expect(strategy.views).to.deep.equal([
      { neighbor: 1, candidates: [1, 2, 3], availability: [2, 2, 1] },
      { neighbor: 2, candidates: [2, 4], availability: [2, 1] },
    ]);
  });

  it('keeps `pipeline` requests outstanding per neighbour, none to a neighbour that chokes us, none once we hold everything', () => {
    const { book, neighbor, drain } = setUp({ pipeline: 3 }, [5]);
    expect(drain(neighbor(1, [0, 1, 2, 3, 4]))).to.deep.equal([0, 1, 2]);
    expect(drain(neighbor(2, [0, 1, 2, 3, 4], false))).to.deep.equal([]);
    const done = setUp({}, [0, 1, 2, 3, 4, 5]);
    expect(done.book.next(done.neighbor(1, [0]))).to.equal(undefined);
    expect(book.inEndgame).to.equal(false);
  });

  it('counts availability from haves and bitfields, and forgets a neighbour that leaves', () => {
    const { book, neighbor } = setUp();
    const a = neighbor(1, [0, 1]);
    const bits = new Bitfield(6);
    bits.set(1);
    bits.set(5);
    const b = neighbor(2, []);
    book.gainedAll(b, bits);
    expect(book.gained(a, 1)).to.equal(false);
    expect([0, 1, 2, 3, 4, 5].map((i) => book.holders(i))).to.deep.equal([1, 2, 0, 0, 0, 1]);
    book.lost(a);
    expect([0, 1, 2, 3, 4, 5].map((i) => book.holders(i))).to.deep.equal([0, 1, 0, 0, 0, 1]);
  });

  it('gives back what a choking or departed neighbour was asked for, so another can serve it', () => {
    const { book, neighbor } = setUp();
    const a = neighbor(1, [0]);
    const b = neighbor(2, [0]);
    expect(book.next(a)).to.equal(0);
    expect(book.next(b)).to.equal(undefined);
    book.release(a);
    expect(a.outstanding.size).to.equal(0);
    expect(book.next(b)).to.equal(0);
  });

  it('in endgame (and only with it on) asks a second neighbour for a piece already requested elsewhere, never twice of the same one', () => {
    for (const endgame of [false, true]) {
      const { book, neighbor } = setUp({ endgame }, [0, 1, 2, 3, 4]);
      const a = neighbor(1, [5]);
      const b = neighbor(2, [5]);
      expect(book.next(a)).to.equal(5);
      expect(book.inEndgame).to.equal(true);
      expect(book.next(b), `endgame ${endgame}`).to.equal(endgame ? 5 : undefined);
      expect(book.candidatesFrom(a)).to.deep.equal([]);
    }
  });

  it('sorts arrivals: unrequested and duplicate pieces are refused, the first requested copy is accepted', () => {
    const { book, neighbor } = setUp({ endgame: true }, [0, 1, 2, 3, 4]);
    const a = neighbor(1, [5]);
    const b = neighbor(2, [5]);
    const c = neighbor(3, [5]);
    book.next(a);
    book.next(b);
    expect(book.arrived(c, 5)).to.equal('unrequested');
    expect(book.arrived(a, 5)).to.equal('accepted');
    expect(book.arrived(b, 5)).to.equal('duplicate');
    expect(book.next(c), 'a piece being written is not requested again').to.equal(undefined);
    book.stored(5);
    expect(book.own.isComplete).to.equal(true);
  });

  it('makes a piece that could not be stored requestable again', () => {
    const { book, neighbor } = setUp({}, [0, 1, 2, 3, 4]);
    const a = neighbor(1, [5]);
    expect(book.next(a)).to.equal(5);
    expect(book.arrived(a, 5)).to.equal('accepted');
    expect(book.next(a)).to.equal(undefined);
    book.rejected(5);
    expect(book.own.has(5)).to.equal(false);
    expect(book.next(a)).to.equal(5);
  });

  it('expires requests older than the timeout on the scheduler\'s (virtual) clock, and only those', async () => {
    const { book, scheduler, neighbor } = setUp({ requestTimeoutMs: 1000, pipeline: 2 });
    const a = neighbor(1, [0, 1, 2]);
    const b = neighbor(2, [0, 1, 2]);
    expect(book.next(a)).to.equal(0);
    await advance(scheduler, 600);
    expect(book.next(a)).to.equal(1);
    await advance(scheduler, 500);
    const expired: string[] = [];
    expect(book.expire([a, b], (n, i) => expired.push(`${n.id}:${i}`))).to.equal(true);
    expect(expired).to.deep.equal(['1:0']);
    expect([...a.outstanding.keys()]).to.deep.equal([1]);
    expect(book.arrived(a, 0), 'a late answer is no longer expected').to.equal('unrequested');
    expect(book.next(b)).to.equal(0);
    expect(book.expire([a, b], () => undefined)).to.equal(false);
  });
});
