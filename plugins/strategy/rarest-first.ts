import { StrategyView, PluginDefinition } from '../../core/plugin/contracts';
import { Random } from '../../core/util/random';

/**
 * The candidate held by the fewest connected neighbours, ties broken
 * uniformly at random; undefined when there is no candidate.
 *
 * One linear pass, no sorting and no allocation: the equally rare pieces are
 * reservoir-sampled (the k-th tie replaces the current choice with
 * probability 1/k), so every piece of the rarest class is equally likely.
 */
export function rarestFirst(view: StrategyView, rng: Random): number | undefined {
  const candidates = view.candidates;
  let choice: number | undefined;
  let rarest = Infinity;
  let ties = 0;
  for (let i = 0; i < candidates.length; i++) {
    const piece = candidates[i]!;
    const holders = view.availability(piece);
    if (holders < rarest) {
      rarest = holders;
      choice = piece;
      ties = 1;
    } else if (holders === rarest && rng.int(++ties) === 0) {
      choice = piece;
    }
  }
  return choice;
}

const rarest: PluginDefinition<'strategy'> = {
  kind: 'strategy',
  name: 'rarest-first',
  description: 'the legal piece the fewest neighbours hold, ties at random (one linear pass)',
  create: ({ random: rng }) => ({
    select: (view) => rarestFirst(view, rng),
  }),
};
export default rarest;
