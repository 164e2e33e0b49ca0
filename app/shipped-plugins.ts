import * as path from 'node:path';
import { PACKAGE_ROOT } from '../core/paths';
import { registerCompiledInModule } from '../core/plugin/plugin-registry';

/**
 * The plugins shipped with swarmlab, compiled into the bundled peer
 * (dist/app/peer.bundle.js) so a peer process reads one file instead of
 * resolving dozens. Keyed by the path plugin-manifest.json gives for each, so
 * choosing a plugin by name works exactly as before; a plugin given by path,
 * or a manifest entry not listed here, is still loaded from disk. Each module
 * is evaluated only when chosen.
 */
export function registerShippedPlugins(): void {
  const at = (rel: string): string => path.join(PACKAGE_ROOT, 'dist', 'plugins', rel);
  /* eslint-disable @typescript-eslint/no-require-imports */
  registerCompiledInModule(at('strategy/random.js'), () => require('../plugins/strategy/random'));
  registerCompiledInModule(at('strategy/rarest-first.js'), () => require('../plugins/strategy/rarest-first'));
  registerCompiledInModule(at('strategy/sequential.js'), () => require('../plugins/strategy/sequential'));
  registerCompiledInModule(at('strategy/random-first.js'), () => require('../plugins/strategy/random-first'));
  registerCompiledInModule(at('choke/classic.js'), () => require('../plugins/choke/classic'));
  registerCompiledInModule(at('choke/tit-for-tat.js'), () => require('../plugins/choke/tit-for-tat'));
  registerCompiledInModule(at('choke/fastest-upload.js'), () => require('../plugins/choke/fastest-upload'));
  registerCompiledInModule(at('choke/round-robin.js'), () => require('../plugins/choke/round-robin'));
  registerCompiledInModule(at('rate-meter/interval.js'), () => require('../plugins/rate-meter/interval'));
  registerCompiledInModule(at('rate-meter/ewma.js'), () => require('../plugins/rate-meter/ewma'));
  registerCompiledInModule(at('rate-limiter/token-bucket.js'), () => require('../plugins/rate-limiter/token-bucket'));
  registerCompiledInModule(at('storage/file.js'), () => require('../plugins/storage/file'));
  registerCompiledInModule(at('storage/memory.js'), () => require('../plugins/storage/memory'));
  registerCompiledInModule(at('storage/pieces.js'), () => require('../plugins/storage/pieces'));
  registerCompiledInModule(at('logger/classic.js'), () => require('../plugins/logger/classic'));
  registerCompiledInModule(at('logger/jsonl.js'), () => require('../plugins/logger/jsonl'));
  registerCompiledInModule(at('logger/silent.js'), () => require('../plugins/logger/silent'));
  /* eslint-enable @typescript-eslint/no-require-imports */
}
