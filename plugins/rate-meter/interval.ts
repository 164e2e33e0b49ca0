import { Direction, PluginDefinition, RateMeter } from '../../core/plugin/contracts';
import { PeerId } from '../../core/events';

/** Classic: bytes moved since the current unchoking interval began, per second. */
export class IntervalRateMeter implements RateMeter {
  private readonly bytes = new Map<PeerId, { down: number; up: number }>();
  private intervalStart: number | undefined;

  record(peer: PeerId, direction: Direction, bytes: number, at: number): void {
    this.intervalStart ??= at;
    let counts = this.bytes.get(peer);
    if (!counts) this.bytes.set(peer, (counts = { down: 0, up: 0 }));
    counts[direction] += bytes;
  }

  rate(peer: PeerId, direction: Direction, at: number): number {
    const bytes = this.bytes.get(peer)?.[direction] ?? 0;
    if (bytes === 0 || this.intervalStart === undefined) return 0;
    return bytes / Math.max((at - this.intervalStart) / 1000, 1e-3);
  }

  intervalEnded(at: number): void {
    for (const counts of this.bytes.values()) counts.down = counts.up = 0;
    this.intervalStart = at;
  }

  forget(peer: PeerId): void {
    this.bytes.delete(peer);
  }
}

const interval: PluginDefinition<'rate-meter'> = {
  kind: 'rate-meter',
  name: 'interval',
  description: 'classic: bytes moved during the current unchoking interval, per second',
  create: () => new IntervalRateMeter(),
};
export default interval;
