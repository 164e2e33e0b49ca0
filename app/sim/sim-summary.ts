import { SimulationResult } from './run-simulation';

/** Nearest-rank quantile (q in [0, 1]) of an ascending list; NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Spread {
  readonly n: number;
  readonly median: number;
  readonly p90: number;
  readonly max: number;
}

function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, median: quantile(s, 0.5), p90: quantile(s, 0.9), max: s.length > 0 ? s[s.length - 1]! : NaN };
}

export interface SimSummary {
  readonly leechers: number;
  readonly completedLeechers: number;
  /** Seconds of virtual time until the last leecher completed. */
  readonly swarmCompleteS?: number;
  /** Per leecher: seconds from the start of the run until it completed. */
  readonly completion: Spread;
  /** Per leecher: seconds from joining until it completed. */
  readonly download: Spread;
  /** Download times per profile class (leechers with a class only). */
  readonly byClass: ReadonlyArray<{ readonly className: string; readonly download: Spread }>;
  readonly wallS: number;
  readonly setupWallS: number;
  readonly events: number;
}

/** The figures `peer sim` and the benchmark print, in seconds. */
export function summarize(result: SimulationResult): SimSummary {
  const leechers = result.peers.filter((p) => !p.seeder);
  const done = leechers.filter((p) => p.completedMs !== undefined);
  const classes = [...new Set(done.map((p) => p.className).filter((c): c is string => c !== undefined))];
  return {
    leechers: leechers.length,
    completedLeechers: done.length,
    swarmCompleteS: result.swarmCompleteMs === undefined ? undefined : result.swarmCompleteMs / 1000,
    completion: spread(done.map((p) => p.completedMs! / 1000)),
    download: spread(done.map((p) => (p.completedMs! - p.joinMs) / 1000)),
    byClass: classes.map((className) => ({
      className,
      download: spread(done.filter((p) => p.className === className).map((p) => (p.completedMs! - p.joinMs) / 1000)),
    })),
    wallS: result.wallMs / 1000,
    setupWallS: result.setupWallMs / 1000,
    events: result.events,
  };
}
