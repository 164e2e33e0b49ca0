import { expect } from 'chai';
import type { RunMetrics } from '../../../app/ab/model';
import {
  ALPHA,
  buildComparisons,
  compare,
  comparePaired,
  EXACT_MAX_PAIRS,
  EXACT_MAX_TOTAL,
  mannWhitneyU,
  METRICS,
  minimumPairedPValue,
  minimumPValue,
  pairedDifference,
  summarize,
  timeWeightedMinCopies,
  VERDICT_A,
  VERDICT_B,
  VERDICT_NO_DATA,
  VERDICT_NONE,
  wilcoxonSignedRank,
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

/** Two-sided exact signed-rank p by enumerating all 2^n sign patterns of the midranks of |d| (zeros dropped). */
function bruteForceSignedRankP(d: readonly number[]): number {
  const nz = d.filter((x) => x !== 0);
  const abs = nz.map(Math.abs);
  const ranks = midranks(abs);
  const observed = ranks.reduce((s, r, i) => s + (nz[i]! > 0 ? r : 0), 0);
  const mean = ranks.reduce((s, r) => s + r, 0) / 2;
  let extreme = 0;
  const patterns = 2 ** nz.length;
  for (let mask = 0; mask < patterns; mask++) {
    let t = 0;
    for (let i = 0; i < nz.length; i++) if (mask & (1 << i)) t += ranks[i]!;
    if (Math.abs(t - mean) >= Math.abs(observed - mean) - 1e-9) extreme++;
  }
  return extreme / patterns;
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

  describe('wilcoxonSignedRank', () => {
    it('matches R and scipy on Hollander & Wolfe\'s depression data (exact, n = 9)', () => {
      // R's ?wilcox.test example (Hollander & Wolfe 1973, p. 29): x = first visit, y = second visit.
      // wilcox.test(x, y, paired = TRUE, alternative = "greater"): V = 40, p = 0.01953;
      // scipy 1.17.1 wilcoxon(x, y, method='exact'): two-sided p = 0.0390625 (= 20/512).
      const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
      const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
      const r = wilcoxonSignedRank(x.map((v, i) => v - y[i]!));
      expect(r.method).to.equal('exact');
      expect(r.n).to.equal(9);
      expect(r.tPlus).to.equal(40);
      expect(r.pValue).to.be.closeTo(0.0390625, 1e-12);
      // Reversing the differences mirrors T+ (V = 5) and keeps the two-sided p.
      const rev = wilcoxonSignedRank(y.map((v, i) => v - x[i]!));
      expect(rev.tPlus).to.equal(5);
      expect(rev.pValue).to.be.closeTo(0.0390625, 1e-12);
    });

    it("matches scipy on Darwin's Zea mays differences (Fisher 1935), exact and normal", () => {
      // scipy.stats.wilcoxon docs example; scipy 1.17.1: method='exact' -> statistic 24, p = 0.041259765625;
      // method='approx', correction=True -> p = 0.043772323763041174.
      const d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75];
      const r = wilcoxonSignedRank(d);
      expect(r.method).to.equal('exact');
      expect(r.n * (r.n + 1) / 2 - r.tPlus).to.equal(24);
      expect(r.pValue).to.be.closeTo(0.041259765625, 1e-12);
      const normal = wilcoxonSignedRank(d, 'normal');
      expect(normal.method).to.equal('normal');
      expect(normal.pValue).to.be.closeTo(0.043772323763041174, 1e-6);
    });

    it('gives the issue\'s p = 2/64 = 0.03125 when B is lower in all 6 pairs', () => {
      // scipy 1.17.1 wilcoxon([-1.2, -0.8, -2.0, -0.5, -1.1, -0.9], method='exact'): p = 0.03125.
      const r = wilcoxonSignedRank([-1.2, -0.8, -2.0, -0.5, -1.1, -0.9]);
      expect(r.tPlus).to.equal(0);
      expect(r.pValue).to.be.closeTo(0.03125, 1e-12);
      expect(r.pValue).to.equal(minimumPairedPValue(6));
      expect(minimumPairedPValue(5)).to.equal(0.0625);
    });

    it('drops zeros and conditions on tied ranks exactly (brute-force enumeration)', () => {
      const cases = [
        [1, -1, 2, 2, -2, 3, 0, 4, 0],
        [0.5, 0.5, 0.5, -0.5, 1.5, 2, 2, -3],
        [-4, -4, 1, -2, -2, -2, 0, 5, -6, -6, 3],
        [2, 2, 2, 2],
      ];
      for (const d of cases) {
        const r = wilcoxonSignedRank(d);
        expect(r.method).to.equal('exact');
        expect(r.zeros, `${d}`).to.equal(d.filter((x) => x === 0).length);
        expect(r.pValue, `${d}`).to.be.closeTo(bruteForceSignedRankP(d), 1e-12);
      }
    });

    it('matches scipy\'s normal approximation with ties and zeros above the exact range', () => {
      // 80 rounded normal draws, 19 zeros, many ties: 61 non-zero differences.
      // scipy 1.17.1 wilcoxon(d, zero_method='wilcox', correction=True, method='approx'): p = 0.1395465121618183
      // (the same formula as R's wilcox.test(d, exact = FALSE, correct = TRUE)).
      const d = [
        5, -5, 1, -1, 0, 0, -4, 0, -1, 7, 1, 0, 0, -1, -2, 0, 1, 0, 2, 0, 1, 4, 2, -1, 0, 2, 4, 0, 0, 3, -1, 0, 2, 2, 1, 2, -5, 3, -1,
        -3, 1, 2, 0, -2, 1, 0, 3, 2, 1, 3, 0, -1, 2, 2, 0, -1, 1, -4, 2, 1, -3, 1, -1, 2, -4, -1, 2, 3, -4, 0, 1, -1, 4, -2, 1, -2, 3,
        0, 0, -3,
      ];
      const r = wilcoxonSignedRank(d);
      expect(r.n).to.equal(61);
      expect(r.n).to.be.above(EXACT_MAX_PAIRS);
      expect(r.zeros).to.equal(19);
      expect(r.method).to.equal('normal');
      expect(r.tPlus).to.equal(1149.5);
      expect(r.pValue).to.be.closeTo(0.1395465121618183, 1e-6);
    });

    it('gives p = 1 when every difference is 0', () => {
      expect(wilcoxonSignedRank([0, 0, 0]).pValue).to.equal(1);
      expect(wilcoxonSignedRank([]).pValue).to.equal(1);
    });
  });

  describe('pairedDifference', () => {
    it('is the median of the per-pair differences with a paired bootstrap interval', () => {
      // Large between-pair spread, steady +1 within pairs: the paired interval is tight around 1.
      const a = [10, 30, 50, 70, 90, 110, 130];
      const b = a.map((x, i) => x + 1 + (i % 2 === 0 ? 0.1 : -0.1));
      const d = pairedDifference(a, b, 4);
      expect(d.value).to.be.closeTo(1.1, 1e-12);
      expect(d.ci[0]).to.be.closeTo(0.9, 1e-12);
      expect(d.ci[1]).to.be.closeTo(1.1, 1e-12);
      expect(pairedDifference(a, b, 4)).to.deep.equal(d);
      expect(() => pairedDifference([1], [1, 2], 1)).to.throw(RangeError);
    });
  });

  describe('comparePaired', () => {
    it('finds the consistent within-pair difference the unpaired test misses', () => {
      // The case: B finished sooner in all 6 pairs, but pairs differ more than A from B.
      const a = [40.1, 35.2, 52.3, 44.0, 38.7, 47.9];
      const b = [39.0, 34.5, 50.9, 43.1, 37.2, 47.0];
      const paired = comparePaired('swarm completion time', 's', true, a, b, 1);
      expect(paired.test).to.equal('wilcoxon-signed-rank');
      expect(paired.testMethod).to.equal('exact');
      expect(paired.pairs).to.equal(6);
      expect(paired.pValue).to.be.closeTo(0.03125, 1e-12);
      expect(paired.verdict).to.equal(VERDICT_B);
      expect(paired.difference.value).to.be.below(0);
      const unpaired = compare('swarm completion time', 's', true, a, b, 1);
      expect(unpaired.test).to.equal('mann-whitney');
      expect(unpaired.pValue).to.be.above(ALPHA);
      // Higher is better flips the verdict, not the p.
      expect(comparePaired('x', '', false, a, b, 1).verdict).to.equal(VERDICT_A);
    });

    it('falls back to Mann-Whitney on every value when a failed run breaks a pair', () => {
      const a = [1, 2, 3, 4, 5];
      const b = [2, 3, undefined, 5, 6];
      const c = comparePaired('x', 's', true, a, b, 1);
      expect(c.test).to.equal('mann-whitney');
      expect(c.a.n).to.equal(5);
      expect(c.b.n).to.equal(4);
      expect(c.pValue).to.equal(mannWhitneyU(a, [2, 3, 5, 6]).pValue);
      // A pair lost on both sides breaks nothing: the other pairs stay paired.
      const both = comparePaired('x', 's', true, [1, undefined, 3, 4, 5], [2, undefined, 4, 5, 6], 1);
      expect(both.test).to.equal('wilcoxon-signed-rank');
      expect(both.pairs).to.equal(4);
      expect(comparePaired('x', 's', true, [undefined], [undefined], 1).test).to.equal('none');
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

    it('tests intact pairs as pairs and says which test it used', () => {
      // With the broken pair, every metric falls back to Mann-Whitney; without it, all are signed-rank tests.
      for (const c of buildComparisons(report.runs, report.seed)) expect(c.test, c.metric).to.equal('mann-whitney');
      const intact = report.runs.filter((r) => r.pair !== FAILED.pair);
      for (const c of buildComparisons(intact, report.seed)) {
        expect(c.test, c.metric).to.equal('wilcoxon-signed-rank');
        expect(c.testMethod).to.equal('exact');
        expect(c.pairs).to.equal(PAIRS - 1);
      }
    });

    it('is repeatable for a seed', () => {
      expect(buildComparisons(report.runs, 7)).to.deep.equal(buildComparisons(report.runs, 7));
    });
  });
});
