/**
 * Statistics of an A/B comparison: pure functions from RunMetrics to the
 * MetricComparison rows of the report.
 *
 * Run pair i of A and B shares its seed, so the design is paired: a metric is
 * compared with the Wilcoxon signed-rank test on the per-pair differences
 * B_i - A_i and a paired bootstrap interval of their median. Only when a
 * failed run leaves a value without its partner does a metric fall back to
 * the unpaired Mann-Whitney U test (and independent bootstraps); each row says
 * which test produced its p.
 *
 * From `simple-statistics` we use median, quantileSorted (R type 7),
 * sampleWithReplacement (with our seeded random source), wilcoxonRankSum (rank
 * sum with midranks for ties) and errorFunction. Written here, because the
 * library does not offer them: the bootstrap loops, the tie-corrected
 * Mann-Whitney p-value (normal approximation and the exact distribution) and
 * the time-weighted average of a step series, the Wilcoxon signed-rank test
 * (exact conditional distribution and the normal approximation) and the
 * paired bootstrap.
 */
import {
  errorFunction,
  median,
  quantileSorted,
  sampleWithReplacement,
  wilcoxonRankSum,
} from 'simple-statistics';
import { SeededRandom } from '../../core/util/random';
import type { AvailabilityPoint, MetricComparison, MetricSummary, RunMetrics } from './model';

/** Bootstrap resamples per interval. */
export const BOOTSTRAP_RESAMPLES = 2000;
/** Two-sided significance level of the verdict. */
export const ALPHA = 0.05;
/**
 * Up to this many observations in total (A plus B) the Mann-Whitney p-value
 * comes from the exact permutation distribution of the rank sum; above it from
 * the normal approximation. See mannWhitneyU.
 */
export const EXACT_MAX_TOTAL = 40;

export const VERDICT_A = 'A better';
export const VERDICT_B = 'B better';
export const VERDICT_NONE = 'no significant difference';
/** Verdicts of a neutral metric (neither direction is better, e.g. an uploaded / downloaded ratio). */
export const VERDICT_A_HIGHER = 'A higher';
export const VERDICT_B_HIGHER = 'B higher';
/** When a variant has no successful run with this metric there is nothing to test. */
export const VERDICT_NO_DATA = 'not enough data';

const MIB = 1024 * 1024;

