/**
 * The report's further tables: each metric per bandwidth class, and in a
 * mixed comparison per cohort and inside the mixed swarm. The same paired
 * statistics as the main table (comparePaired), on other groupings of peers.
 */
import { median } from 'simple-statistics';
import type { MetricComparison, PeerMetrics, ReportSection, RunMetrics } from './model';
import { comparePaired, compareMetrics, deriveSeed, MetricDefinition } from './stats';

/** A statistic of a group of leechers of one run; undefined when it has none (or none finished). */
interface GroupStat {
  readonly metric: string;
  readonly unit: string;
  readonly lowerIsBetter: boolean;
  readonly neutral?: boolean;
  readonly of: (peers: readonly PeerMetrics[]) => number | undefined;
}

/** Median download time (completion minus join) of the leechers that completed. */
export function medianDownloadSeconds(peers: readonly PeerMetrics[]): number | undefined {
  const times = peers.filter((p) => !p.seeder && p.completedMs !== undefined).map((p) => (p.completedMs! - p.joinedMs) / 1000);
  return times.length === 0 ? undefined : median(times);
}

/** Piece bytes the group uploaded over the bytes it downloaded (1 = gave as much as it got). */
export function uploadDownloadRatio(peers: readonly PeerMetrics[]): number | undefined {
  const leechers = peers.filter((p) => !p.seeder);
  const down = leechers.reduce((s, p) => s + p.bytesDown, 0);
  return down === 0 ? undefined : leechers.reduce((s, p) => s + p.bytesUp, 0) / down;
}

const GROUP_STATS: readonly GroupStat[] = [
  { metric: 'download time, median', unit: 's', lowerIsBetter: true, of: medianDownloadSeconds },
  { metric: 'uploaded / downloaded', unit: '', lowerIsBetter: false, neutral: true, of: uploadDownloadRatio },
];

function groupMetric(prefix: string, stat: GroupStat, members: (p: PeerMetrics) => boolean): MetricDefinition {
  return {
    metric: `${prefix}: ${stat.metric}`,
    unit: stat.unit,
    lowerIsBetter: stat.lowerIsBetter,
    neutral: stat.neutral,
    value: (run) => stat.of(run.peers.filter((p) => !p.seeder && members(p))),
  };
}

/** The bandwidth classes of the leechers, in order of first appearance. */
export function leecherClasses(runs: readonly RunMetrics[]): string[] {
  const seen = new Set<string>();
  for (const run of runs) for (const p of run.peers) if (!p.seeder && p.profileClass !== undefined) seen.add(p.profileClass);
  return [...seen];
}

/** Each class's download time and uploaded / downloaded ratio, A runs against B runs. */
export function classSection(runs: readonly RunMetrics[], seed: number, labels?: ReportSection['labels']): ReportSection | undefined {
  const classes = leecherClasses(runs);
  if (classes.length < 2) return undefined;
  const defs = classes.flatMap((c) => GROUP_STATS.map((s) => groupMetric(`class ${c}`, s, (p) => p.profileClass === c)));
  return {
    id: 'per-class',
    title: 'Per bandwidth class',
    ...(labels ? { labels } : {}),
    note: 'Each class of the profile on its own: the median download time of its leechers, and the piece bytes they uploaded over those they downloaded (1 = gave as much as they got).',
    comparisons: compareMetrics(runs, defs, deriveSeed(seed, 200)),
  };
}

const COHORTS: ReadonlyArray<'B' | 'A'> = ['B', 'A'];

/** Mixed comparison: each cohort in the baseline run (everyone on A) against the mixed run. */
export function cohortSection(runs: readonly RunMetrics[], seed: number): ReportSection {
  const defs = COHORTS.flatMap((g) => GROUP_STATS.map((s) => groupMetric(`${g} cohort`, s, (p) => p.cohort === g)));
  return {
    id: 'per-cohort',
    title: 'Each cohort: baseline swarm (everyone on A) vs mixed swarm',
    labels: { a: 'baseline', b: 'mixed' },
    note: 'The B cohort is the leechers that switch to B in the mixed run; the A cohort stays on A. Same peers, same seed: does the switch pay for those who switch, and what does it cost the others?',
    comparisons: compareMetrics(runs, defs, deriveSeed(seed, 300)),
  };
}

