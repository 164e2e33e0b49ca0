import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import * as vm from 'node:vm';
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

  it('leaves V8\'s flags as they were: a code cache written after a scavenge is accepted by a normal start', () => {
    new Scavenger(1).allocated(1);
    const source = '(function () { return [1, 2, 3].map((x) => x * 2); })';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-scavenger-'));
    try {
      const cache = path.join(dir, 'cache.bin');
      fs.writeFileSync(cache, new vm.Script(source, { filename: 'probe.js' }).createCachedData());
      const check = `const vm = require('vm'); const s = new vm.Script(${JSON.stringify(source)}, { filename: 'probe.js', cachedData: require('fs').readFileSync(${JSON.stringify(cache)}) }); process.stdout.write(String(s.cachedDataRejected));`;
      expect(execFileSync(process.execPath, ['-e', check], { encoding: 'utf8' })).to.equal('false');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
