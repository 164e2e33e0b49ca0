import { PluginDefinition } from '../../core/plugin/contracts';

/** The lowest-index legal piece: the file fills from the front (streaming, previews). */
const sequential: PluginDefinition<'strategy'> = {
  kind: 'strategy',
  name: 'sequential',
  description: 'the lowest-index legal piece, so the file fills from the front (streaming, previews)',
  create: () => ({
    // Candidates are ascending: the first is the lowest.
    select: (view) => view.candidates[0],
  }),
};
export default sequential;
