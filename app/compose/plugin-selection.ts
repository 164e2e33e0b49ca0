import * as path from 'node:path';
import { ConfigError } from '../../core/config/config-error';
import { isPluginPath } from '../../core/plugin/plugin-registry';

/** Which plugin to use for each kind: manifest names or paths to plugin modules. Field names follow the kinds. */
export interface PluginSelection {
  readonly strategy: string;
  readonly choke: string;
  readonly rateMeter: string;
  readonly rateLimiter: string;
  readonly storage: string;
  readonly loggers: readonly string[];
}

/** The defaults: the classic protocol's behaviour, on the local disk. */
export const DEFAULT_SELECTION: PluginSelection = { strategy: 'random', choke: 'classic', rateMeter: 'interval', rateLimiter: 'token-bucket', storage: 'file', loggers: ['classic'] };

/**
 * Config-dir settings (`Plugin.<kind> <name>` in common.cfg) that fill in what
 * the command line left unset. The key is the kind's name; `piece-selector`
 * and `choke-policy` (the names of earlier releases) are still accepted.
 */
const CONFIG_KEYS: Readonly<Record<string, keyof PluginSelection>> = {
  strategy: 'strategy',
  choke: 'choke',
  'rate-meter': 'rateMeter',
  'rate-limiter': 'rateLimiter',
  storage: 'storage',
  logger: 'loggers',
  'piece-selector': 'strategy',
  'choke-policy': 'choke',
};

/** How peers talk: the classic protocol on TCP, or inside mutual TLS (`Plugin.transport tls`, or `--tls`). */
export type TransportName = 'tcp' | 'tls';
const TRANSPORTS: readonly TransportName[] = ['tcp', 'tls'];

/** `--tls` wins; else `Plugin.transport` in common.cfg; else plain TCP. */
export function resolveTransport(tlsFlag: boolean | undefined, fromConfig: Readonly<Record<string, string>>, commonFile: string): TransportName {
  if (tlsFlag) return 'tls';
  const name = fromConfig.transport ?? 'tcp';
  if (!(TRANSPORTS as readonly string[]).includes(name)) throw new ConfigError(commonFile, 'Plugin.transport', `unknown transport "${name}" (known: ${TRANSPORTS.join(', ')})`);
  return name as TransportName;
}

/** The command line's choices over the config dir's over the defaults. */
export function resolveSelection(chosen: Partial<PluginSelection>, fromConfig: Readonly<Record<string, string>>, commonFile: string): PluginSelection {
  const configured: { -readonly [K in keyof PluginSelection]?: PluginSelection[K] } = {};
  for (const [key, value] of Object.entries(fromConfig)) {
    if (key === 'transport') continue; // not a plugin of the manifest: see resolveTransport
    const field = CONFIG_KEYS[key];
    if (!field) throw new ConfigError(commonFile, `Plugin.${key}`, `unknown plugin kind "${key}" (known: ${[...Object.keys(CONFIG_KEYS).slice(0, 6), 'transport'].join(', ')})`);
    // A plugin path in the config folder means a file next to the config, wherever the peer is started.
    const ref = (r: string): string => (isPluginPath(r) ? path.resolve(path.dirname(commonFile), r) : r);
    if (field === 'loggers') configured.loggers = value.split(',').map(ref);
    else configured[field] = ref(value);
  }
  const given = Object.fromEntries(Object.entries(chosen).filter(([, v]) => v !== undefined)) as Partial<PluginSelection>;
  return { ...DEFAULT_SELECTION, ...configured, ...given };
}
