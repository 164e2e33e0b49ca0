import { Direction, PluginDefinition, RateLimiter } from '../../core/plugin/contracts';

/**
 * A token bucket per direction: `rate` bytes per second, bursts of up to
 * `burst` bytes. A reservation larger than the tokens left goes into debt
 * and is told to wait until the debt is paid, so successive reservations
 * queue up behind each other at exactly `rate` over time.
 */
export class TokenBucket {
  private tokens: number;
  private last: number | undefined;

  constructor(private readonly rate: number, private readonly burst: number) {
    this.tokens = burst;
  }

  reserve(bytes: number, now: number): number {
    if (this.last !== undefined) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.rate;
  }
}

export class TokenBucketLimiter implements RateLimiter {
  private readonly buckets: Partial<Record<Direction, TokenBucket>> = {};

  constructor(limits: { upload?: number; download?: number }) {
    // A burst of 50 ms of traffic (at least 32 KiB) keeps the shaping smooth at piece granularity.
    const bucket = (rate: number | undefined): TokenBucket | undefined => (rate ? new TokenBucket(rate, Math.max(32 * 1024, rate / 20)) : undefined);
    this.buckets.up = bucket(limits.upload);
    this.buckets.down = bucket(limits.download);
  }

  reserve(direction: Direction, bytes: number, now: number): number {
    return this.buckets[direction]?.reserve(bytes, now) ?? 0;
  }
}

const tokenBucket: PluginDefinition<'rate-limiter'> = {
  kind: 'rate-limiter',
  name: 'token-bucket',
  description: 'token buckets for --upload-rate / --download-rate (or a profile); unlimited when no rate is given',
  create: (ctx) => new TokenBucketLimiter(ctx.limits ?? {}),
};
export default tokenBucket;
