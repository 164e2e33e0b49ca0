import { ChokeView, NeighborSnapshot, PluginDefinition } from '../../core/plugin/contracts';
import { Random } from '../../core/util/random';
import { topInterested } from './ranking';

/**
 * The classic policy: the k interested neighbours that sent us the most in the
 * last interval (ties at random), or k at random once we have the whole file;
 * plus one random choked, interested neighbour as the optimistic unchoke.
 */
export function topKByDownloadRate(view: ChokeView, rng: Random): number[] {
  // Seeding, nobody sends us anything: every interested neighbour scores the same, so the pick is random.
  return topInterested(view, rng, (n) => (view.selfComplete ? 0 : n.downloadRate));
}

export function randomOptimistic(view: ChokeView, rng: Random): number | undefined {
  const candidates = view.neighbors.filter((n) => n.interested && n.chokedByUs);
  if (candidates.length > 0) return rng.pick(candidates).id;
  // Nobody else is waiting: keep the current optimistic neighbour if it still wants data.
  const current: NeighborSnapshot | undefined = view.neighbors.find((n) => n.optimistic && n.interested);
  return current?.id;
}

const classic: PluginDefinition<'choke'> = {
  kind: 'choke',
  name: 'classic',
  description: 'classic: top-k interested neighbours by download rate (random when seeding) + one random optimistic unchoke',
  create: ({ random: rng }) => ({
    choosePreferred: (view) => topKByDownloadRate(view, rng),
    chooseOptimistic: (view) => randomOptimistic(view, rng),
  }),
};
export default classic;
