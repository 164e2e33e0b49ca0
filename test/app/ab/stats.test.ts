import { expect } from 'chai';
import type { RunMetrics } from '../../../app/ab/model';
import {
  ALPHA,
  buildComparisons,
  compare,
  EXACT_MAX_TOTAL,
  mannWhitneyU,
  METRICS,
  minimumPValue,
  summarize,
  timeWeightedMinCopies,
  VERDICT_A,
  VERDICT_B,
  VERDICT_NO_DATA,
  VERDICT_NONE,
} from '../../../app/ab/stats';
import { SeededRandom } from '../../../core/util/random';
import { FAILED, makeReport, PAIRS } from './fixture';

// ---------------------------------------------------------------- independent reference computations

/** Midrank of each value in the pooled sample, by counting (no sorting). */
function midranks(pooled: readonly number[]): number[] {
  return pooled.map((v) => {
    const less = pooled.filter((w) => w < v).length;
    const equal = pooled.filter((w) => w === v).length;
    return less + (equal + 1) / 2;
  });
}

/** Two-sided exact p by enumerating every way to pick |a| of the pooled ranks. */
function bruteForceExactP(a: readonly number[], b: readonly number[]): number {
  const ranks = midranks([...a, ...b]);
  const observed = ranks.slice(0, a.length).reduce((s, r) => s + r, 0);
  const mean = (a.length * (ranks.length + 1)) / 2;
  let extreme = 0;
  let total = 0;
  const walk = (start: number, left: number, sum: number): void => {
    if (left === 0) {
      total++;
      if (Math.abs(sum - mean) >= Math.abs(observed - mean) - 1e-9) extreme++;
      return;
    }
    for (let i = start; i <= ranks.length - left; i++) walk(i + 1, left - 1, sum + ranks[i]!);
  };
  walk(0, a.length, 0);
  return extreme / total;
}

/** Standard normal CDF by Simpson integration of the density (independent of erf approximations). */
function phi(z: number): number {
  const steps = 20000;
  const h = z / steps;
  const f = (x: number): number => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  let s = f(0) + f(z);
  for (let i = 1; i < steps; i++) s += f(i * h) * (i % 2 === 1 ? 4 : 2);
  return 0.5 + (s * h) / 3;
}

/** Normal approximation with tie correction and continuity correction, from pair counting. */
function referenceNormalP(a: readonly number[], b: readonly number[]): number {
  let u = 0;
  for (const x of a) for (const y of b) u += x > y ? 1 : x === y ? 0.5 : 0;
  const n1 = a.length;
  const n2 = b.length;
  const n = n1 + n2;
  const counts = new Map<number, number>();
  for (const v of [...a, ...b]) counts.set(v, (counts.get(v) ?? 0) + 1);
  let ties = 0;
  for (const t of counts.values()) ties += t ** 3 - t;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1))));
  const z = (Math.abs(u - (n1 * n2) / 2) - 0.5) / sigma;
  return 2 * (1 - phi(z));
}

function around(center: number, count: number, seed: number, spread = 1): number[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: count }, () => center + (rng.next() - 0.5) * 2 * spread);
}

// ---------------------------------------------------------------- tests

