import { expect } from 'chai';
import { StrategyView, Strategy, PluginContext, PluginDefinition } from '../../../core/plugin/contracts';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { SeededRandom } from '../../../core/util/random';
import randomFirst, { RANDOM_FIRST_PIECES } from '../../../plugins/strategy/random-first';
import rarestFirst from '../../../plugins/strategy/rarest-first';
import sequential from '../../../plugins/strategy/sequential';

/** Selectors only use `random`; the rest of the context is filled in to satisfy the type. */
function contextWithSeed(seed: number): PluginContext {
  const self = { id: 1001, host: 'localhost', port: 6001, hasFile: false };
  return {
    selfId: self.id,
    self,
    peers: [self],
    common: { numberOfPreferredNeighbors: 3, unchokingInterval: 5, optimisticUnchokingInterval: 10, fileName: 'f', fileSize: 100, pieceSize: 10, plugins: {} },
    geometry: new PieceGeometry(100, 10),
    random: new SeededRandom(seed),
    dataDir: '/nonexistent',
    logDir: '/nonexistent',
    commonFile: 'common.cfg',
    verbose: false,
  };
}

function create(def: PluginDefinition<'strategy'>, seed = 1): Strategy {
  return def.create(contextWithSeed(seed));
}

/** A view whose availability is given per piece (pieces not listed: 0). */
function view(candidates: number[], availability: Record<number, number> = {}, ownedCount = 10): StrategyView {
  return { neighbor: 1002, numPieces: 100, ownedCount, candidates, availability: (i) => availability[i] ?? 0 };
}

/** How often each piece is chosen over `draws` selections. */
function histogram(selector: Strategy, v: StrategyView, draws: number): Map<number | undefined, number> {
  const counts = new Map<number | undefined, number>();
  for (let i = 0; i < draws; i++) {
    const choice = selector.select(v);
    counts.set(choice, (counts.get(choice) ?? 0) + 1);
  }
  return counts;
}

describe('plugins/strategy', () => {
  for (const def of [sequential, rarestFirst, randomFirst]) {
    it(`${def.name}: is a strategy plugin and returns undefined on empty candidates`, () => {
      expect(def.kind).to.equal('strategy');
      expect(def.description).to.be.a('string').and.not.equal('');
      const selector = create(def);
      expect(selector.select(view([]))).to.equal(undefined);
      expect(selector.select(view([], {}, 0))).to.equal(undefined);
    });

    it(`${def.name}: always returns one of the candidates`, () => {
      const selector = create(def, 7);
      const rng = new SeededRandom(99);
      for (let round = 0; round < 200; round++) {
        const candidates = [...new Set(Array.from({ length: 1 + rng.int(20) }, () => rng.int(100)))].sort((a, b) => a - b);
        const avail: Record<number, number> = {};
        for (const c of candidates) avail[c] = 1 + rng.int(4);
        expect(candidates).to.include(selector.select(view(candidates, avail, rng.int(8))));
      }
    });
  }

  describe('sequential', () => {
    it('picks the lowest-index candidate, whatever the availability', () => {
      const selector = create(sequential);
      expect(selector.select(view([3, 4, 9], { 3: 5, 4: 1, 9: 1 }))).to.equal(3);
      expect(selector.select(view([0, 1, 2]))).to.equal(0);
      expect(selector.select(view([42]))).to.equal(42);
      expect(selector.select(view([7, 50, 99], {}, 0))).to.equal(7);
    });
  });

  describe('rarest-first', () => {
    it('picks the single rarest piece', () => {
      const selector = create(rarestFirst);
      expect(selector.select(view([1, 2, 3, 4], { 1: 3, 2: 2, 3: 1, 4: 4 }))).to.equal(3);
      expect(selector.select(view([1, 2, 3, 4], { 1: 1, 2: 2, 3: 3, 4: 4 }))).to.equal(1);
      expect(selector.select(view([1, 2, 3, 4], { 1: 4, 2: 3, 3: 2, 4: 1 }))).to.equal(4);
      expect(selector.select(view([8]))).to.equal(8);
    });

    it('always picks a minimum-availability piece, and over many draws every tied piece and only those', () => {
      const selector = create(rarestFirst, 3);
      const avail = { 0: 2, 5: 1, 6: 3, 9: 1, 12: 1, 20: 2, 31: 1 };
      const tied = [5, 9, 12, 31];
      const draws = 4000;
      const counts = histogram(selector, view([0, 5, 6, 9, 12, 20, 31], avail), draws);
      expect([...counts.keys()].sort((a, b) => (a ?? 0) - (b ?? 0))).to.deep.equal(tied);
      // Uniform among the ties: each near draws / 4 (1000; a 5-sigma band is about +-137).
      for (const piece of tied) expect(counts.get(piece)).to.be.within(850, 1150);
    });

    it('treats the first and last candidates like the others when they tie', () => {
      const counts = histogram(create(rarestFirst, 11), view([0, 1, 2], { 0: 1, 1: 2, 2: 1 }), 2000);
      expect([...counts.keys()].sort()).to.deep.equal([0, 2]);
      expect(counts.get(0)).to.be.within(850, 1150);
    });

    it('is repeatable for a given seed', () => {
      const v = view([1, 2, 3, 4, 5, 6], { 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1 });
      const a = create(rarestFirst, 42);
      const b = create(rarestFirst, 42);
      for (let i = 0; i < 50; i++) expect(a.select(v)).to.equal(b.select(v));
    });

    it('scans 100 000 candidates quickly, asking availability once each', () => {
      const candidates = Array.from({ length: 100_000 }, (_, i) => i);
      let asked = 0;
      const v: StrategyView = {
        neighbor: 1002,
        numPieces: candidates.length,
        ownedCount: 50,
        candidates,
        availability: (i) => {
          asked++;
          return i === 77_777 ? 0 : 1 + (i % 5);
        },
      };
      const started = process.hrtime.bigint();
      expect(create(rarestFirst).select(v)).to.equal(77_777);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(asked).to.equal(candidates.length);
      expect(ms).to.be.below(200);
    });
  });

  describe('random-first', () => {
    it(`picks at random below ${RANDOM_FIRST_PIECES} pieces owned, even a common piece`, () => {
      expect(RANDOM_FIRST_PIECES).to.equal(4);
      const avail = { 1: 5, 2: 1, 3: 5, 4: 5 };
      for (let owned = 0; owned < 4; owned++) {
        const counts = histogram(create(randomFirst, owned + 1), view([1, 2, 3, 4], avail, owned), 2000);
        expect([...counts.keys()].sort(), `ownedCount ${owned}`).to.deep.equal([1, 2, 3, 4]);
        for (const piece of [1, 2, 3, 4]) expect(counts.get(piece), `ownedCount ${owned}, piece ${piece}`).to.be.within(400, 600);
      }
    });

    it('switches to rarest-first at 4 pieces owned', () => {
      const avail = { 1: 5, 2: 1, 3: 5, 4: 1 };
      for (const owned of [4, 5, 50]) {
        const counts = histogram(create(randomFirst, owned), view([1, 2, 3, 4], avail, owned), 2000);
        expect([...counts.keys()].sort(), `ownedCount ${owned}`).to.deep.equal([2, 4]);
      }
      expect(create(randomFirst).select(view([1, 2, 3], { 1: 3, 2: 1, 3: 2 }, 4))).to.equal(2);
    });
  });
});
