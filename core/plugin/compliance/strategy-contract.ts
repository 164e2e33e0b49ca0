import assert from 'node:assert/strict';
import { StrategyView } from '../contracts';
import { Random, SeededRandom } from '../../util/random';
import { ContractCheck, isThenable } from './compliance';

function randomView(rng: Random, numPieces: number): StrategyView {
  const candidates: number[] = [];
  for (let i = 0; i < numPieces; i++) if (rng.next() < 0.3) candidates.push(i);
  const availability = Array.from({ length: numPieces }, () => 1 + rng.int(6));
  return Object.freeze({
    neighbor: 7,
    numPieces,
    ownedCount: rng.int(numPieces),
    candidates: Object.freeze(candidates),
    availability: (i: number) => availability[i] ?? 0,
  });
}

export const STRATEGY_CONTRACT: readonly ContractCheck<'strategy'>[] = [
  {
    name: 'answers undefined when there is nothing to choose',
    run(def, scratch) {
      const selector = def.create(scratch.context({ seeder: false }));
      const view = Object.freeze({ neighbor: 7, numPieces: 10, ownedCount: 3, candidates: Object.freeze([] as number[]), availability: () => 1 });
      assert.equal(selector.select(view), undefined);
    },
  },
  {
    name: 'picks only among the legal candidates, synchronously, over 300 random views',
    run(def, scratch) {
      const selector = def.create(scratch.context({ seeder: false, seed: 3 }));
      const rng = new SeededRandom(11);
      let picked = 0;
      for (let round = 0; round < 300; round++) {
        const view = randomView(rng, 1 + rng.int(200));
        const choice: unknown = selector.select(view);
        assert.ok(!isThenable(choice), 'select() must answer synchronously, not with a Promise');
        if (choice === undefined) continue;
        assert.ok(view.candidates.includes(choice as number), `chose ${String(choice)}, not one of the candidates [${view.candidates.slice(0, 10).join(', ')}…]`);
        picked++;
      }
      assert.ok(picked > 0, 'never chose any piece: a selector that always declines stalls every download');
    },
  },
  {
    name: 'picks the only candidate when there is one',
    run(def, scratch) {
      const selector = def.create(scratch.context({ seeder: false }));
      const view = Object.freeze({ neighbor: 7, numPieces: 10, ownedCount: 9, candidates: Object.freeze([4]), availability: () => 2 });
      assert.equal(selector.select(view), 4);
    },
  },
  {
    name: 'copes with a large file (50,000 candidates)',
    run(def, scratch) {
      const selector = def.create(scratch.context({ seeder: false }));
      const candidates = Object.freeze(Array.from({ length: 50_000 }, (_, i) => i * 2));
      const choice = selector.select(Object.freeze({ neighbor: 7, numPieces: 100_000, ownedCount: 0, candidates, availability: (i: number) => 1 + (i % 5) }));
      assert.ok(choice !== undefined && candidates.includes(choice));
    },
  },
];
