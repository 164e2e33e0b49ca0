/**
 * Text formatting shared by the terminal table and the HTML report, so both
 * show the same numbers the same way.
 */
import type { AbReport, MetricComparison, RunMetrics, Variant } from './model';
import { ALPHA, minimumPairedPValue, minimumPValue } from './stats';

const KIB = 1024;
const MIB = 1024 * 1024;
const GIB = 1024 * 1024 * 1024;

/** Decimals for the numbers of one metric row, from the size of its medians. */
export function decimalsFor(c: MetricComparison): number {
  const scale = Math.max(Math.abs(c.a.median), Math.abs(c.b.median));
  if (!Number.isFinite(scale)) return 3;
  if (scale >= 100) return 1;
  if (scale >= 10) return 2;
  if (scale >= 1) return 3;
  return 4;
}

/** A number with fixed decimals; "n/a" when it is missing (NaN or infinite). */
export function formatNumber(v: number, decimals: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const s = v.toFixed(decimals);
  // "-0.000" reads like a real sign: drop it.
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** A difference with an explicit sign. */
export function formatSigned(v: number, decimals: number): string {
  const s = formatNumber(v, decimals);
  if (s === 'n/a' || s.startsWith('-') || /^0\.?0*$/.test(s)) return s;
  return `+${s}`;
}

export function formatInterval(ci: readonly [number, number], decimals: number, signed = false): string {
  const f = signed ? formatSigned : formatNumber;
  return `[${f(ci[0], decimals)}, ${f(ci[1], decimals)}]`;
}

export function formatP(p: number): string {
  if (!Number.isFinite(p)) return 'n/a';
  if (p < 0.001) return '<0.001';
  return p.toFixed(3);
}

/** Which test produced a row's p: "signed-rank exact", "Mann-Whitney normal", or "n/a". */
export function formatTest(c: MetricComparison): string {
  const method = c.testMethod === undefined ? '' : ` ${c.testMethod}`;
  if (c.test === 'wilcoxon-signed-rank') return `signed-rank${method}`;
  if (c.test === 'mann-whitney') return `Mann-Whitney${method}`;
  return 'n/a';
}

/** How the p-values were obtained, for the report headers. */
export const TEST_LEGEND =
  'p: two-sided Wilcoxon signed-rank test of the run pairs (B-A = median of the per-pair differences, paired bootstrap), ' +
  'or Mann-Whitney U where failed runs broke pairs (B-A = difference of the medians); exact or normal approximation as shown';

export function formatBytes(bytes: number): string {
  const trim = (x: number): string => String(Number(x.toFixed(2)));
  if (bytes >= GIB) return `${trim(bytes / GIB)} GiB`;
  if (bytes >= MIB) return `${trim(bytes / MIB)} MiB`;
  if (bytes >= KIB) return `${trim(bytes / KIB)} KiB`;
  return `${bytes} B`;
}

/** "strategy=rarest-first, choke=tit-for-tat", or "(defaults)" when the variant sets nothing. */
export function describeVariant(v: Variant): string {
  const parts = Object.keys(v.settings)
    .sort()
    .map((k) => `${k}=${v.settings[k] ?? ''}`);
  return parts.length === 0 ? '(defaults)' : parts.join(', ');
}

/**
 * What tells the variants apart, for legends: only the settings whose values
 * differ ("strategy=rarest-first"); the full description when none differ.
 */
export function distinguishingSettings(report: AbReport): Record<'A' | 'B', string> {
  const keys = [...new Set([...Object.keys(report.a.settings), ...Object.keys(report.b.settings)])]
    .filter((k) => report.a.settings[k] !== report.b.settings[k])
    .sort();
  if (keys.length === 0) return { A: describeVariant(report.a), B: describeVariant(report.b) };
  const describe = (v: Variant): string => keys.map((k) => `${k}=${v.settings[k] ?? '(default)'}`).join(', ');
  return { A: describe(report.a), B: describe(report.b) };
}

/** Metric name with its unit, e.g. "swarm completion time (s)". */
export function metricLabel(c: MetricComparison): string {
  return c.unit === '' ? c.metric : `${c.metric} (${c.unit})`;
}

/** Runs are numbered from 1 for people: run N is pair N-1 in report.json. */
export function runNumber(run: RunMetrics): number {
  return run.pair + 1;
}

export function failedRuns(report: AbReport): RunMetrics[] {
  return report.runs
    .filter((r) => !r.ok)
    .slice()
    .sort((x, y) => x.pair - y.pair || x.variant.localeCompare(y.variant));
}

export function failureText(run: RunMetrics): string {
  return run.failure === undefined || run.failure === '' ? 'unknown failure' : run.failure;
}

/** "run 3 B FAILED: timeout after 120 s" */
export function failedRunLine(run: RunMetrics): string {
  return `run ${runNumber(run)} ${run.variant} FAILED: ${failureText(run)}`;
}

export function runCounts(report: AbReport): { pairs: number; ok: number; failed: number } {
  const pairs = new Set(report.runs.map((r) => r.pair)).size;
  const ok = report.runs.filter((r) => r.ok).length;
  return { pairs, ok, failed: report.runs.length - ok };
}

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Makes text safe for a terminal: control characters (escape sequences could
 * recolour or rewrite the screen) are shown as \uXXXX instead of interpreted.
 */
export function terminalSafe(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A warning when the sample sizes make significance impossible (e.g. 4 vs 3
 * successful runs: the exact test's smallest p is 2/35 = 0.057), so a reader
 * does not mistake "no significant difference" for "no difference".
 */
export function smallSampleWarnings(report: AbReport): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const c of report.comparisons) {
    const paired = c.test === 'wilcoxon-signed-rank';
    const key = paired ? `pairs ${c.pairs}` : `${c.a.n}/${c.b.n}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (paired) {
      const minP = minimumPairedPValue(c.pairs ?? 0);
      if (minP < ALPHA) continue;
      out.push(
        `With ${c.pairs ?? 0} complete run pairs the smallest possible p of the signed-rank test is ${minP.toFixed(3)}, ` +
          `so no difference can reach p < ${ALPHA}: run more pairs (at least 5, 6 or more to detect moderate differences).`,
      );
      continue;
    }
    const minP = minimumPValue(c.a.n, c.b.n);
    if (minP < ALPHA) continue;
    out.push(
      `With ${c.a.n} successful A and ${c.b.n} successful B runs the smallest possible p is ${minP.toFixed(3)}, ` +
        `so no difference can reach p < ${ALPHA}: run more pairs (at least 4 successful runs per variant, ` +
        `6 or more to detect moderate differences).`,
    );
  }
  return out;
}