/** A reproducible seed for a sub-computation (splitmix32-style mixing of seed and a salt). */
export function deriveSeed(seed: number, salt: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(salt >>> 0, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function randomSource(seed: number): () => number {
  const rng = new SeededRandom(seed);
  return () => rng.next();
}

/** 2.5% and 97.5% percentiles of the bootstrap statistics. */
function percentileInterval(stats: number[]): [number, number] {
  stats.sort((x, y) => x - y);
  return [quantileSorted(stats, 0.025), quantileSorted(stats, 0.975)];
}

/** Median of the values and a 95% percentile-bootstrap interval of the median. */
export function summarize(values: readonly number[], seed: number): MetricSummary {
  const n = values.length;
  if (n === 0) return { median: NaN, ci: [NaN, NaN], n: 0 };
  const data = values.slice();
  const random = randomSource(seed);
  const medians: number[] = new Array<number>(BOOTSTRAP_RESAMPLES);
  for (let i = 0; i < BOOTSTRAP_RESAMPLES; i++) {
    medians[i] = median(sampleWithReplacement(data, n, random));
  }
  return { median: median(data), ci: percentileInterval(medians), n };
}

/**
 * Median of B minus median of A, with a 95% percentile-bootstrap interval
 * (A and B resampled independently).
 */
export function medianDifference(
  a: readonly number[],
  b: readonly number[],
  seed: number,
): { value: number; ci: [number, number] } {
  if (a.length === 0 || b.length === 0) return { value: NaN, ci: [NaN, NaN] };
  const da = a.slice();
  const db = b.slice();
  const random = randomSource(seed);
  const diffs: number[] = new Array<number>(BOOTSTRAP_RESAMPLES);
  for (let i = 0; i < BOOTSTRAP_RESAMPLES; i++) {
    const ma = median(sampleWithReplacement(da, da.length, random));
    const mb = median(sampleWithReplacement(db, db.length, random));
    diffs[i] = mb - ma;
  }
  return { value: median(db) - median(da), ci: percentileInterval(diffs) };
}

/** Standard normal cumulative distribution (errorFunction is accurate to about 1e-7). */
export function normalCdf(z: number): number {
  return 0.5 * (1 + errorFunction(z / Math.SQRT2));
}

/** Sizes of the groups of equal values in the pooled sample. */
function tieGroups(pooledSorted: readonly number[]): number[] {
  const groups: number[] = [];
  let i = 0;
  while (i < pooledSorted.length) {
    let j = i + 1;
    while (j < pooledSorted.length && pooledSorted[j] === pooledSorted[i]) j++;
    groups.push(j - i);
    i = j;
  }
  return groups;
}

export interface MannWhitneyResult {
  /** U statistic of A: the number of (a, b) pairs with a > b, ties counting one half. */
  readonly uA: number;
  /** Rank sum of A in the pooled sample (midranks for ties). */
  readonly rankSumA: number;
  /** Two-sided p-value. */
  readonly pValue: number;
  readonly method: 'exact' | 'normal';
}

/**
 * Two-sided Mann-Whitney U (Wilcoxon rank-sum) test of A vs B.
 *
 * - Small samples (nA + nB <= EXACT_MAX_TOTAL): the exact permutation
 *   distribution of A's rank sum, conditional on the observed ties (midranks),
 *   counted by dynamic programming over all C(nA+nB, nA) ways to split the
 *   pooled ranks; p = P(|W - E W| >= |w - E W|). Exact and deterministic, so
 *   no seed is needed and ties are handled without approximation.
 * - Larger samples: the normal approximation with the tie-corrected variance
 *   nA nB / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1))) and a continuity
 *   correction of 1/2.
 *
 * All values tied (or an identical pair of samples) gives p = 1.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const nA = a.length;
  const nB = b.length;
  if (nA === 0 || nB === 0) throw new RangeError('Mann-Whitney U needs at least one value in each sample');
  const n = nA + nB;
  const rankSumA = wilcoxonRankSum(a, b);
  const uA = rankSumA - (nA * (nA + 1)) / 2;
  const pooled = a.concat(b).sort((x, y) => x - y);
  const groups = tieGroups(pooled);
  if (n <= EXACT_MAX_TOTAL) {
    return { uA, rankSumA, pValue: exactRankSumP(groups, nA, rankSumA), method: 'exact' };
  }
  const meanU = (nA * nB) / 2;
  const tieTerm = groups.reduce((s, t) => s + (t * t * t - t), 0) / (n * (n - 1));
  const variance = ((nA * nB) / 12) * (n + 1 - tieTerm);
  if (variance <= 0) return { uA, rankSumA, pValue: 1, method: 'normal' };
  const z = Math.max(0, Math.abs(uA - meanU) - 0.5) / Math.sqrt(variance);
  return { uA, rankSumA, pValue: Math.min(1, 2 * (1 - normalCdf(z))), method: 'normal' };
}

/**
 * Exact two-sided p-value of a rank sum. Doubled midranks are integers, so the
 * distribution of 2W over all subsets of size nA is counted exactly:
 * count[k][s] = number of ways to choose k of the ranks seen so far with doubled sum s.
 */
function exactRankSumP(groups: readonly number[], nA: number, rankSumA: number): number {
  const doubled: number[] = [];
  let start = 1;
  for (const t of groups) {
    const twiceMidrank = 2 * start + t - 1; // 2 * (start + (start + t - 1)) / 2
    for (let i = 0; i < t; i++) doubled.push(twiceMidrank);
    start += t;
  }
  const n = doubled.length;
  const maxSum = doubled.reduce((s, r) => s + r, 0);
  // count[k * (maxSum + 1) + s]; floats hold the counts exactly up to 2^53 (C(40, 20) ~ 1.4e11).
  const width = maxSum + 1;
  const count = new Float64Array((nA + 1) * width);
  count[0] = 1;
  for (let i = 0; i < n; i++) {
    const r = doubled[i]!;
    for (let k = Math.min(i + 1, nA); k >= 1; k--) {
      const row = k * width;
      const prev = (k - 1) * width;
      for (let s = maxSum; s >= r; s--) {
        const c = count[prev + s - r]!;
        if (c !== 0) count[row + s] = count[row + s]! + c;
      }
    }
  }
  // E[2W] = nA * (N + 1); compare doubled deviations, all integers.
  const twiceMean = nA * (n + 1);
  const observed = Math.abs(Math.round(2 * rankSumA) - twiceMean);
  let extreme = 0;
  let total = 0;
  const row = nA * width;
  for (let s = 0; s <= maxSum; s++) {
    const c = count[row + s]!;
    if (c === 0) continue;
    total += c;
    if (Math.abs(s - twiceMean) >= observed) extreme += c;
  }
  return Math.min(1, extreme / total);
}

/**
 * The smallest two-sided p-value the test can give for these sample sizes
 * (no ties): 2 / C(nA + nB, nA) in the exact range. At or above ALPHA no
 * difference can ever be declared, so the report says to run more pairs.
 * Above the exact range it is taken as 0 (the normal approximation can get
 * as small as needed).
 */
export function minimumPValue(nA: number, nB: number): number {
  if (nA === 0 || nB === 0) return 1;
  if (nA + nB > EXACT_MAX_TOTAL) return 0;
  let c = 1;
  for (let i = 1; i <= nA; i++) c = (c * (nB + i)) / i;
  return Math.min(1, 2 / c);
}

/** Compares one metric between the A and B runs. */
export function compare(
  metric: string,
  unit: string,
  lowerIsBetter: boolean,
  a: readonly number[],
  b: readonly number[],
  seed: number,
  neutral = false,
): MetricComparison {
  const summaryA = summarize(a, deriveSeed(seed, 1));
  const summaryB = summarize(b, deriveSeed(seed, 2));
  const difference = medianDifference(a, b, deriveSeed(seed, 3));
  if (a.length === 0 || b.length === 0) {
    return { metric, unit, lowerIsBetter, ...neutrality(neutral), a: summaryA, b: summaryB, difference, pValue: NaN, verdict: VERDICT_NO_DATA, test: 'none' };
  }
  const test = mannWhitneyU(a, b);
  // Direction from the test itself: U of A above its mean means A's values tend to be larger.
  const verdict = verdictOf(test.pValue, test.uA > (a.length * b.length) / 2, test.uA < (a.length * b.length) / 2, lowerIsBetter, neutral);
  return { metric, unit, lowerIsBetter, ...neutrality(neutral), a: summaryA, b: summaryB, difference, pValue: test.pValue, verdict, test: 'mann-whitney', testMethod: test.method };
}

function neutrality(neutral: boolean): { neutral?: true } {
  return neutral ? { neutral: true } : {};
}

function verdictOf(pValue: number, aLarger: boolean, bLarger: boolean, lowerIsBetter: boolean, neutral = false): string {
  if (!(pValue < ALPHA) || aLarger === bLarger) return VERDICT_NONE;
  if (neutral) return aLarger ? VERDICT_A_HIGHER : VERDICT_B_HIGHER;
  const aBetter = lowerIsBetter ? !aLarger : aLarger;
  return aBetter ? VERDICT_A : VERDICT_B;
}

// ---------------------------------------------------------------- paired analysis

/**
 * Up to this many non-zero differences the signed-rank p-value comes from the
 * exact distribution (2^50 sign patterns still count exactly in a double);
 * above it from the normal approximation. The same cut as scipy's 'auto'.
 */
export const EXACT_MAX_PAIRS = 50;

export interface SignedRankResult {
  /** Differences that are not 0: the test's sample size. */
  readonly n: number;
  /** Differences that are exactly 0, dropped (Wilcoxon's method, R's and scipy's default). */
  readonly zeros: number;
  /** Sum of the (mid)ranks of |d| over the positive differences (R's V). */
  readonly tPlus: number;
  /** Two-sided p-value. */
  readonly pValue: number;
  readonly method: 'exact' | 'normal';
}

/**
 * Two-sided Wilcoxon signed-rank test of the differences `d` (B_i - A_i)
 * against a distribution symmetric about 0.
 *
 * Zeros are dropped; the absolute values of the rest are ranked with
 * midranks for ties.
 * - n <= EXACT_MAX_PAIRS: the exact distribution of T+ under the 2^n equally
 *   likely sign patterns, conditional on the observed (mid)ranks, counted by
 *   dynamic programming over doubled ranks (integers even with ties);
 *   p = P(|T+ - E T+| >= |t - E T+|). Without ties this is the classical
 *   exact test (R's exact = TRUE, scipy's method = 'exact').
 * - larger n: the normal approximation with variance
 *   n(n+1)(2n+1)/24 - sum(t^3 - t)/48 and a continuity correction of 1/2,
 *   exactly as R's wilcox.test(paired = TRUE, exact = FALSE, correct = TRUE).
 *
 * `method` forces one branch (for checks against reference values).
 * No non-zero difference gives p = 1.
 */
export function wilcoxonSignedRank(d: readonly number[], method: 'auto' | 'exact' | 'normal' = 'auto'): SignedRankResult {
  const nonZero = d.filter((x) => x !== 0);
  if (nonZero.some((x) => !Number.isFinite(x))) throw new RangeError('the signed-rank test needs finite differences');
  const n = nonZero.length;
  const zeros = d.length - n;
  if (n === 0) return { n, zeros, tPlus: 0, pValue: 1, method: 'exact' };
  const order = nonZero.map((x, i) => ({ abs: Math.abs(x), positive: x > 0, i })).sort((p, q) => p.abs - q.abs);
  // Doubled midranks: a group of t tied values starting at rank r gets 2r + t - 1.
  const doubled = new Array<number>(n);
  const groups: number[] = [];
  let tPlusDoubled = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && order[j]!.abs === order[i]!.abs) j++;
    const twice = 2 * (i + 1) + (j - i) - 1;
    for (let k = i; k < j; k++) {
      doubled[k] = twice;
      if (order[k]!.positive) tPlusDoubled += twice;
    }
    groups.push(j - i);
    i = j;
  }
  const tPlus = tPlusDoubled / 2;
  if (method === 'exact' || (method === 'auto' && n <= EXACT_MAX_PAIRS)) {
    const maxSum = doubled.reduce((s, r) => s + r, 0);
    const count = new Float64Array(maxSum + 1);
    count[0] = 1;
    for (const r of doubled) for (let s = maxSum; s >= r; s--) count[s] = count[s]! + count[s - r]!;
    // E[2T+] = maxSum / 2; compare doubled deviations from it, doubled again to stay in integers.
    const observed = Math.abs(2 * tPlusDoubled - maxSum);
    let extreme = 0;
    let total = 0;
    for (let s = 0; s <= maxSum; s++) {
      const c = count[s]!;
      if (c === 0) continue;
      total += c;
      if (Math.abs(2 * s - maxSum) >= observed) extreme += c;
    }
    return { n, zeros, tPlus, pValue: Math.min(1, extreme / total), method: 'exact' };
  }
  const mean = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - groups.reduce((s, t) => s + (t * t * t - t), 0) / 48;
  if (variance <= 0) return { n, zeros, tPlus, pValue: 1, method: 'normal' };
  // R: z = (V - mean - sign(V - mean) / 2) / sd, p = 2 min(P(Z <= z), P(Z >= z)).
  const z = (tPlus - mean - Math.sign(tPlus - mean) * 0.5) / Math.sqrt(variance);
  return { n, zeros, tPlus, pValue: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))), method: 'normal' };
}

