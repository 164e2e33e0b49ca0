import { Direction, PluginDefinition, RateMeter } from '../../core/plugin/contracts';
import { PeerId } from '../../core/events';

/** Classic: bytes moved since the current unchoking interval began, per second. */
export class IntervalRateMeter implements RateMeter {
  private readonly bytes = new Map<string, number>();
  private intervalStart: number | undefined;

  record(peer: PeerId, direction: Direction, bytes: number, at: number): void {
    this.intervalStart ??= at;
    const key = `${direction}${peer}`;
    this.bytes.set(key, (this.bytes.get(key) ?? 0) + bytes);
  }

  rate(peer: PeerId, direction: Direction, at: number): number {
    const bytes = this.bytes.get(`${direction}${peer}`) ?? 0;
    if (bytes === 0 || this.intervalStart === undefined) return 0;
    return bytes / Math.max((at - this.intervalStart) / 1000, 1e-3);
  }

  intervalEnded(at: number): void {
    this.bytes.clear();
    this.intervalStart = at;
  }

  forget(peer: PeerId): void {
    this.bytes.delete(`down${peer}`);
    this.bytes.delete(`up${peer}`);
  }
}

const interval: PluginDefinition<'rate-meter'> = {
  kind: 'rate-meter',
  name: 'interval',
  description: 'classic: bytes moved during the current unchoking interval, per second',
  create: () => new IntervalRateMeter(),
};
export default interval;
