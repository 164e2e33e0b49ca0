import { PluginDefinition } from '../../core/plugin/contracts';

/** The classic rule: any piece the neighbour has and we lack, uniformly at random. */
const random: PluginDefinition<'strategy'> = {
  kind: 'strategy',
  name: 'random',
  description: 'classic: a random piece among those the neighbour has and nobody is fetching',
  create: ({ random: rng }) => ({
    select: (view) => (view.candidates.length === 0 ? undefined : rng.pick(view.candidates)),
  }),
};
export default random;