/** The smallest two-sided p the exact signed-rank test can give for n pairs (no zeros, no ties): 2 / 2^n. */
export function minimumPairedPValue(pairs: number): number {
  if (pairs <= 0) return 1;
  if (pairs > EXACT_MAX_PAIRS) return 0;
  return Math.min(1, 2 / 2 ** pairs);
}

/**
 * Median of the per-pair differences b_i - a_i, with a 95% percentile
 * interval from a paired bootstrap (whole pairs resampled, so the
 * correlation within a pair is kept).
 */
export function pairedDifference(a: readonly number[], b: readonly number[], seed: number): { value: number; ci: [number, number] } {
  if (a.length !== b.length) throw new RangeError(`paired samples differ in length (${a.length} vs ${b.length})`);
  if (a.length === 0) return { value: NaN, ci: [NaN, NaN] };
  const diffs = b.map((x, i) => x - a[i]!);
  const random = randomSource(seed);
  const stats: number[] = new Array<number>(BOOTSTRAP_RESAMPLES);
  for (let i = 0; i < BOOTSTRAP_RESAMPLES; i++) stats[i] = median(sampleWithReplacement(diffs, diffs.length, random));
  return { value: median(diffs), ci: percentileInterval(stats) };
}

/**
 * Compares one metric between paired runs: `a[i]` and `b[i]` are the values
 * of run pair i (undefined where the run failed or has no value). With every
 * value paired, the Wilcoxon signed-rank test and a paired bootstrap; when a
 * failed run broke a pair, the unpaired comparison of every value there is.
 */
