/**
 * The plugin author's API, published as `swarmlab/plugin`:
 *
 *   import type { ChokePolicy, ChokeView, PluginDefinition } from 'swarmlab/plugin';
 *
 * Type-only imports vanish when compiled, so a plugin needs nothing of
 * swarmlab at run time. The few values here (Bitfield, for a store's open();
 * definePlugin, for inference) are there for plugins that want them.
 */
export type {
  BandwidthLimits,
  ChokePolicy,
  ChokeView,
  Direction,
  EventLogger,
  NeighborSnapshot,
  PieceSelectionView,
  PieceSelector,
  PieceStore,
  PluginContext,
  PluginDefinition,
  PluginKind,
  PluginKinds,
  RateLimiter,
  RateMeter,
  Strategy,
  StrategyView,
} from './contracts';
export { PLUGIN_KINDS } from './contracts';
export type { EventOf, PeerId, SwarmEvent, SwarmEventKind } from '../events';
export type { CommonConfig } from '../config/common-config';
export type { PeerInfo } from '../config/peer-info';
export type { PieceGeometry } from '../protocol/geometry';
export type { Random } from '../util/random';
export { Bitfield } from '../bitfield';

import type { PluginDefinition, PluginKind } from './contracts';

/** Returns its argument: lets TypeScript check a plugin object against its kind's contract where it is written. */
export function definePlugin<K extends PluginKind>(definition: PluginDefinition<K>): PluginDefinition<K> {
  return definition;
}
