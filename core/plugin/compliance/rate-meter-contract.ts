import assert from 'node:assert/strict';
import { SeededRandom } from '../../util/random';
import { ContractCheck } from './compliance';

export const RATE_METER_CONTRACT: readonly ContractCheck<'rate-meter'>[] = [
  {
    name: 'reports 0 for a neighbour it has not seen',
    run(def, scratch) {
      const meter = def.create(scratch.context({ seeder: false }));
      assert.equal(meter.rate(5, 'down', 1000), 0);
      assert.equal(meter.rate(5, 'up', 1000), 0);
    },
  },
  {
    name: 'ranks a neighbour that sent more bytes in the same time above one that sent fewer',
    run(def, scratch) {
      const meter = def.create(scratch.context({ seeder: false }));
      for (let t = 0; t <= 900; t += 100) {
        meter.record(1, 'down', 16_000, 10_000 + t);
        meter.record(2, 'down', 4_000, 10_000 + t);
      }
      const fast = meter.rate(1, 'down', 11_000);
      const slow = meter.rate(2, 'down', 11_000);
      assert.ok(fast > slow && slow > 0, `expected rate(1) > rate(2) > 0, got ${fast} and ${slow}`);
    },
  },
  {
    name: 'keeps directions and neighbours apart, and forgets a neighbour',
    run(def, scratch) {
      const meter = def.create(scratch.context({ seeder: false }));
      meter.record(1, 'up', 50_000, 1_000);
      assert.equal(meter.rate(1, 'down', 1_500), 0);
      assert.equal(meter.rate(2, 'up', 1_500), 0);
      assert.ok(meter.rate(1, 'up', 1_500) > 0);
      meter.forget(1);
      assert.equal(meter.rate(1, 'up', 1_500), 0);
    },
  },
  {
    name: 'gives finite, non-negative rates for any sequence of events',
    run(def, scratch) {
      const meter = def.create(scratch.context({ seeder: false }));
      const rng = new SeededRandom(29);
      let now = 0;
      for (let i = 0; i < 2_000; i++) {
        now += rng.int(300);
        const peer = rng.int(5);
        if (rng.next() < 0.05) meter.intervalEnded(now);
        else meter.record(peer, rng.next() < 0.5 ? 'down' : 'up', rng.int(20_000), now);
        const r = meter.rate(peer, 'down', now);
        assert.ok(Number.isFinite(r) && r >= 0, `rate ${r}`);
      }
    },
  },
];
