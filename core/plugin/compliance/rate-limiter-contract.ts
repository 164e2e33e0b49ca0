import assert from 'node:assert/strict';
import { ContractCheck } from './compliance';

export const RATE_LIMITER_CONTRACT: readonly ContractCheck<'rate-limiter'>[] = [
  {
    name: 'lets traffic through at once when no limit is set',
    run(def, scratch) {
      const limiter = def.create(scratch.context({ seeder: false }));
      for (let i = 0; i < 100; i++) assert.equal(limiter.reserve('up', 16_384, 1000 + i), 0);
    },
  },
  {
    name: 'holds a sustained flow to the configured rate, in both directions',
    run(def, scratch) {
      for (const direction of ['up', 'down'] as const) {
        const rate = 1_000_000;
        const limiter = def.create({ ...scratch.context({ seeder: false }), limits: { upload: rate, download: rate } });
        // Send 10 MB as fast as the limiter allows; the last byte may leave no earlier than ~10 s.
        let now = 0;
        for (let sent = 0; sent < 10_000_000; sent += 16_384) now += limiter.reserve(direction, 16_384, now);
        assert.ok(now >= 9_000 && now <= 10_500, `${direction}: 10 MB at 1 MB/s took ${now} ms`);
      }
    },
  },
  {
    name: 'answers with a finite, non-negative delay',
    run(def, scratch) {
      const limiter = def.create({ ...scratch.context({ seeder: false }), limits: { upload: 50_000 } });
      for (let i = 0; i < 500; i++) {
        const wait = limiter.reserve('up', (i * 7919) % 40_000, i * 3);
        assert.ok(Number.isFinite(wait) && wait >= 0, `delay ${wait}`);
      }
    },
  },
];
