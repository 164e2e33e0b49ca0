import { PeerId } from '../../events';
import { Direction, RateLimiter, RateMeter } from '../contracts';
import { errorText, isThenable, Report } from './guard-util';

/**
 * A rate meter whose mistakes are contained: a throw is reported and
 * ignored, and a rate that is not a finite number >= 0 counts as 0, so a
 * faulty meter skews the choke ranking but never stops the peer. These
 * calls run for every piece moved: no allocation on the good path.
 */
export class GuardedRateMeter implements RateMeter {
  constructor(private readonly inner: RateMeter, private readonly report: Report) {}

  record(peer: PeerId, direction: Direction, bytes: number, at: number): void {
    try {
      this.inner.record(peer, direction, bytes, at);
    } catch (err) {
      this.report(`record() threw: ${errorText(err)}`);
    }
  }

  rate(peer: PeerId, direction: Direction, at: number): number {
    let r: unknown;
    try {
      r = this.inner.rate(peer, direction, at);
    } catch (err) {
      this.report(`rate() threw: ${errorText(err)}`);
      return 0;
    }
    if (typeof r === 'number' && Number.isFinite(r) && r >= 0) return r;
    this.report(`rate() returned ${isThenable(r) ? 'a Promise' : String(r)}, not a number of bytes per second >= 0`);
    return 0;
  }

  intervalEnded(at: number): void {
    try {
      this.inner.intervalEnded(at);
    } catch (err) {
      this.report(`intervalEnded() threw: ${errorText(err)}`);
    }
  }

  forget(peer: PeerId): void {
    try {
      this.inner.forget(peer);
    } catch (err) {
      this.report(`forget() threw: ${errorText(err)}`);
    }
  }
}

/**
 * A rate limiter whose mistakes are contained: a throw, or a wait that is not
 * a finite number of ms >= 0, is reported and the data moves now
 * (unshaped) rather than never.
 */
export class GuardedRateLimiter implements RateLimiter {
  constructor(private readonly inner: RateLimiter, private readonly report: Report) {}

  reserve(direction: Direction, bytes: number, now: number): number {
    let wait: unknown;
    try {
      wait = this.inner.reserve(direction, bytes, now);
    } catch (err) {
      this.report(`reserve() threw: ${errorText(err)}`);
      return 0;
    }
    if (typeof wait === 'number' && Number.isFinite(wait) && wait >= 0) return wait;
    this.report(`reserve() returned ${isThenable(wait) ? 'a Promise' : String(wait)}, not a wait in ms >= 0`);
    return 0;
  }
}
