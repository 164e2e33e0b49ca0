import { PluginDefinition } from '../../core/plugin/contracts';
import { randomOptimistic, topKByDownloadRate } from './classic';
import { topInterested } from './ranking';

/**
 * For a peer with the whole file: favour the neighbours it can upload to
 * fastest, so the seed's bandwidth goes where it moves most data (the
 * optimistic slot gives the others a chance to show their speed). While
 * still downloading it behaves like the classic policy.
 */
const fastestUpload: PluginDefinition<'choke'> = {
  kind: 'choke',
  name: 'fastest-upload',
  description: 'when seeding: the interested neighbours we upload to fastest; otherwise classic',
  create: ({ random }) => ({
    choosePreferred: (view) => (view.selfComplete ? topInterested(view, random, (n) => n.uploadRate) : topKByDownloadRate(view, random)),
    chooseOptimistic: (view) => randomOptimistic(view, random),
  }),
};
export default fastestUpload;