describe('ab/stats', () => {
  describe('summarize', () => {
    it('gives the median and a bootstrap interval that contains it', () => {
      const s = summarize([7, 1, 9, 3, 5, 2, 8, 4, 6], 1);
      expect(s.median).to.equal(5);
      expect(s.n).to.equal(9);
      expect(s.ci[0]).to.be.at.most(5);
      expect(s.ci[1]).to.be.at.least(5);
      expect(s.ci[0]).to.be.at.least(1);
      expect(s.ci[1]).to.be.at.most(9);
      expect(s.ci[0]).to.be.below(s.ci[1]);
    });

    it('covers the true median of the distribution sampled from', () => {
      // 41 draws from uniform(0, 100): true median 50.
      const s = summarize(around(50, 41, 7, 50), 3);
      expect(s.ci[0]).to.be.below(50);
      expect(s.ci[1]).to.be.above(50);
    });

    it('is repeatable for a seed', () => {
      const values = around(10, 12, 5);
      expect(summarize(values, 99)).to.deep.equal(summarize(values, 99));
    });

    it('handles one value and no values', () => {
      expect(summarize([4.5], 1)).to.deep.equal({ median: 4.5, ci: [4.5, 4.5], n: 1 });
      const empty = summarize([], 1);
      expect(empty.n).to.equal(0);
      expect(empty.median).to.be.NaN;
    });
  });

  describe('mannWhitneyU', () => {
    it('matches a hand-worked exact example (3 vs 4, no ties): p = 8/35', () => {
      // Pooled order: 1.1a 2.0b 2.3a 3.5a 4.1b 5.2b 6.0b, so A's ranks are 1, 3, 4: W = 8, U = 2.
      // Over all C(7,3) = 35 splits U counts 1,1,2,3,4,4,5,4,4,3,2,1,1 for U = 0..12 (mean 6);
      // |U - 6| >= 4 in 1+1+2 + 2+1+1 = 8 of them. (R: wilcox.test gives p = 0.2286.)
      const a = [1.1, 2.3, 3.5];
      const b = [2.0, 4.1, 5.2, 6.0];
      const r = mannWhitneyU(a, b);
      expect(r.method).to.equal('exact');
      expect(r.rankSumA).to.equal(8);
      expect(r.uA).to.equal(2);
      expect(r.pValue).to.be.closeTo(8 / 35, 1e-12);
      expect(r.pValue).to.be.closeTo(bruteForceExactP(a, b), 1e-12);
    });

    it('matches brute-force enumeration with ties', () => {
      const cases: Array<[number[], number[]]> = [
        [[1, 2, 2, 3], [2, 3, 3, 4]],
        [[5, 5, 6, 7, 7, 7], [7, 8, 8, 9, 5]],
        [[1, 1, 1, 2], [1, 2, 2, 2, 2]],
        [[0.1, 0.4, 0.4, 0.9, 1.3, 2.2, 2.2], [0.4, 1.3, 1.8, 2.2, 3.1, 3.1, 4.0, 4.5]],
      ];
      for (const [a, b] of cases) {
        expect(mannWhitneyU(a, b).pValue, `${a} vs ${b}`).to.be.closeTo(bruteForceExactP(a, b), 1e-12);
        expect(mannWhitneyU(b, a).pValue, `${b} vs ${a}`).to.be.closeTo(bruteForceExactP(b, a), 1e-12);
      }
    });

    it('uses the tie-corrected normal approximation for large samples', () => {
      const a = Array.from({ length: 25 }, (_, i) => Math.round(i / 2));
      const b = a.map((x) => x + 2);
      expect(a.length + b.length).to.be.above(EXACT_MAX_TOTAL);
      const r = mannWhitneyU(a, b);
      expect(r.method).to.equal('normal');
      const expected = referenceNormalP(a, b);
      expect(expected).to.be.within(0.01, 0.5);
      expect(r.pValue).to.be.closeTo(expected, 1e-6);
    });

    it('gives p = 1 when everything is tied', () => {
      expect(mannWhitneyU([3, 3, 3], [3, 3, 3, 3]).pValue).to.equal(1);
      expect(mannWhitneyU(Array(30).fill(2), Array(30).fill(2)).pValue).to.equal(1);
    });

    it('knows the smallest p the exact test can reach', () => {
      expect(minimumPValue(3, 4)).to.be.closeTo(2 / 35, 1e-12);
      expect(minimumPValue(4, 4)).to.be.closeTo(2 / 70, 1e-12);
      expect(minimumPValue(3, 4)).to.be.at.least(ALPHA);
      expect(minimumPValue(4, 4)).to.be.below(ALPHA);
      expect(mannWhitneyU([1, 2, 3], [4, 5, 6, 7]).pValue).to.be.closeTo(minimumPValue(3, 4), 1e-12);
    });
  });

  describe('compare', () => {
    it('finds no difference between identical samples (p = 1)', () => {
      const values = around(10, 10, 11);
      const c = compare('x', 's', true, values, values.slice(), 1);
      expect(c.pValue).to.be.closeTo(1, 1e-9);
      expect(c.verdict).to.equal(VERDICT_NONE);
      expect(c.difference.value).to.equal(0);
      expect(c.difference.ci[0]).to.be.at.most(0);
      expect(c.difference.ci[1]).to.be.at.least(0);
    });

    for (const lowerIsBetter of [true, false]) {
      it(`separates 10 values around 10 from 10 around 20 (lowerIsBetter=${lowerIsBetter})`, () => {
        const a = around(10, 10, 21);
        const b = around(20, 10, 22);
        const c = compare('x', 's', lowerIsBetter, a, b, 5);
        expect(c.pValue).to.be.below(0.01);
        expect(c.verdict).to.equal(lowerIsBetter ? VERDICT_A : VERDICT_B);
        expect(c.difference.value).to.be.within(8, 12);
        expect(c.difference.ci[0]).to.be.above(0);
        expect(c.a.ci[0]).to.be.below(c.a.median);
        expect(c.b.n).to.equal(10);
        // Swapping the samples swaps the verdict.
        const swapped = compare('x', 's', lowerIsBetter, b, a, 5);
        expect(swapped.verdict).to.equal(lowerIsBetter ? VERDICT_B : VERDICT_A);
        expect(swapped.pValue).to.be.closeTo(c.pValue, 1e-12);
      });
    }

    it('says so when a variant has no data', () => {
      const c = compare('x', 's', true, [1, 2, 3], [], 1);
      expect(c.verdict).to.equal(VERDICT_NO_DATA);
      expect(c.pValue).to.be.NaN;
    });
  });

  describe('timeWeightedMinCopies', () => {
    it('weights each value by how long it held', () => {
      const series = [
        { t: 0, minCopies: 1 },
        { t: 1000, minCopies: 2 },
        { t: 3000, minCopies: 4 },
      ];
      // 1 for 1 s, 2 for 2 s, 4 for 1 s (until the swarm was done at 4 s): 9 / 4.
      expect(timeWeightedMinCopies(series, 4000)).to.equal(2.25);
      // Without an end the last point has no duration: (1 + 4) / 3.
      expect(timeWeightedMinCopies(series)).to.be.closeTo(5 / 3, 1e-12);
      expect(timeWeightedMinCopies([...series].reverse(), 4000)).to.equal(2.25);
      expect(timeWeightedMinCopies([{ t: 5, minCopies: 3 }])).to.equal(3);
      expect(timeWeightedMinCopies([])).to.equal(undefined);
    });
  });

  describe('buildComparisons', () => {
    const report = makeReport();

    it('compares the six metrics over successful runs only', () => {
      const comparisons = buildComparisons(report.runs, report.seed);
      expect(comparisons.map((c) => c.metric)).to.deep.equal(METRICS.map((m) => m.metric));
      expect(comparisons.map((c) => c.metric)).to.deep.equal([
        'swarm completion time',
        'median peer completion time',
        "Jain's fairness index",
        'seeder upload',
        'duplicate + wasted bytes',
        'minimum piece availability, time-averaged',
      ]);
      for (const c of comparisons) {
        expect(c.a.n, c.metric).to.equal(PAIRS);
        expect(c.b.n, c.metric).to.equal(PAIRS - 1);
      }
      const byName = new Map(comparisons.map((c) => [c.metric, c]));
      expect(byName.get("Jain's fairness index")!.lowerIsBetter).to.equal(false);
      expect(byName.get('minimum piece availability, time-averaged')!.lowerIsBetter).to.equal(false);
      expect(byName.get('seeder upload')!.unit).to.equal('MiB');
    });

    it('computes each metric from the runs as documented', () => {
      const okA = report.runs.filter((r) => r.ok && r.variant === 'A');
      const comparisons = buildComparisons(report.runs, report.seed);
      const sortedMedian = (xs: number[]): number => {
        const s = xs.slice().sort((x, y) => x - y);
        const m = Math.floor(s.length / 2);
        return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
      };
      const expectMedian = (metric: string, value: (r: RunMetrics) => number): void => {
        const c = comparisons.find((x) => x.metric === metric)!;
        expect(c.a.median, metric).to.be.closeTo(sortedMedian(okA.map(value)), 1e-9);
      };
      expectMedian('swarm completion time', (r) => r.swarmDoneMs! / 1000);
      expectMedian('median peer completion time', (r) =>
        sortedMedian(r.peers.filter((p) => !p.seeder).map((p) => (p.completedMs! - p.joinedMs) / 1000)),
      );
      expectMedian("Jain's fairness index", (r) => r.fairness);
      expectMedian('seeder upload', (r) => r.seederUploadBytes / 1048576);
      expectMedian('duplicate + wasted bytes', (r) => (r.duplicateBytes + r.wastedBytes) / 1048576);
    });

    it('never counts a failed run, even one carrying numbers', () => {
      const failed = report.runs.find((r) => !r.ok)!;
      expect(failed.pair).to.equal(FAILED.pair);
      // Give the failed run absurd values: nothing may change.
      const poisoned = report.runs.map((r) =>
        r.ok ? r : { ...r, swarmDoneMs: 1e9, fairness: 0, seederUploadBytes: 1e15 },
      );
      expect(buildComparisons(poisoned, report.seed)).to.deep.equal(buildComparisons(report.runs, report.seed));
    });

    it('is repeatable for a seed', () => {
      expect(buildComparisons(report.runs, 7)).to.deep.equal(buildComparisons(report.runs, 7));
    });
  });
});
