/**
 * The data of an A/B comparison: what `peer ab` measures and reports. The
 * real-socket harness and the simulator both produce RunMetrics from the same
 * event stream (the `jsonl` logger's records, or events collected in memory).
 */

/** One side of the comparison: plugin choices, e.g. { strategy: 'rarest-first' }. */
export interface Variant {
  readonly label: 'A' | 'B';
  /** Flag name (strategy, choke, rate-meter, storage, pipeline, endgame) to value. */
  readonly settings: Readonly<Record<string, string>>;
}

export interface PeerMetrics {
  readonly id: number;
  readonly seeder: boolean;
  /** Profile class the peer belongs to (e.g. "slow"), if any. */
  readonly profileClass?: string;
  /**
   * In a mixed comparison (`--b-fraction`): the cohort of the peer, the same
   * in both runs of a pair. 'B' = it runs variant B in the mixed run (and A,
   * like everyone, in the baseline run); 'A' = it runs A in both.
   */
  readonly cohort?: 'A' | 'B';
  /** ms after the swarm started (first peer started) that this peer started. */
  readonly joinedMs: number;
  /** ms after the swarm started that its file was complete; undefined if never. */
  readonly completedMs?: number;
  /** Piece bytes received (all, including duplicates) and sent. */
  readonly bytesDown: number;
  readonly bytesUp: number;
  /** Piece bytes it sent before it held every piece (all of bytesUp if it never did); 0 for a seeder. */
  readonly bytesUpWhileLeeching?: number;
  /** bytesUp / bytesDown (Infinity for a seeder that downloads nothing). */
  readonly shareRatio: number;
  /** Piece bytes received that were already held (endgame duplicates) or never asked for. */
  readonly duplicateBytes: number;
  readonly wastedBytes: number;
}

export interface AvailabilityPoint {
  /** ms after the swarm started. */
  readonly t: number;
  /** The fewest copies any piece has among the peers that have joined. */
  readonly minCopies: number;
}

export interface RunMetrics {
  /** Which run of the pair: A or B (in a mixed comparison, A = the baseline swarm, B = the mixed swarm). */
  readonly variant: 'A' | 'B';
  /** 0-based index of the run pair; A and B of one pair share the seed. */
  readonly pair: number;
  readonly seed: number;
  readonly ok: boolean;
  /** Why the run failed (timeout, a peer crashed, a copy differs); set when !ok. */
  readonly failure?: string;
  /** ms from the first peer's start until every leecher completed; undefined if the run failed. */
  readonly swarmDoneMs?: number;
  readonly peers: readonly PeerMetrics[];
  /** Jain's fairness index of the leechers' download rates (1 = perfectly even). */
  readonly fairness: number;
  /** Bytes the seeder(s) uploaded. */
  readonly seederUploadBytes: number;
  readonly duplicateBytes: number;
  readonly wastedBytes: number;
  readonly availability: readonly AvailabilityPoint[];
  /**
   * End of the transient phase (Legout et al. 2006): ms after the start when
   * every piece first had a copy outside the seeders. Undefined if never.
   */
  readonly transientMs?: number;
  /**
   * Copies of the rarest piece over the mean copies per piece, time-averaged
   * from the end of the transient phase to the last piece received (1 = the
   * rarest piece is as common as the average one).
   */
  readonly rarestToMean?: number;
}

/** Summary of one metric across the runs of one variant. */
export interface MetricSummary {
  readonly median: number;
  /** 95% bootstrap confidence interval of the median. */
  readonly ci: readonly [number, number];
  readonly n: number;
}

export type StatTest = 'wilcoxon-signed-rank' | 'mann-whitney' | 'none';

export interface MetricComparison {
  readonly metric: string;
  readonly unit: string;
  /** Whether lower values are better (completion times) or higher (fairness). */
  readonly lowerIsBetter: boolean;
  /** Neither direction is better (e.g. an uploaded / downloaded ratio): the verdict says which is higher. */
  readonly neutral?: boolean;
  readonly a: MetricSummary;
  readonly b: MetricSummary;
  /**
   * B minus A with a 95% bootstrap interval: the median of the per-pair
   * differences (paired bootstrap) under the signed-rank test, the median of
   * B minus the median of A (independent bootstraps) under Mann-Whitney.
   */
  readonly difference: { readonly value: number; readonly ci: readonly [number, number] };
  /** Two-sided p-value of `test`. */
  readonly pValue: number;
  /**
   * The test that produced pValue: the Wilcoxon signed-rank test of the pairs
   * when every successful value has its partner, the Mann-Whitney U test when
   * failed runs broke pairs; `none` when a side has no data.
   */
  readonly test: StatTest;
  /** Exact distribution or normal approximation (undefined with test `none`). */
  readonly testMethod?: 'exact' | 'normal';
  /** Complete pairs (signed-rank test); pairs whose difference is 0 carry no sign and are left out of the test. */
  readonly pairs?: number;
  /** "B better", "A better", or "no significant difference" (at p < 0.05). */
  readonly verdict: string;
}

/**
 * The run plan of one run: which variant each peer runs. A plain comparison
 * runs everyone on A, then everyone on B; a mixed one (`--b-fraction`) runs
 * everyone on A (the baseline), then the B cohort on B and the rest on A.
 */
export interface RunPlan {
  readonly label: 'A' | 'B';
  /** The variant of the peer with this index (0 = the seeder). */
  variantOf(index: number): Variant;
  /** The cohort of each peer (index 0, the seeder, has none), in a mixed comparison. */
  cohortOf?(index: number): 'A' | 'B' | undefined;
}

/** Another table of the report: the same columns, other metrics (per bandwidth class, per cohort). */
export interface ReportSection {
  readonly id: string;
  readonly title: string;
  /** What A and B mean in this table, when not the variants (e.g. "A cohort" / "B cohort"). */
  readonly labels?: { readonly a: string; readonly b: string };
  readonly note: string;
  readonly comparisons: readonly MetricComparison[];
}

export interface AbReport {
  readonly createdAt: string;
  readonly mode: 'real' | 'sim';
  readonly a: Variant;
  readonly b: Variant;
  /**
   * Mixed comparison: the fraction of leechers that run B in the B run (the
   * rest, and everyone in the A run, run A). Undefined: a plain A vs B comparison.
   */
  readonly bFraction?: number;
  readonly peers: number;
  readonly fileSize: number;
  readonly pieceSize: number;
  readonly profile: string;
  readonly seed: number;
  readonly runs: readonly RunMetrics[];
  readonly comparisons: readonly MetricComparison[];
  /** Per bandwidth class, per cohort, and inside the mixed swarm (empty when not applicable). */
  readonly sections?: readonly ReportSection[];
}