export function comparePaired(
  metric: string,
  unit: string,
  lowerIsBetter: boolean,
  a: ReadonlyArray<number | undefined>,
  b: ReadonlyArray<number | undefined>,
  seed: number,
  neutral = false,
): MetricComparison {
  const present = (xs: ReadonlyArray<number | undefined>): number[] => xs.filter((x): x is number => x !== undefined);
  const length = Math.max(a.length, b.length);
  const broken = Array.from({ length }, (_, i) => (a[i] === undefined) !== (b[i] === undefined)).some(Boolean);
  const va = present(a);
  const vb = present(b);
  if (broken || va.length === 0) return compare(metric, unit, lowerIsBetter, va, vb, seed, neutral);
  const summaryA = summarize(va, deriveSeed(seed, 1));
  const summaryB = summarize(vb, deriveSeed(seed, 2));
  const difference = pairedDifference(va, vb, deriveSeed(seed, 3));
  const test = wilcoxonSignedRank(vb.map((x, i) => x - va[i]!));
  // T+ above its mean: the positive differences (B larger) outweigh the negative ones.
  const mean = (test.n * (test.n + 1)) / 4;
  const verdict = verdictOf(test.pValue, test.tPlus < mean, test.tPlus > mean, lowerIsBetter, neutral);
  return {
    metric,
    unit,
    lowerIsBetter,
    ...neutrality(neutral),
    a: summaryA,
    b: summaryB,
    difference,
    pValue: test.pValue,
    verdict,
    test: 'wilcoxon-signed-rank',
    testMethod: test.method,
    pairs: va.length,
  };
}

