/**
 * The A/B report as one self-contained HTML page (inline CSS and SVG, no
 * scripts, no external resources: it renders offline), and report.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AbReport, MetricComparison, ReportSection } from './model';
import { availabilityChart, cdfChart, COLORS, type Label, LABELS, shareChart, shareRatios } from './report-charts';
import {
  decimalsFor,
  describeVariant,
  distinguishingSettings,
  escapeHtml,
  failedRuns,
  failureText,
  formatBytes,
  formatInterval,
  formatNumber,
  formatP,
  formatTest,
  TEST_LEGEND,
  formatSigned,
  metricLabel,
  runCounts,
  runNumber,
  smallSampleWarnings,
} from './report-format';
import { MIXED_LABELS, mixedLine } from './report-table';
import { VERDICT_A, VERDICT_B } from './stats';

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d232b;
  background: #f6f7f9; margin: 0; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
.subtitle { color: #58616c; margin: 0 0 16px; }
section.card { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 14px 18px; margin: 14px 0; }
section.card > h2 { margin-top: 0; }
.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 6px 18px; margin: 0; }
.meta div { display: flex; flex-direction: column; }
.meta div.wide { grid-column: span 2; }
.meta dt { color: #58616c; font-size: 12px; }
.meta dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 6px 10px; border-bottom: 1px solid #e6e9ed; text-align: left; vertical-align: top; }
th { font-size: 12px; color: #58616c; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td .ci { color: #6b7480; font-size: 12px; }
td.verdict { font-weight: 600; white-space: nowrap; }
td.test { white-space: nowrap; color: #4a5560; }
td.verdict.better-A { color: ${COLORS.A}; }
td.verdict.better-B { color: ${COLORS.B}; }
td.verdict.none { color: #6b7480; font-weight: 400; }
.variant-A { color: ${COLORS.A}; font-weight: 700; }
.variant-B { color: ${COLORS.B}; font-weight: 700; }
tr.differs td { background: #fff8e6; }
.warning { background: #fff4e0; border-left: 4px solid #e0a030; padding: 6px 10px; margin: 10px 0 0; }
.hint { color: #6b7480; font-size: 12px; margin: 6px 0 0; }
.failed td { color: #a61b1b; }
.ok-note { color: #2d7a3a; }
.charts figure { margin: 0 0 8px; }
.charts figcaption { color: #58616c; font-size: 12px; margin-top: 2px; }
svg.chart { width: 100%; height: auto; font: 12px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
svg.chart .grid line { stroke: #eceff2; }
svg.chart .axis line { stroke: #7b848f; }
svg.chart .axis text, svg.chart .tick { fill: #3b434d; }
svg.chart .class-label { fill: #7b848f; font-size: 11px; }
svg.chart .axis-label { fill: #1d232b; font-weight: 600; }
svg.chart .legend text { fill: #1d232b; }
svg.chart .reference { stroke: #1d232b; stroke-dasharray: 5 4; stroke-width: 1; }
svg.chart .reference-label { fill: #3b434d; font-size: 11px; }
svg.chart .no-data { fill: #6b7480; font-size: 14px; }
`;

/** Cell attributes a test (or a script scraping the page) can rely on. */
function dataAttrs(metric: string, field: string, value: number, variant?: string): string {
  const v = variant === undefined ? '' : ` data-variant="${escapeHtml(variant)}"`;
  return `data-metric="${escapeHtml(metric)}"${v} data-field="${field}" data-value="${escapeHtml(String(value))}"`;
}

function comparisonRow(c: MetricComparison): string {
  const d = decimalsFor(c);
  const summaryCell = (label: Label): string => {
    const s = label === 'A' ? c.a : c.b;
    return (
      `<td class="num" ${dataAttrs(c.metric, 'median', s.median, label)} data-ci-low="${s.ci[0]}" data-ci-high="${s.ci[1]}" data-n="${s.n}">` +
      `${formatNumber(s.median, d)} <span class="ci">${formatInterval(s.ci, d)}</span></td>`
    );
  };
  const verdictClass = c.verdict === VERDICT_A ? 'better-A' : c.verdict === VERDICT_B ? 'better-B' : 'none';
  const direction = c.neutral ? 'neither direction is better' : c.lowerIsBetter ? 'lower is better' : 'higher is better';
  return (
    `<tr data-metric="${escapeHtml(c.metric)}">` +
    `<td>${escapeHtml(metricLabel(c))}<br><span class="hint">${direction}</span></td>` +
    summaryCell('A') +
    summaryCell('B') +
    `<td class="num" ${dataAttrs(c.metric, 'difference', c.difference.value, 'B-A')} data-ci-low="${c.difference.ci[0]}" data-ci-high="${c.difference.ci[1]}">` +
    `${formatSigned(c.difference.value, d)} <span class="ci">${formatInterval(c.difference.ci, d, true)}</span></td>` +
    `<td class="num" ${dataAttrs(c.metric, 'p', c.pValue)}>${formatP(c.pValue)}</td>` +
    `<td class="test" data-metric="${escapeHtml(c.metric)}" data-field="test" data-value="${escapeHtml(c.test)}">${escapeHtml(formatTest(c))}</td>` +
    `<td class="verdict ${verdictClass}" data-metric="${escapeHtml(c.metric)}" data-field="verdict">${escapeHtml(c.verdict)}</td>` +
    '</tr>'
  );
}

