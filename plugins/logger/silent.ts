import { PluginDefinition } from '../../core/plugin/contracts';

const silent: PluginDefinition<'logger'> = {
  kind: 'logger',
  name: 'silent',
  description: 'writes nothing',
  create: () => ({ attach: () => undefined, flush: () => Promise.resolve() }),
};
export default silent;
