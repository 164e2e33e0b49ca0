import { expect } from 'chai';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { Scavenger } from '../../../core/util/scavenger';

describe('core/util/Scavenger', () => {
  it('asks V8 for a young-generation collection once `everyBytes` have been allocated since the last one', async () => {
    const minor: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor.push(e.startTime);
    });
    observer.observe({ entryTypes: ['gc'] });
    try {
      const scavenger = new Scavenger(1000);
      // Let collections already under way report first.
      await new Promise((r) => setTimeout(r, 50));
      minor.length = 0;
      scavenger.allocated(400);
      scavenger.allocated(400);
      await new Promise((r) => setTimeout(r, 50));
      const before = minor.length;
      scavenger.allocated(400); // 1200 >= 1000: one now
      await new Promise((r) => setTimeout(r, 50));
      expect(minor.length, 'a scavenge when the budget ran out').to.be.greaterThan(before);
    } finally {
      observer.disconnect();
    }
  });
});
