import { PluginDefinition } from '../../core/plugin/contracts';
import { rarestFirst } from './rarest-first';

/**
 * Below this many pieces held, pick at random (libtorrent's default): a rare
 * piece is slow to get, while any piece quickly gives us something to trade.
 */
export const RANDOM_FIRST_PIECES = 4;

/** Random until we hold RANDOM_FIRST_PIECES pieces, then rarest-first. */
const randomFirst: PluginDefinition<'strategy'> = {
  kind: 'strategy',
  name: 'random-first',
  description: `random until we hold ${RANDOM_FIRST_PIECES} pieces (something to trade, fast), then rarest-first`,
  create: ({ random: rng }) => ({
    select: (view) => {
      if (view.ownedCount >= RANDOM_FIRST_PIECES) return rarestFirst(view, rng);
      return view.candidates.length === 0 ? undefined : rng.pick(view.candidates);
    },
  }),
};
export default randomFirst;