function comparisonTable(report: AbReport): string {
  const rows = report.comparisons.map(comparisonRow).join('\n');
  return (
    '<table id="comparison-table">' +
    `<thead><tr><th>metric</th><th class="num">A${mixedLabel(report, 'a')} median [95% CI]</th><th class="num">B${mixedLabel(report, 'b')} median [95% CI]</th>` +
    '<th class="num">B − A [95% CI]</th><th class="num">p</th><th>test</th><th>verdict</th></tr></thead>' +
    `<tbody>\n${rows}\n</tbody></table>` +
    '<p class="hint">Medians over the successful runs of each variant; 95% percentile-bootstrap intervals ' +
    `(2000 resamples); ${escapeHtml(TEST_LEGEND)}; a verdict needs p &lt; 0.05.</p>` +
    smallSampleWarnings(report)
      .map((w) => `<p class="warning small-sample">${escapeHtml(w)}</p>`)
      .join('')
  );
}

function mixedLabel(report: AbReport, side: 'a' | 'b'): string {
  return report.bFraction === undefined ? '' : ` (${MIXED_LABELS[side]})`;
}

/** A further table (per class, per cohort): the same columns as the main one. */
function sectionCard(section: ReportSection): string {
  const label = (l: 'A' | 'B'): string => {
    const what = section.labels ? ` (${escapeHtml(l === 'A' ? section.labels.a : section.labels.b)})` : '';
    return `<span class="variant-${l}">${l}</span>${what} median [95% CI]`;
  };
  return (
    `<section class="card" id="section-${escapeHtml(section.id)}"><h2>${escapeHtml(section.title)}</h2>` +
    `<p class="hint">${escapeHtml(section.note)}</p>` +
    `<table class="comparison" data-section="${escapeHtml(section.id)}">` +
    `<thead><tr><th>metric</th><th class="num">${label('A')}</th><th class="num">${label('B')}</th>` +
    '<th class="num">B − A [95% CI]</th><th class="num">p</th><th>test</th><th>verdict</th></tr></thead>' +
    `<tbody>\n${section.comparisons.map(comparisonRow).join('\n')}\n</tbody></table></section>`
  );
}

function variantTable(report: AbReport): string {
  const keys = [...new Set([...Object.keys(report.a.settings), ...Object.keys(report.b.settings)])].sort();
  const rows = keys.map((k) => {
    const a = report.a.settings[k];
    const b = report.b.settings[k];
    const cell = (v: string | undefined): string => (v === undefined ? '<span class="hint">(default)</span>' : escapeHtml(v));
    return `<tr class="${a === b ? 'same' : 'differs'}"><td>${escapeHtml(k)}</td><td>${cell(a)}</td><td>${cell(b)}</td></tr>`;
  });
  if (rows.length === 0) rows.push('<tr><td colspan="3" class="hint">both variants use the defaults</td></tr>');
  return (
    '<table id="variant-table"><thead><tr><th>setting</th><th><span class="variant-A">A</span></th>' +
    `<th><span class="variant-B">B</span></th></tr></thead><tbody>${rows.join('')}</tbody></table>` +
    '<p class="hint">Highlighted rows are what the comparison varies.</p>'
  );
}

function failedSection(report: AbReport): string {
  const failed = failedRuns(report);
  if (failed.length === 0) return '<p id="failed-runs" class="ok-note" data-count="0">No run failed.</p>';
  const rows = failed
    .map(
      (r) =>
        `<tr class="failed" data-pair="${r.pair}" data-variant="${r.variant}"><td>run ${runNumber(r)}</td>` +
        `<td><span class="variant-${r.variant}">${r.variant}</span></td><td>${r.seed}</td><td>${escapeHtml(failureText(r))}</td></tr>`,
    )
    .join('');
  return (
    `<table id="failed-runs" data-count="${failed.length}"><thead><tr><th>run</th><th>variant</th><th>seed</th><th>failure</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>` +
    '<p class="hint">Failed runs are left out of every median, interval and test above.</p>'
  );
}

