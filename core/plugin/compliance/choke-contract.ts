import assert from 'node:assert/strict';
import { ChokeView, NeighborSnapshot } from '../contracts';
import { Random, SeededRandom } from '../../util/random';
import { ContractCheck, isThenable } from './compliance';

function randomView(rng: Random): ChokeView {
  const count = rng.int(9);
  const neighbors: NeighborSnapshot[] = [];
  const optimistic = rng.int(count + 1);
  for (let i = 0; i < count; i++) {
    const chokedByUs = rng.next() < 0.5;
    neighbors.push(
      Object.freeze({
        id: 100 + i,
        interested: rng.next() < 0.6,
        chokedByUs,
        preferred: !chokedByUs && rng.next() < 0.7,
        optimistic: i === optimistic,
        downloadRate: rng.next() < 0.3 ? 0 : rng.next() * 1e6,
        uploadRate: rng.next() < 0.3 ? 0 : rng.next() * 1e6,
        piecesHeld: rng.int(100),
      }),
    );
  }
  return Object.freeze({ trigger: rng.next() < 0.8 ? 'interval' : 'slot-free', selfComplete: rng.next() < 0.4, slots: 1 + rng.int(4), neighbors: Object.freeze(neighbors) });
}

export const CHOKE_CONTRACT: readonly ContractCheck<'choke'>[] = [
  {
    name: 'prefers at most `slots` distinct interested neighbours, synchronously, over 300 random views',
    run(def, scratch) {
      const policy = def.create(scratch.context({ seeder: false, seed: 5 }));
      const rng = new SeededRandom(17);
      for (let round = 0; round < 300; round++) {
        const view = randomView(rng);
        const chosen: unknown = policy.choosePreferred(view);
        assert.ok(!isThenable(chosen), 'choosePreferred() must answer synchronously, not with a Promise');
        assert.ok(Array.isArray(chosen), 'choosePreferred() must return an array of neighbour ids');
        const ids = chosen as unknown[];
        assert.ok(ids.length <= view.slots, `chose ${ids.length} neighbours for ${view.slots} slots`);
        assert.equal(new Set(ids).size, ids.length, 'chose a neighbour twice');
        for (const id of ids) {
          const n = view.neighbors.find((x) => x.id === id);
          assert.ok(n, `chose ${String(id)}, which is not a neighbour`);
          assert.ok(n.interested, `chose ${String(id)}, which is not interested`);
        }
      }
    },
  },
  {
    name: 'prefers nobody when nobody is interested',
    run(def, scratch) {
      const policy = def.create(scratch.context({ seeder: true }));
      const neighbors = [101, 102, 103].map((id) =>
        Object.freeze({ id, interested: false, chokedByUs: true, preferred: false, optimistic: false, downloadRate: 5, uploadRate: 5, piecesHeld: 3 }),
      );
      for (const selfComplete of [true, false]) {
        const view = Object.freeze({ trigger: 'interval' as const, selfComplete, slots: 2, neighbors: Object.freeze(neighbors) });
        assert.deepEqual(policy.choosePreferred(view), []);
        assert.equal(policy.chooseOptimistic(view), undefined);
      }
    },
  },
  {
    name: 'unchokes optimistically only a choked, interested neighbour (or keeps the current one)',
    run(def, scratch) {
      const policy = def.create(scratch.context({ seeder: false, seed: 9 }));
      const rng = new SeededRandom(23);
      for (let round = 0; round < 300; round++) {
        const view = randomView(rng);
        const pick: unknown = policy.chooseOptimistic(view);
        assert.ok(!isThenable(pick), 'chooseOptimistic() must answer synchronously, not with a Promise');
        if (pick === undefined) continue;
        const n = view.neighbors.find((x) => x.id === pick);
        assert.ok(n, `chose ${String(pick)}, which is not a neighbour`);
        assert.ok(n.interested && (n.chokedByUs || n.optimistic), `chose ${String(pick)}, which is not choked and interested`);
      }
    },
  },
  {
    name: 'gives every interested neighbour a chance while seeding',
    run(def, scratch) {
      const policy = def.create(scratch.context({ seeder: true, seed: 13 }));
      const ids = [101, 102, 103, 104, 105, 106];
      const served = new Set<number>();
      let preferred: number[] = [];
      let optimistic: number | undefined;
      for (let round = 0; round < 60; round++) {
        const neighbors = ids.map((id) =>
          Object.freeze({
            id,
            interested: true,
            chokedByUs: !preferred.includes(id) && optimistic !== id,
            preferred: preferred.includes(id),
            optimistic: optimistic === id,
            downloadRate: 0,
            uploadRate: preferred.includes(id) ? 1000 * id : 0,
            piecesHeld: 10,
          }),
        );
        const view = Object.freeze({ trigger: 'interval' as const, selfComplete: true, slots: 2, neighbors: Object.freeze(neighbors) });
        preferred = policy.choosePreferred(view);
        optimistic = policy.chooseOptimistic(view);
        for (const id of preferred) served.add(id);
        if (optimistic !== undefined) served.add(optimistic);
      }
      assert.deepEqual([...served].sort(), ids, 'some interested neighbour was never unchoked in 60 intervals');
    },
  },
];
