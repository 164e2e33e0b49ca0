import { PluginDefinition } from '../../core/plugin/contracts';
import { randomOptimistic } from './classic';
import { topInterested } from './ranking';

/**
 * Strict reciprocation: the preferred slots go only to neighbours that sent
 * us data (best senders first); a neighbour that gives nothing can only get
 * the optimistic slot, which is how newcomers and free riders are tried out.
 * While seeding there is nothing to reciprocate, so it favours the
 * neighbours it uploads to fastest.
 */
const titForTat: PluginDefinition<'choke'> = {
  kind: 'choke',
  name: 'tit-for-tat',
  description: 'reciprocate: preferred slots only for neighbours that upload to us, best first; one random optimistic slot',
  create: ({ random }) => ({
    choosePreferred: (view) =>
      view.selfComplete
        ? topInterested(view, random, (n) => n.uploadRate)
        : topInterested(view, random, (n) => n.downloadRate, (n) => n.downloadRate > 0),
    chooseOptimistic: (view) => randomOptimistic(view, random),
  }),
};
export default titForTat;
