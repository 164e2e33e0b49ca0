import { Direction, PluginDefinition, RateMeter } from '../../core/plugin/contracts';
import { PeerId } from '../../core/events';

interface Estimate {
  rate: number;
  at: number;
}

/**
 * An exponentially weighted moving average of the transfer rate, with a time
 * constant of `tauMs`: each byte counts with weight e^(-age/tau). Unlike the
 * classic interval count it does not forget everything at each interval, so
 * a neighbour's standing survives one slow interval.
 */
export class EwmaRateMeter implements RateMeter {
  private readonly estimates = new Map<string, Estimate>();

  constructor(private readonly tauMs: number) {}

  record(peer: PeerId, direction: Direction, bytes: number, at: number): void {
    const key = `${direction}${peer}`;
    const e = this.decayed(this.estimates.get(key), at);
    e.rate += (bytes * 1000) / this.tauMs;
    this.estimates.set(key, e);
  }

  rate(peer: PeerId, direction: Direction, at: number): number {
    const e = this.estimates.get(`${direction}${peer}`);
    return e ? this.decayed(e, at).rate : 0;
  }

  intervalEnded(): void {
    // Nothing to reset: old bytes fade by themselves.
  }

  forget(peer: PeerId): void {
    this.estimates.delete(`down${peer}`);
    this.estimates.delete(`up${peer}`);
  }

  private decayed(e: Estimate | undefined, at: number): Estimate {
    if (!e) return { rate: 0, at };
    const age = Math.max(0, at - e.at);
    return { rate: e.rate * Math.exp(-age / this.tauMs), at };
  }
}

const ewma: PluginDefinition<'rate-meter'> = {
  kind: 'rate-meter',
  name: 'ewma',
  description: 'exponentially weighted moving average, time constant = 2 unchoking intervals',
  create: (ctx) => new EwmaRateMeter(2 * ctx.common.unchokingInterval * 1000),
};
export default ewma;
