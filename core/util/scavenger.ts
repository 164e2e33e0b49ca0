import * as v8 from 'node:v8';
import * as vm from 'node:vm';

type Gc = (options?: { type?: 'minor' | 'major' }) => void;

/** undefined: not looked up yet; null: this runtime offers no way to ask for a collection. */
let gcFunction: Gc | null | undefined;

/**
 * V8's `gc()`: the global one when Node runs with --expose-gc, else one from a
 * fresh context after turning the flag on (the flag only adds `gc` to
 * contexts created after it is set; Node documents setting V8 flags at run
 * time with v8.setFlagsFromString). The flag is turned off again at once:
 * V8 stamps code caches with a hash of the flags, and a cache written by a
 * process left with --expose-gc (the peer launcher writes one at exit when
 * it found none) is rejected by every normal start after it.
 */
function findGc(): Gc | null {
  const exposed = (globalThis as { gc?: Gc }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    v8.setFlagsFromString('--expose-gc');
    try {
      const fn: unknown = vm.runInNewContext('gc');
      return typeof fn === 'function' ? (fn as Gc) : null;
    } finally {
      v8.setFlagsFromString('--no-expose-gc');
    }
  } catch {
    return null;
  }
}

/**
 * Frees dead short-lived buffers early, by asking V8 for a scavenge (a
 * young-generation collection, ~1 ms) after every `everyBytes` of them.
 *
 * Why: Node reads every socket into a fresh buffer (up to 64 KiB a read),
 * so a peer receiving pieces makes as many bytes of garbage as it receives,
 * outside V8's heap. V8 collects such external memory late (it let 30-40
 * MiB pile up at 150 MB/s), which set the peak RSS of a downloading peer.
 * The buffers die young (the frame reader copies pieces out of them at
 * once), so a scavenge frees them; a full collection (`gc()`) would too, at
 * many times the cost. Measured in docs/performance.md ("Peak RSS").
 */
export class Scavenger {
  private sinceLast = 0;

  constructor(private readonly everyBytes: number) {}

  /** `bytes` of short-lived buffers were allocated (a socket read). */
  allocated(bytes: number): void {
    this.sinceLast += bytes;
    if (this.sinceLast < this.everyBytes) return;
    this.sinceLast = 0;
    if (gcFunction === undefined) gcFunction = findGc();
    gcFunction?.({ type: 'minor' });
  }
}
