/**
 * An example choke policy in TypeScript, compiled on its own and loaded by
 * path without rebuilding swarmlab:
 *
 *   npx tsc -p examples/typescript-plugin          # writes examples/typescript-plugin/dist/sticky-policy.js
 *   peer --id 1002 --choke ./examples/typescript-plugin/dist/sticky-policy.js
 *   peer plugins test ./examples/typescript-plugin/dist/sticky-policy.js
 *
 * "sticky": like the classic policy it prefers the neighbours that send us
 * the most, but a neighbour already preferred keeps its slot unless a
 * challenger is at least 25% faster. Fewer choke/unchoke flips means fewer
 * aborted requests (a choke throws away the piece in flight).
 *
 * The types come from `swarmlab/plugin`; `import type` vanishes when
 * compiled, so the plugin needs nothing of swarmlab at run time.
 * See docs/writing-a-choke-policy.md.
 */
import type { ChokePolicy, ChokeView, NeighborSnapshot, PeerId, PluginContext, PluginDefinition, Random } from 'swarmlab/plugin';

/** A challenger must beat an incumbent's rate by this factor to take its slot. */
const MARGIN = 1.25;

class StickyPolicy implements ChokePolicy {
  constructor(private readonly random: Random) {}

  choosePreferred(view: ChokeView): PeerId[] {
    // Seeding: nobody sends us anything, so rank by how fast we can send to them instead.
    const score = (n: NeighborSnapshot): number => (view.selfComplete ? n.uploadRate : n.downloadRate) * (n.preferred ? MARGIN : 1);
    return this.random
      .shuffle(view.neighbors.filter((n) => n.interested))
      .sort((a, b) => score(b) - score(a))
      .slice(0, view.slots)
      .map((n) => n.id);
  }

  chooseOptimistic(view: ChokeView): PeerId | undefined {
    const waiting = view.neighbors.filter((n) => n.interested && n.chokedByUs);
    if (waiting.length > 0) return this.random.pick(waiting).id;
    return view.neighbors.find((n) => n.optimistic && n.interested)?.id;
  }
}

const sticky: PluginDefinition<'choke'> = {
  kind: 'choke',
  name: 'sticky-ts',
  description: 'top-k by rate, but a preferred neighbour keeps its slot unless a challenger is 25% faster (TypeScript example)',
  create: (context: PluginContext) => new StickyPolicy(context.random),
};

// The peer loads a plugin module's default export (or the module itself).
export default sticky;
