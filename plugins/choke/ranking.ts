import { ChokeView, NeighborSnapshot } from '../../core/plugin/contracts';
import { Random } from '../../core/util/random';

/**
 * The `slots` interested neighbours with the highest `score`, ties broken at
 * random (a stable sort of a shuffled list). Shared by the rate-based policies.
 */
export function topInterested(view: ChokeView, rng: Random, score: (n: NeighborSnapshot) => number, eligible: (n: NeighborSnapshot) => boolean = () => true): number[] {
  return rng
    .shuffle(view.neighbors.filter((n) => n.interested && eligible(n)))
    .sort((a, b) => score(b) - score(a))
    .slice(0, view.slots)
    .map((n) => n.id);
}