function verdictSummary(report: AbReport): string {
  const count = (v: string): number => report.comparisons.filter((c) => c.verdict === v).length;
  const total = report.comparisons.length;
  const a = count(VERDICT_A);
  const b = count(VERDICT_B);
  return (
    `<p id="verdict-summary"><span class="variant-B">B</span> better on ${b} of ${total} metrics, ` +
    `<span class="variant-A">A</span> better on ${a}, no significant difference on ${total - a - b}.</p>`
  );
}

/** The whole report as one HTML page. */
export function renderHtml(report: AbReport): string {
  const descriptions: Record<Label, string> = { A: describeVariant(report.a), B: describeVariant(report.b) };
  const legends = distinguishingSettings(report);
  const counts = runCounts(report);
  const meta: Array<[string, string]> = [
    ['mode', report.mode],
    ['peers', String(report.peers)],
    ['file size', formatBytes(report.fileSize)],
    ['piece size', formatBytes(report.pieceSize)],
    ['profile', report.profile],
    ['seed', String(report.seed)],
    ...(report.bFraction === undefined ? [] : ([['mixed', mixedLine(report)]] as Array<[string, string]>)),
    ['run pairs', String(counts.pairs)],
    ['runs ok / failed', `${counts.ok} / ${counts.failed}`],
    ['created', report.createdAt],
  ];
  const metaHtml = meta
    .map(([k, v]) => `<div${k === 'created' || k === 'mixed' ? ' class="wide"' : ''}><dt>${escapeHtml(k)}</dt><dd data-field="${escapeHtml(k)}">${escapeHtml(v)}</dd></div>`)
    .join('');
  const title = `A/B report: ${descriptions.A} vs ${descriptions.B}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>A/B comparison</h1>
<p class="subtitle"><span class="variant-A">A</span> ${escapeHtml(descriptions.A)} &nbsp;vs&nbsp; <span class="variant-B">B</span> ${escapeHtml(descriptions.B)}</p>
<section class="card" id="setup"><h2>Setup</h2><dl class="meta">${metaHtml}</dl>
${variantTable(report)}</section>
<section class="card" id="results"><h2>Results</h2>
${verdictSummary(report)}
${comparisonTable(report)}</section>
${(report.sections ?? []).map(sectionCard).join('\n')}
<section class="card charts" id="charts"><h2>Charts</h2>
<figure>${cdfChart(report, legends)}<figcaption>Further left and steeper is better: more peers finished sooner. All successful runs pooled.</figcaption></figure>
<figure>${availabilityChart(report, legends)}<figcaption>Higher is better: the rarest piece had more copies, so a departure would hurt less. One line per successful run.</figcaption></figure>
<figure>${shareChart(report, legends)}<figcaption>${shareCaption(report)}</figcaption></figure>
</section>
<section class="card" id="failures"><h2>Failed runs</h2>
${failedSection(report)}</section>
</main>
</body>
</html>
`;
}

function shareCaption(report: AbReport): string {
  const base = 'Mean over the successful runs of each variant. Even bars mean the work was shared fairly.';
  const seeders = shareRatiosSeedersText(report);
  return seeders === '' ? base : `${base} ${seeders}`;
}

function shareRatiosSeedersText(report: AbReport): string {
  // Seeders download nothing (ratio infinite), so they are listed here instead of drawn.
  const { seeders } = shareRatios(report);
  if (seeders.length === 0) return '';
  const parts = seeders.map((s) => {
    const upload = (l: Label): string => {
      const v = s.uploadBytes[l];
      return v === undefined ? 'n/a' : formatBytes(v);
    };
    return `seeder ${s.id} uploaded ${LABELS.map((l) => `${upload(l)} (${l})`).join(' vs ')}`;
  });
  return `Not drawn: ${escapeHtml(parts.join('; '))} on average.`;
}

/**
 * report.json as valid JSON: non-finite numbers (a seeder's Infinity share
 * ratio, NaN for a metric without data) are written as null.
 */
export function reportJson(report: AbReport): string {
  return JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2) + '\n';
}

/** Writes report.json and report.html into outDir (created if missing); returns their paths. */
export function writeReports(report: AbReport, outDir: string): { json: string; html: string } {
  fs.mkdirSync(outDir, { recursive: true });
  const json = path.join(outDir, 'report.json');
  const html = path.join(outDir, 'report.html');
  fs.writeFileSync(json, reportJson(report));
  fs.writeFileSync(html, renderHtml(report));
  return { json, html };
}
