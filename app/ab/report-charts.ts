/**
 * The charts of the HTML report as inline SVG strings (no scripts, no external
 * resources): completion-time CDF, piece availability over time and share
 * ratio per peer. The data functions are exported separately so tests can
 * check what is drawn against what the report holds.
 */
import type { AbReport, RunMetrics } from './model';
import { escapeHtml } from './report-format';
import { peerCompletionSeconds } from './stats';

export type Label = 'A' | 'B';
export const LABELS: readonly Label[] = ['A', 'B'];
/** Colour-blind-safe pair (Okabe-Ito blue and vermillion). */
export const COLORS: Readonly<Record<Label, string>> = { A: '#0072B2', B: '#D55E00' };

const WIDTH = 760;
const HEIGHT = 360;
const MARGIN = { top: 44, right: 24, bottom: 56, left: 64 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

function successful(report: AbReport, label: Label): RunMetrics[] {
  return report.runs.filter((r) => r.ok && r.variant === label).sort((x, y) => x.pair - y.pair);
}

// ---------------------------------------------------------------- data

/** Per-peer completion times (s) of all successful runs of each variant, pooled and sorted. */
export function completionTimes(report: AbReport): Record<Label, number[]> {
  const out: Record<Label, number[]> = { A: [], B: [] };
  for (const label of LABELS) {
    for (const run of successful(report, label)) out[label].push(...peerCompletionSeconds(run));
    out[label].sort((x, y) => x - y);
  }
  return out;
}

export interface AvailabilitySeries {
  readonly label: Label;
  readonly pair: number;
  /** (seconds, minCopies), sorted by time. */
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** Where the last value is held until (the swarm's completion), in seconds. */
  readonly endS: number;
}

/** One availability series per successful run that has one. */
export function availabilitySeries(report: AbReport): AvailabilitySeries[] {
  const out: AvailabilitySeries[] = [];
  for (const label of LABELS) {
    for (const run of successful(report, label)) {
      if (run.availability.length === 0) continue;
      const points = run.availability
        .slice()
        .sort((p, q) => p.t - q.t)
        .map((p) => [p.t / 1000, p.minCopies] as const);
      const lastT = points[points.length - 1]![0];
      const endS = run.swarmDoneMs !== undefined ? Math.max(lastT, run.swarmDoneMs / 1000) : lastT;
      out.push({ label, pair: run.pair, points, endS });
    }
  }
  return out;
}

export interface PeerShare {
  readonly id: number;
  readonly profileClass?: string;
  /** Mean share ratio over the successful runs of each variant; undefined if the peer had none. */
  readonly ratio: Readonly<Record<Label, number | undefined>>;
}

export interface ShareData {
  readonly leechers: readonly PeerShare[];
  /** Seeders (share ratio infinite), with their mean upload in bytes per variant. */
  readonly seeders: ReadonlyArray<{ readonly id: number; readonly uploadBytes: Readonly<Record<Label, number | undefined>> }>;
}

function mean(xs: readonly number[]): number | undefined {
  return xs.length === 0 ? undefined : xs.reduce((s, x) => s + x, 0) / xs.length;
}

/**
 * Share ratio (bytes up / bytes down) per leecher, averaged over the successful
 * runs of each variant. A peer that is a seeder in any run is listed with the
 * seeders instead (its ratio is infinite).
 */
export function shareRatios(report: AbReport): ShareData {
  const seederIds = new Set<number>();
  const classes = new Map<number, string | undefined>();
  for (const run of report.runs) {
    for (const p of run.peers) {
      if (p.seeder) seederIds.add(p.id);
      if (!classes.has(p.id) || classes.get(p.id) === undefined) classes.set(p.id, p.profileClass);
    }
  }
  const ratios = new Map<number, Record<Label, number[]>>();
  const uploads = new Map<number, Record<Label, number[]>>();
  for (const label of LABELS) {
    for (const run of successful(report, label)) {
      for (const p of run.peers) {
        const into = seederIds.has(p.id) ? uploads : ratios;
        const value = seederIds.has(p.id) ? p.bytesUp : p.shareRatio;
        if (!Number.isFinite(value)) continue;
        let entry = into.get(p.id);
        if (entry === undefined) {
          entry = { A: [], B: [] };
          into.set(p.id, entry);
        }
        entry[label].push(value);
      }
    }
  }
  const byId = (x: number, y: number): number => x - y;
  const leechers = [...ratios.keys()].sort(byId).map((id): PeerShare => {
    const r = ratios.get(id)!;
    const profileClass = classes.get(id);
    const ratio = { A: mean(r.A), B: mean(r.B) };
    return profileClass === undefined ? { id, ratio } : { id, profileClass, ratio };
  });
  const seeders = [...seederIds].sort(byId).map((id) => {
    const u = uploads.get(id) ?? { A: [], B: [] };
    return { id, uploadBytes: { A: mean(u.A), B: mean(u.B) } };
  });
  return { leechers, seeders };
}

// ---------------------------------------------------------------- drawing helpers

/** Rounds for SVG coordinates (keeps the markup short). */
function r2(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** About `count` evenly spaced round tick values (steps of 1, 2 or 5 times a power of ten) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 6): number[] {
  if (!(max > min)) max = min + 1;
  const raw = (max - min) / Math.max(1, count - 1);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v <= max + step * 0.999; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

/** Ticks 0, step, 2 step, ... reaching at least max, with a whole step of 1, 2 or 5 times a power of ten, at most 7 ticks. */
export function integerTicks(max: number): number[] {
  let step = 1;
  for (let power = 1; Math.ceil(max / step) > 6; power *= 10) {
    step = [1, 2, 5, 10].map((m) => m * power).find((s) => Math.ceil(max / s) <= 6) ?? 10 * power;
  }
  const ticks: number[] = [];
  for (let v = 0; v < max + step; v += step) {
    ticks.push(v);
    if (v >= max) break;
  }
  return ticks;
}

function tickText(v: number): string {
  return String(Number(v.toFixed(6)));
}

interface Scale {
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly number[];
  readonly px: (v: number) => number;
}

function xScale(ticks: readonly number[]): Scale {
  const min = ticks[0]!;
  const max = ticks[ticks.length - 1]!;
  return { min, max, ticks, px: (v) => MARGIN.left + ((v - min) / (max - min)) * PLOT_W };
}

function yScale(ticks: readonly number[]): Scale {
  const min = ticks[0]!;
  const max = ticks[ticks.length - 1]!;
  return { min, max, ticks, px: (v) => MARGIN.top + PLOT_H - ((v - min) / (max - min)) * PLOT_H };
}

function axes(x: Scale | null, y: Scale, xLabel: string, yLabel: string, yFormat: (v: number) => string): string {
  const parts: string[] = [];
  const bottom = MARGIN.top + PLOT_H;
  const right = MARGIN.left + PLOT_W;
  parts.push('<g class="grid">');
  for (const t of y.ticks) {
    parts.push(`<line x1="${MARGIN.left}" x2="${right}" y1="${r2(y.px(t))}" y2="${r2(y.px(t))}"/>`);
  }
  if (x !== null) {
    for (const t of x.ticks) parts.push(`<line x1="${r2(x.px(t))}" x2="${r2(x.px(t))}" y1="${MARGIN.top}" y2="${bottom}"/>`);
  }
  parts.push('</g>');
  parts.push('<g class="axis y-axis">');
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${bottom}"/>`);
  for (const t of y.ticks) {
    parts.push(`<text x="${MARGIN.left - 8}" y="${r2(y.px(t) + 4)}" text-anchor="end">${escapeHtml(yFormat(t))}</text>`);
  }
  const midY = MARGIN.top + PLOT_H / 2;
  parts.push(
    `<text class="axis-label" x="16" y="${midY}" text-anchor="middle" transform="rotate(-90 16 ${midY})">${escapeHtml(yLabel)}</text>`,
  );
  parts.push('</g>');
  parts.push('<g class="axis x-axis">');
  parts.push(`<line x1="${MARGIN.left}" x2="${right}" y1="${bottom}" y2="${bottom}"/>`);
  if (x !== null) {
    for (const t of x.ticks) {
      parts.push(`<text x="${r2(x.px(t))}" y="${bottom + 18}" text-anchor="middle">${escapeHtml(tickText(t))}</text>`);
    }
  }
  parts.push(
    `<text class="axis-label" x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 10}" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
  );
  parts.push('</g>');
  return parts.join('');
}

/** Legend in the top margin: a swatch and a label per entry. */
function legend(entries: ReadonlyArray<{ label: Label; text: string }>, swatch: 'line' | 'box'): string {
  const parts: string[] = ['<g class="legend">'];
  let x = MARGIN.left;
  const y = 18;
  for (const e of entries) {
    const mark =
      swatch === 'line'
        ? `<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${COLORS[e.label]}" stroke-width="3"/>`
        : `<rect x="${x + 5}" y="${y - 6}" width="12" height="12" fill="${COLORS[e.label]}"/>`;
    parts.push(`<g class="legend-item" data-variant="${e.label}">${mark}`);
    parts.push(`<text x="${x + 28}" y="${y + 4}">${escapeHtml(e.text)}</text></g>`);
    // Roughly 6.6 px per character at 12 px; good enough to keep entries apart.
    x += 28 + Math.ceil(e.text.length * 6.6) + 24;
  }
  parts.push('</g>');
  return parts.join('');
}

function svgOpen(id: string, title: string, desc: string): string {
  return (
    `<svg id="${id}" class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" ` +
    `role="img" aria-labelledby="${id}-title ${id}-desc" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="${id}-title">${escapeHtml(title)}</title><desc id="${id}-desc">${escapeHtml(desc)}</desc>`
  );
}

function noData(id: string, title: string, message: string): string {
  return (
    svgOpen(id, title, message) +
    `<text class="no-data" x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">${escapeHtml(message)}</text></svg>`
  );
}

/** Short text for a legend; the full description goes in the page's variant table. */
function shortLabel(label: Label, description: string): string {
  const max = 38;
  const d = description.length > max ? `${description.slice(0, max - 1)}…` : description;
  return `${label}: ${d}`;
}

// ---------------------------------------------------------------- charts

/** (a) Empirical CDF of per-peer completion times, one step line per variant. */
export function cdfChart(report: AbReport, descriptions: Readonly<Record<Label, string>>): string {
  const id = 'cdf-chart';
  const title = 'Peer completion times (CDF)';
  const times = completionTimes(report);
  const all = [...times.A, ...times.B];
  if (all.length === 0) return noData(id, title, 'No completed peers in successful runs.');
  const x = xScale(niceTicks(0, Math.max(...all)));
  const y = yScale([0, 0.25, 0.5, 0.75, 1]);
  const parts = [svgOpen(id, title, 'Fraction of peers done within a given time after joining, per variant.')];
  parts.push(axes(x, y, 'seconds from joining until the file was complete', 'share of peers complete', (v) => `${Math.round(v * 100)}%`));
  for (const label of LABELS) {
    const t = times[label];
    if (t.length === 0) continue;
    const n = t.length;
    let d = `M${r2(x.px(t[0]!))},${r2(y.px(0))}`;
    for (let i = 0; i < n; i++) {
      d += `H${r2(x.px(t[i]!))}V${r2(y.px((i + 1) / n))}`;
    }
    d += `H${r2(x.px(x.max))}`;
    parts.push(
      `<path class="series cdf-series" data-variant="${label}" data-count="${n}" d="${d}" fill="none" ` +
        `stroke="${COLORS[label]}" stroke-width="2.5"><title>${label}: ${n} peers</title></path>`,
    );
  }
  parts.push(
    legend(
      LABELS.map((l) => ({ label: l, text: `${shortLabel(l, descriptions[l])} (${times[l].length} peers)` })),
      'line',
    ),
  );
  parts.push('</svg>');
  return parts.join('');
}

/** (b) Minimum piece availability over time, one thin step line per successful run. */
export function availabilityChart(report: AbReport, descriptions: Readonly<Record<Label, string>>): string {
  const id = 'availability-chart';
  const title = 'Minimum piece availability over time';
  const series = availabilitySeries(report);
  if (series.length === 0) return noData(id, title, 'No availability data in successful runs.');
  const maxT = Math.max(...series.map((s) => s.endS));
  const maxC = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[1])));
  const x = xScale(niceTicks(0, maxT));
  // Copies are whole numbers; one copy of headroom so a line at the maximum does not run along the top edge.
  const y = yScale(integerTicks(maxC + 1));
  const parts = [svgOpen(id, title, 'Copies of the rarest piece among joined peers, one line per run.')];
  parts.push(axes(x, y, 'seconds since the swarm started', 'copies of the rarest piece', tickText));
  for (const s of series) {
    const [t0, c0] = s.points[0]!;
    let d = `M${r2(x.px(t0))},${r2(y.px(c0))}`;
    for (let i = 1; i < s.points.length; i++) {
      const [t, c] = s.points[i]!;
      d += `H${r2(x.px(t))}V${r2(y.px(c))}`;
    }
    d += `H${r2(x.px(s.endS))}`;
    parts.push(
      `<path class="series availability-series" data-variant="${s.label}" data-pair="${s.pair}" d="${d}" fill="none" ` +
        `stroke="${COLORS[s.label]}" stroke-width="1.4" stroke-opacity="0.75"><title>run ${s.pair + 1} ${s.label}</title></path>`,
    );
  }
  const runsOf = (l: Label): number => series.filter((s) => s.label === l).length;
  parts.push(
    legend(
      LABELS.map((l) => ({ label: l, text: `${shortLabel(l, descriptions[l])} (${runsOf(l)} runs)` })),
      'line',
    ),
  );
  parts.push('</svg>');
  return parts.join('');
}

