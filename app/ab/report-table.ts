/** The A/B report as a plain-text table for the terminal. */
import type { AbReport, MetricComparison, ReportSection } from './model';
import {
  decimalsFor,
  describeVariant,
  failedRunLine,
  failedRuns,
  formatBytes,
  formatInterval,
  formatNumber,
  formatP,
  formatSigned,
  formatTest,
  metricLabel,
  runCounts,
  smallSampleWarnings,
  terminalSafe,
  TEST_LEGEND,
} from './report-format';

interface Column {
  readonly title: string;
  readonly alignRight: boolean;
  readonly cell: (c: MetricComparison) => string;
}

const COLUMNS: readonly Column[] = [
  { title: 'metric', alignRight: false, cell: (c) => metricLabel(c) },
  {
    title: 'A median [95% CI]',
    alignRight: true,
    cell: (c) => `${formatNumber(c.a.median, decimalsFor(c))} ${formatInterval(c.a.ci, decimalsFor(c))}`,
  },
  {
    title: 'B median [95% CI]',
    alignRight: true,
    cell: (c) => `${formatNumber(c.b.median, decimalsFor(c))} ${formatInterval(c.b.ci, decimalsFor(c))}`,
  },
  {
    title: 'B-A [95% CI]',
    alignRight: true,
    cell: (c) =>
      `${formatSigned(c.difference.value, decimalsFor(c))} ${formatInterval(c.difference.ci, decimalsFor(c), true)}`,
  },
  { title: 'p', alignRight: true, cell: (c) => formatP(c.pValue) },
  { title: 'test', alignRight: false, cell: (c) => formatTest(c) },
  { title: 'verdict', alignRight: false, cell: (c) => c.verdict },
];

function pad(s: string, width: number, right: boolean): string {
  return right ? s.padStart(width) : s.padEnd(width);
}

/** A header, a rule and one row per comparison, columns aligned. */
function tableLines(comparisons: readonly MetricComparison[], labels?: ReportSection['labels']): string[] {
  const titles = COLUMNS.map((c) => (labels ? c.title.replace(/^A median/, `A (${labels.a}) median`).replace(/^B median/, `B (${labels.b}) median`) : c.title));
  const rows = comparisons.map((c) => COLUMNS.map((col) => terminalSafe(col.cell(c))));
  const widths = COLUMNS.map((_, i) => Math.max(titles[i]!.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => pad(cell, widths[i]!, COLUMNS[i]!.alignRight))
      .join('  ')
      .trimEnd();
  return [line(titles.map(terminalSafe)), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** In a mixed comparison the A run is the baseline swarm, the B run the mixed one. */
export const MIXED_LABELS = { a: 'baseline', b: 'mixed' } as const;

function sectionLines(section: ReportSection): string[] {
  return [terminalSafe(`${section.title}`), terminalSafe(section.note), '', ...tableLines(section.comparisons, section.labels)];
}

/** "mixed: B run = 10 of 39 leechers (B cohort) on B, the rest on A; A run = everyone on A" */
export function mixedLine(report: AbReport): string {
  const leechers = report.peers - 1;
  const cohort = report.runs.find((r) => r.peers.some((p) => p.cohort === 'B'))?.peers.filter((p) => p.cohort === 'B').length;
  const size = cohort === undefined ? `${(report.bFraction! * 100).toFixed(1)}%` : `${cohort}`;
  return `mixed (--b-fraction ${report.bFraction}): the B run has ${size} of ${leechers} leechers (the B cohort) on B and the rest on A; the A run, everyone on A`;
}

/** Header lines, one row per metric, then one line per failed run. */
export function formatTable(report: AbReport): string {
  const counts = runCounts(report);
  const lines: string[] = [
    `A/B comparison (${report.mode} mode), created ${report.createdAt}`,
    `A: ${describeVariant(report.a)}`,
    `B: ${describeVariant(report.b)}`,
    ...(report.bFraction === undefined ? [] : [mixedLine(report)]),
    `peers: ${report.peers}, file: ${formatBytes(report.fileSize)} (pieces of ${formatBytes(report.pieceSize)}), ` +
      `profile: ${report.profile}, seed: ${report.seed}`,
    `runs: ${counts.pairs} pairs, ${counts.ok} ok, ${counts.failed} failed; medians over successful runs`,
    TEST_LEGEND,
    '',
  ].map(terminalSafe);

  lines.push(...tableLines(report.comparisons, report.bFraction === undefined ? undefined : MIXED_LABELS));
  for (const section of report.sections ?? []) lines.push('', ...sectionLines(section));

  const warnings = smallSampleWarnings(report);
  if (warnings.length > 0) lines.push('', ...warnings.map((w) => terminalSafe(`note: ${w}`)));

  const failed = failedRuns(report);
  if (failed.length > 0) {
    lines.push('');
    for (const run of failed) lines.push(terminalSafe(failedRunLine(run)));
  }
  return lines.join('\n') + '\n';
}
