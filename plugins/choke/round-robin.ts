import { ChokePolicy, ChokeView, PluginDefinition } from '../../core/plugin/contracts';
import { Random } from '../../core/util/random';
import { randomOptimistic, topKByDownloadRate } from './classic';

/**
 * For a peer with the whole file: rotate the upload slots so every
 * interested neighbour gets an equal share over time. At each interval the
 * slots go to the interested neighbours that have waited longest since they
 * were last preferred (never-served first, ties at random). While still
 * downloading it behaves like the classic policy.
 */
export class RoundRobinPolicy implements ChokePolicy {
  /** The interval number at which each neighbour was last preferred. */
  private readonly lastServed = new Map<number, number>();
  private round = 0;
  private current: number[] = [];

  constructor(private readonly random: Random) {}

  choosePreferred(view: ChokeView): number[] {
    if (!view.selfComplete) return topKByDownloadRate(view, this.random);
    const interested = view.neighbors.filter((n) => n.interested);
    if (view.trigger === 'slot-free') {
      // Between rotations only fill the free slot; keep whoever is being served.
      const keep = this.current.filter((id) => interested.some((n) => n.id === id));
      const waiting = this.byLongestWait(interested.filter((n) => !keep.includes(n.id)).map((n) => n.id));
      this.current = [...keep, ...waiting].slice(0, view.slots);
    } else {
      this.round++;
      this.current = this.byLongestWait(interested.map((n) => n.id)).slice(0, view.slots);
    }
    for (const id of this.current) this.lastServed.set(id, this.round);
    return this.current;
  }

  chooseOptimistic(view: ChokeView): number | undefined {
    return randomOptimistic(view, this.random);
  }

  private byLongestWait(ids: number[]): number[] {
    return this.random.shuffle(ids).sort((a, b) => (this.lastServed.get(a) ?? -1) - (this.lastServed.get(b) ?? -1));
  }
}

const roundRobin: PluginDefinition<'choke'> = {
  kind: 'choke',
  name: 'round-robin',
  description: 'when seeding: rotate the slots so every interested neighbour gets an equal share; otherwise classic',
  create: ({ random }) => new RoundRobinPolicy(random),
};
export default roundRobin;
