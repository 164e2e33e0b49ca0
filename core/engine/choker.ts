import { SchedulerLike } from 'rxjs';
import { EventBus } from '../event-bus';
import { PeerId } from '../events';
import { ChokePolicy, ChokeView, Direction, NeighborSnapshot, RateMeter } from '../plugin/contracts';
import { msg } from '../protocol/messages';
import { Neighbor } from './neighbor';

export interface ChokerSettings {
  /** NumberOfPreferredNeighbors. */
  readonly slots: number;
}

/**
 * The upload side's decisions, like libtorrent's choker: keeps the preferred
 * and optimistic sets, asks the choke policy for them, sends the chokes and
 * unchokes that follow, and feeds the rate meter the policy ranks by. Its
 * clock ticks come from the engine (`rechoke('interval')`, `reoptimize()`).
 */
export class Choker {
  private preferred = new Set<PeerId>();
  private optimistic: PeerId | undefined;
  private stopped = false;

  constructor(
    private readonly settings: ChokerSettings,
    private readonly neighbors: ReadonlyMap<PeerId, Neighbor>,
    private readonly policy: ChokePolicy,
    private readonly rates: RateMeter,
    private readonly bus: EventBus,
    private readonly scheduler: SchedulerLike,
    /** Whether we hold the whole file (the policy seeds differently). */
    private readonly selfComplete: () => boolean,
    /** We just choked `n`: its pending requests are void. */
    private readonly onChoked: (n: Neighbor) => void,
  ) {}

  /** No more decisions (the run is over). */
  stop(): void {
    this.stopped = true;
  }

  /** Piece data moved with `n` (the rate meter's input). */
  moved(n: Neighbor, direction: Direction, bytes: number): void {
    this.rates.record(n.id, direction, bytes, this.scheduler.now());
  }

  /** A neighbour became interested: fill a free upload slot now rather than at the next interval. */
  interested(n: Neighbor): void {
    if (this.preferred.size < this.settings.slots && !this.preferred.has(n.id)) this.rechoke('slot-free');
    if (this.optimistic === undefined) this.reoptimize();
  }

  /** The neighbour is gone. */
  lost(n: Neighbor): void {
    this.rates.forget(n.id);
    this.preferred.delete(n.id);
    if (this.optimistic === n.id) this.optimistic = undefined;
  }

  /** Asks the policy for the preferred set and applies it; at an interval's end the rate meter is told, after. */
  rechoke(trigger: ChokeView['trigger']): void {
    if (this.stopped) return;
    const chosen = this.policy.choosePreferred(this.view(trigger));
    const next = new Set(chosen);
    const changed = next.size !== this.preferred.size || chosen.some((id) => !this.preferred.has(id));
    this.preferred = next;
    this.apply();
    if (changed && next.size > 0) this.bus.emit({ kind: 'preferred-changed', neighbors: chosen });
    if (trigger === 'interval') this.rates.intervalEnded(this.scheduler.now());
  }

  reoptimize(): void {
    if (this.stopped) return;
    const pick = this.policy.chooseOptimistic(this.view('interval'));
    if (pick === this.optimistic) return;
    this.optimistic = pick;
    this.apply();
    if (pick !== undefined) this.bus.emit({ kind: 'optimistic-changed', neighbor: pick });
  }

  /** Chokes one neighbour now (e.g. we cannot serve it); the next rechoke may unchoke it again. */
  choke(n: Neighbor): void {
    if (n.closed || n.amChoking) return;
    n.amChoking = true;
    this.onChoked(n);
    void n.link.send(msg.choke());
  }

  private apply(): void {
    for (const n of this.neighbors.values()) {
      const unchoke = this.preferred.has(n.id) || this.optimistic === n.id;
      if (unchoke && n.amChoking) {
        n.amChoking = false;
        void n.link.send(msg.unchoke());
      } else if (!unchoke) {
        this.choke(n);
      }
    }
  }

  view(trigger: ChokeView['trigger']): ChokeView {
    const now = this.scheduler.now();
    const neighbors: NeighborSnapshot[] = [];
    for (const n of this.neighbors.values()) {
      neighbors.push({
        id: n.id,
        interested: n.peerInterested,
        chokedByUs: n.amChoking,
        preferred: this.preferred.has(n.id),
        optimistic: this.optimistic === n.id,
        downloadRate: this.rates.rate(n.id, 'down', now),
        uploadRate: this.rates.rate(n.id, 'up', now),
        piecesHeld: n.bitfield.count,
      });
    }
    return { trigger, selfComplete: this.selfComplete(), slots: this.settings.slots, neighbors };
  }
}