/**
 * Time-weighted average of a step series (each value holds from its t until
 * the next point's t; the last one until `endMs` if that is later). A series
 * with no duration averages its values plainly; an empty one is undefined.
 */
export function timeWeightedMinCopies(
  series: readonly AvailabilityPoint[],
  endMs?: number,
): number | undefined {
  if (series.length === 0) return undefined;
  const points = series.slice().sort((p, q) => p.t - q.t);
  const last = points[points.length - 1]!;
  const end = endMs !== undefined && endMs > last.t ? endMs : last.t;
  let area = 0;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const next = i + 1 < points.length ? points[i + 1]!.t : end;
    area += p.minCopies * (next - p.t);
  }
  const duration = end - points[0]!.t;
  if (duration <= 0) return points.reduce((s, p) => s + p.minCopies, 0) / points.length;
  return area / duration;
}

/** Per-peer completion times in seconds (completedMs - joinedMs) of the leechers that completed. */
export function peerCompletionSeconds(run: RunMetrics): number[] {
  const out: number[] = [];
  for (const p of run.peers) {
    if (!p.seeder && p.completedMs !== undefined) out.push((p.completedMs - p.joinedMs) / 1000);
  }
  return out;
}

/** One metric of the report: its name, unit, direction and how to read it off a run. */
export interface MetricDefinition {
  readonly metric: string;
  readonly unit: string;
  readonly lowerIsBetter: boolean;
  /** Neither direction is better: the verdict says which variant is higher. */
  readonly neutral?: boolean;
  /** The run's value, or undefined when the run does not have one. */
  readonly value: (run: RunMetrics) => number | undefined;
}