/** Mixed comparison: inside each mixed run, the A cohort's value against the B cohort's, paired by run. */
export function insideMixedSection(runs: readonly RunMetrics[], seed: number): ReportSection {
  const mixed = runs.filter((r) => r.variant === 'B');
  const pairs = runs.reduce((m, r) => Math.max(m, r.pair + 1), 0);
  const classes = leecherClasses(runs);
  const stats: Array<{ stat: GroupStat; prefix: string; in: (p: PeerMetrics) => boolean }> = [
    ...GROUP_STATS.map((stat) => ({ stat, prefix: 'all classes', in: () => true })),
    ...(classes.length < 2 ? [] : classes.map((c) => ({ stat: GROUP_STATS[0]!, prefix: `class ${c}`, in: (p: PeerMetrics) => p.profileClass === c }))),
  ];
  const comparisons: MetricComparison[] = stats.map(({ stat, prefix, in: inGroup }, i) => {
    const side = (g: 'A' | 'B'): Array<number | undefined> => {
      const out = new Array<number | undefined>(pairs).fill(undefined);
      for (const run of mixed) {
        if (!run.ok) continue;
        const v = stat.of(run.peers.filter((p) => !p.seeder && p.cohort === g && inGroup(p)));
        if (v !== undefined && Number.isFinite(v)) out[run.pair] = v;
      }
      return out;
    };
    return comparePaired(`${prefix}: ${stat.metric}`, stat.unit, stat.lowerIsBetter, side('A'), side('B'), deriveSeed(seed, 400 + i), stat.neutral);
  });
  return {
    id: 'inside-mixed',
    title: 'Inside the mixed swarm: A cohort vs B cohort',
    labels: { a: 'A cohort', b: 'B cohort' },
    note: 'The peers on A and the peers on B of the same mixed run, paired by run. The cohort is drawn per class, so each class has its share of B peers; compare within a class where classes differ in speed.',
    comparisons,
  };
}

/** Legout et al. (IMC 2006): how long the transient phase lasts, and how close the rarest piece stays to the mean after it. */
export const DIVERSITY_METRICS: readonly MetricDefinition[] = [
  { metric: 'transient phase (every piece out of the seed)', unit: 's', lowerIsBetter: true, value: (r) => (r.transientMs === undefined ? undefined : r.transientMs / 1000) },
  { metric: 'rarest / mean copies after the transient, time-averaged', unit: '', lowerIsBetter: false, value: (r) => r.rarestToMean },
];

export function diversitySection(runs: readonly RunMetrics[], seed: number, labels?: ReportSection['labels']): ReportSection {
  return {
    id: 'piece-diversity',
    title: 'Piece diversity',
    ...(labels ? { labels } : {}),
    note: 'The transient phase lasts until every piece has a copy outside the seed; after it, the copies of the rarest piece over the mean copies per piece (1 = the rarest piece is as common as the average one), averaged over time up to the last piece received.',
    comparisons: compareMetrics(runs, DIVERSITY_METRICS, deriveSeed(seed, 500)),
  };
}

/** Every further table that applies to these runs. */
export function buildSections(runs: readonly RunMetrics[], seed: number, mixed: boolean): ReportSection[] {
  const labels = mixed ? { a: 'baseline', b: 'mixed' } : undefined;
  const out: ReportSection[] = [diversitySection(runs, seed, labels)];
  const perClass = classSection(runs, seed, labels);
  if (perClass) out.push(perClass);
  if (mixed) out.push(cohortSection(runs, seed), insideMixedSection(runs, seed));
  return out;
}
