import { PluginDefinition } from '../../core/plugin/contracts';
import { randomOptimistic, topKByDownloadRate } from './classic';

/**
 * A free rider: while it downloads it never unchokes anyone, not even
 * optimistically, so it uploads nothing and lives on the optimistic unchokes
 * (and the seeds) of the others. Once it holds the whole file it serves like a
 * classic seed: the choke-policy contract asks a seed to give every
 * interested neighbour a chance, and in these swarms a peer stays until every
 * peer is done, so a finished free rider that went on refusing would only make
 * the others wait for it. Reports therefore show its upload after completion;
 * "downloads, never uploads" holds for the whole of its own download.
 */
const freeRider: PluginDefinition<'choke'> = {
  kind: 'choke',
  name: 'free-rider',
  description: 'free rider: unchokes nobody (not even optimistically) while downloading; serves like a classic seed once complete',
  create: ({ random }) => ({
    choosePreferred: (view) => (view.selfComplete ? topKByDownloadRate(view, random) : []),
    chooseOptimistic: (view) => (view.selfComplete ? randomOptimistic(view, random) : undefined),
  }),
};
export default freeRider;
