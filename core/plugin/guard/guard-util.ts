/** Small helpers shared by the guarded plugin wrappers. */

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function isThenable(x: unknown): boolean {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** Binary search: candidate lists are ascending, and this runs for every request. */
export function sortedIncludes(sorted: readonly number[], x: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** How a wrapper reports a misbehaving plugin (a `plugin-error` event naming it). */
export type Report = (message: string) => void;
