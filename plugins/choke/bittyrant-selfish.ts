import { PluginDefinition } from '../../core/plugin/contracts';
import { BitTyrantPolicy, bitTyrantOptions } from './bittyrant';

/** BitTyrant that withholds the upload which buys it no download (see bittyrant.ts). */
const bittyrantSelfish: PluginDefinition<'choke'> = {
  kind: 'choke',
  name: 'bittyrant-selfish',
  description: 'strategic, selfish BitTyrant: the fewest d/u-ranked neighbours that keep its download rate; no optimistic unchoke while data comes in',
  create: (context) => new BitTyrantPolicy(context.random, bitTyrantOptions(context, true)),
};
export default bittyrantSelfish;
