import { PluginKind } from '../../core/plugin/contracts';
import { loadPlugin, ManifestEntry, PluginLoadError } from '../../core/plugin/plugin-registry';
import { Variant } from './model';

/** Settings a variant may change, and the plugin kind each one names (if any). */
const SETTINGS: Record<string, PluginKind | 'number' | 'flag'> = {
  strategy: 'strategy',
  choke: 'choke',
  'rate-meter': 'rate-meter',
  storage: 'storage',
  pipeline: 'number',
  endgame: 'flag',
};

/** Parses `strategy=rarest-first,choke=classic` (plus any extra `choke=...`) into a variant. */
export function parseVariant(label: 'A' | 'B', spec: string | undefined, extra: Record<string, string | undefined>): Variant {
  const settings: Record<string, string> = {};
  for (const part of (spec ?? '').split(',').filter((p) => p.trim() !== '')) {
    const [key, value, ...rest] = part.split('=');
    if (!key || value === undefined || rest.length > 0) throw new PluginLoadError(`--${label.toLowerCase()}: "${part}" is not key=value`);
    settings[key.trim()] = value.trim();
  }
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) settings[key] = value;
  for (const key of Object.keys(settings)) {
    if (!(key in SETTINGS)) throw new PluginLoadError(`--${label.toLowerCase()}: unknown setting "${key}" (known: ${Object.keys(SETTINGS).join(', ')})`);
  }
  return { label, settings };
}

/** Checks every plugin a variant names before any swarm starts. */
export function validateVariant(v: Variant, manifest: readonly ManifestEntry[]): void {
  for (const [key, value] of Object.entries(v.settings)) {
    const kind = SETTINGS[key]!;
    if (kind === 'number') {
      if (!/^[1-9]\d*$/.test(value)) throw new PluginLoadError(`variant ${v.label}: ${key} must be a whole number >= 1, got "${value}"`);
    } else if (kind === 'flag') {
      if (value !== 'true' && value !== 'false') throw new PluginLoadError(`variant ${v.label}: ${key} must be true or false`);
    } else {
      loadPlugin(kind, value, manifest);
    }
  }
}

/** The `peer run` flags that select a variant. */
export function variantArgs(v: Variant): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(v.settings)) {
    if (SETTINGS[key] === 'flag') {
      if (value === 'true') args.push(`--${key}`);
    } else args.push(`--${key}`, value);
  }
  return args;
}