export const METRICS: readonly MetricDefinition[] = [
  {
    metric: 'swarm completion time',
    unit: 's',
    lowerIsBetter: true,
    value: (r) => (r.swarmDoneMs === undefined ? undefined : r.swarmDoneMs / 1000),
  },
  {
    metric: 'median peer completion time',
    unit: 's',
    lowerIsBetter: true,
    value: (r) => {
      const times = peerCompletionSeconds(r);
      return times.length === 0 ? undefined : median(times);
    },
  },
  { metric: "Jain's fairness index", unit: '', lowerIsBetter: false, value: (r) => r.fairness },
  { metric: 'seeder upload', unit: 'MiB', lowerIsBetter: true, value: (r) => r.seederUploadBytes / MIB },
  {
    metric: 'duplicate + wasted bytes',
    unit: 'MiB',
    lowerIsBetter: true,
    value: (r) => (r.duplicateBytes + r.wastedBytes) / MIB,
  },
  {
    metric: 'minimum piece availability, time-averaged',
    unit: 'copies',
    lowerIsBetter: false,
    value: (r) => timeWeightedMinCopies(r.availability, r.swarmDoneMs),
  },
];

/** The values of one metric over the successful runs of one variant. */
export function metricValues(runs: readonly RunMetrics[], variant: 'A' | 'B', def: MetricDefinition): number[] {
  const out: number[] = [];
  for (const run of runs) {
    if (!run.ok || run.variant !== variant) continue;
    const v = def.value(run);
    if (v !== undefined && Number.isFinite(v)) out.push(v);
  }
  return out;
}

/** The values of one metric by run pair: index = pair, undefined where the run failed or has no value. */
export function pairedMetricValues(runs: readonly RunMetrics[], def: MetricDefinition): Record<'A' | 'B', Array<number | undefined>> {
  const pairs = runs.reduce((m, r) => Math.max(m, r.pair + 1), 0);
  const out = { A: new Array<number | undefined>(pairs).fill(undefined), B: new Array<number | undefined>(pairs).fill(undefined) };
  for (const run of runs) {
    if (!run.ok) continue;
    const v = def.value(run);
    if (v !== undefined && Number.isFinite(v)) out[run.variant][run.pair] = v;
  }
  return out;
}

/** Compares every metric of `defs` between the A and B runs, pair by pair. Failed runs are never counted. */
export function compareMetrics(runs: readonly RunMetrics[], defs: readonly MetricDefinition[], seed: number): MetricComparison[] {
  return defs.map((def, i) => {
    const values = pairedMetricValues(runs, def);
    return comparePaired(def.metric, def.unit, def.lowerIsBetter, values.A, values.B, deriveSeed(seed, 100 + i), def.neutral);
  });
}

/** All metric comparisons of a report. Failed runs are never counted. */
export function buildComparisons(runs: readonly RunMetrics[], seed: number): MetricComparison[] {
  return compareMetrics(runs, METRICS, seed);
}
