// @ts-check
'use strict';

/**
 * An example choke policy, written as a user would: one plain JavaScript
 * file, loaded by path without rebuilding swarmlab:
 *
 *   peer --id 1002 --choke ./examples/my-policy.js
 *   peer swarm --choke ./examples/my-policy.js
 *   peer plugins test ./examples/my-policy.js
 *
 * "sticky": like the classic policy it prefers the neighbours that send us
 * the most, but a neighbour already preferred keeps its slot unless a
 * challenger is at least 25% faster. Fewer choke/unchoke flips means fewer
 * aborted requests (a choke throws away the piece in flight).
 *
 * See docs/writing-a-choke-policy.md for the contract.
 */

/** A challenger must beat an incumbent's rate by this factor to take its slot. */
const MARGIN = 1.25;

/**
 * @typedef {import('../core/plugin/contracts').ChokeView} ChokeView
 * @typedef {import('../core/plugin/contracts').NeighborSnapshot} NeighborSnapshot
 * @typedef {import('../core/plugin/contracts').PluginContext} PluginContext
 */

/**
 * @param {ChokeView} view
 * @param {PluginContext['random']} random
 * @returns {number[]}
 */
function choosePreferred(view, random) {
  const interested = random.shuffle(view.neighbors.filter((n) => n.interested));
  // Seeding: nobody sends us anything, so rank by how fast we can send to them instead.
  /** @param {NeighborSnapshot} n */
  const score = (n) => (view.selfComplete ? n.uploadRate : n.downloadRate);
  /** @param {NeighborSnapshot} n */
  const weighted = (n) => score(n) * (n.preferred ? MARGIN : 1);
  return interested
    .sort((a, b) => weighted(b) - weighted(a))
    .slice(0, view.slots)
    .map((n) => n.id);
}

/**
 * @param {ChokeView} view
 * @param {PluginContext['random']} random
 * @returns {number | undefined}
 */
function chooseOptimistic(view, random) {
  const waiting = view.neighbors.filter((n) => n.interested && n.chokedByUs);
  if (waiting.length > 0) return random.pick(waiting).id;
  const current = view.neighbors.find((n) => n.optimistic && n.interested);
  return current ? current.id : undefined;
}

module.exports = {
  kind: 'choke',
  name: 'sticky',
  description: 'top-k by rate, but a preferred neighbour keeps its slot unless a challenger is 25% faster',
  /** @param {PluginContext} context */
  create(context) {
    return {
      /** @param {ChokeView} view */
      choosePreferred: (view) => choosePreferred(view, context.random),
      /** @param {ChokeView} view */
      chooseOptimistic: (view) => chooseOptimistic(view, context.random),
    };
  },
};