/** (c) Mean share ratio per leecher, A and B bars side by side; seeders listed under the chart. */
export function shareChart(report: AbReport, descriptions: Readonly<Record<Label, string>>): string {
  const id = 'share-chart';
  const title = 'Share ratio per peer (uploaded / downloaded)';
  const data = shareRatios(report);
  const values = data.leechers.flatMap((p) => LABELS.map((l) => p.ratio[l] ?? 0));
  if (data.leechers.length === 0) return noData(id, title, 'No leechers in successful runs.');
  const y = yScale(niceTicks(0, Math.max(1.2, ...values), 6));
  const parts = [svgOpen(id, title, 'Mean share ratio of each leecher over the successful runs, A and B side by side.')];
  parts.push(axes(null, y, 'peer id (profile class)', 'share ratio (up / down)', tickText));
  const slot = PLOT_W / data.leechers.length;
  const barW = Math.max(2, Math.min(28, (slot * 0.75) / 2));
  const bottom = MARGIN.top + PLOT_H;
  data.leechers.forEach((p, i) => {
    const cx = MARGIN.left + slot * (i + 0.5);
    LABELS.forEach((l, j) => {
      const v = p.ratio[l];
      if (v === undefined) return;
      const top = y.px(v);
      const bx = j === 0 ? cx - barW - 1 : cx + 1;
      parts.push(
        `<rect class="bar" data-variant="${l}" data-peer="${p.id}" data-value="${v}" x="${r2(bx)}" y="${r2(top)}" ` +
          `width="${r2(barW)}" height="${r2(Math.max(0, bottom - top))}" fill="${COLORS[l]}">` +
          `<title>peer ${p.id} ${l}: ${v.toFixed(3)}</title></rect>`,
      );
    });
    parts.push(`<text class="tick" x="${r2(cx)}" y="${bottom + 16}" text-anchor="middle">${p.id}</text>`);
    if (p.profileClass !== undefined) {
      parts.push(
        `<text class="tick class-label" x="${r2(cx)}" y="${bottom + 29}" text-anchor="middle">${escapeHtml(p.profileClass)}</text>`,
      );
    }
  });
  // Reference line: a peer above it gave back more than it took.
  const oneY = r2(y.px(1));
  parts.push(
    `<line class="reference" x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${oneY}" y2="${oneY}"/>` +
      `<text class="reference-label" x="${MARGIN.left + PLOT_W - 4}" y="${r2(y.px(1) - 5)}" text-anchor="end">1.0 = gave back as much as it got</text>`,
  );
  parts.push(legend(LABELS.map((l) => ({ label: l, text: shortLabel(l, descriptions[l]) })), 'box'));
  parts.push('</svg>');
  return parts.join('');
}
