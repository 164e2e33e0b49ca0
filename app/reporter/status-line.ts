import { formatSize } from '../../core/util/size';

export interface StatusFacts {
  readonly self: number;
  readonly have: number;
  readonly total: number;
  readonly downPerSecond: number;
  readonly upPerSecond: number;
  readonly connected: number;
  readonly listed: number;
  readonly bytesLeft: number;
  readonly port?: number;
}

/** The live status line: `peer 1002  412/1280 pieces  down 3.2 MiB/s  up 1.1 MiB/s  neighbours 4/4  ETA 12s`. */
export function statusLine(s: StatusFacts): string {
  const pct = s.total === 0 ? 100 : Math.floor((s.have * 100) / s.total);
  const eta = s.have >= s.total ? 'complete' : s.downPerSecond > 0 ? `ETA ${formatDuration((s.bytesLeft / s.downPerSecond) * 1000)}` : 'ETA --';
  return [
    `peer ${s.self}`,
    `${s.have}/${s.total} pieces (${pct}%)`,
    `down ${formatSize(s.downPerSecond)}/s`,
    `up ${formatSize(s.upPerSecond)}/s`,
    `neighbours ${s.connected}/${s.listed}`,
    eta,
  ].join('  ');
}

/** 950 -> "0.95 s", 83_000 -> "1 min 23 s", 7_500_000 -> "2 h 5 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--';
  if (ms < 10_000) return `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * Download and upload rates over the last `spanMs` (bytes per second), kept in
 * 100 ms buckets: adding costs O(1) however many pieces a second arrive.
 */
export class RateWindow {
  private static readonly BUCKET_MS = 100;
  private readonly down: Float64Array;
  private readonly up: Float64Array;
  /** The bucket number (at / BUCKET_MS) that each slot holds. */
  private readonly slotOf: Float64Array;

  constructor(private readonly spanMs: number) {
    const slots = Math.max(1, Math.ceil(spanMs / RateWindow.BUCKET_MS));
    this.down = new Float64Array(slots);
    this.up = new Float64Array(slots);
    this.slotOf = new Float64Array(slots).fill(-1);
  }

  add(at: number, down: number, up: number): void {
    const bucket = Math.floor(at / RateWindow.BUCKET_MS);
    const i = bucket % this.down.length;
    if (this.slotOf[i] !== bucket) {
      this.slotOf[i] = bucket;
      this.down[i] = 0;
      this.up[i] = 0;
    }
    this.down[i]! += down;
    this.up[i]! += up;
  }

  rates(at: number): { down: number; up: number } {
    const newest = Math.floor(at / RateWindow.BUCKET_MS);
    let down = 0;
    let up = 0;
    for (let i = 0; i < this.down.length; i++) {
      if (this.slotOf[i]! > newest - this.down.length) {
        down += this.down[i]!;
        up += this.up[i]!;
      }
    }
    return { down: (down * 1000) / this.spanMs, up: (up * 1000) / this.spanMs };
  }
}
