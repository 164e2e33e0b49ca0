import * as fs from 'node:fs';
import * as path from 'node:path';
import { PLUGIN_KINDS, PluginDefinition, PluginKind, pluginKindOf } from './contracts';

/** A plugin that cannot be found or loaded, or does not fit its contract: a usage error. */
export class PluginLoadError extends Error {
  override readonly name = 'PluginLoadError';
}

export interface ManifestEntry {
  readonly kind: PluginKind;
  readonly name: string;
  /** Absolute path of the module. */
  readonly module: string;
  readonly description: string;
}

/** Reads a plugin manifest; module paths in it are relative to the manifest file. */
export function readManifest(file: string): ManifestEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PluginLoadError(`${file}: cannot read plugin manifest: ${err instanceof Error ? err.message : String(err)}`);
  }
  const list = (parsed as { plugins?: unknown }).plugins;
  if (!Array.isArray(list)) throw new PluginLoadError(`${file}: expected {"plugins": [...]}`);
  return list.map((raw: unknown, i) => {
    const e = raw as Partial<Record<'kind' | 'name' | 'module' | 'description', unknown>>;
    const kind = pluginKindOf(e.kind);
    if (!kind) throw new PluginLoadError(`${file}: plugins[${i}]: kind must be one of ${PLUGIN_KINDS.join(', ')}`);
    if (typeof e.name !== 'string' || typeof e.module !== 'string') throw new PluginLoadError(`${file}: plugins[${i}]: needs "name" and "module"`);
    return {
      kind,
      name: e.name,
      module: path.resolve(path.dirname(file), e.module),
      description: typeof e.description === 'string' ? e.description : '',
    };
  });
}

/** Whether a plugin reference names a file rather than a manifest entry. */
export function isPluginPath(ref: string): boolean {
  return ref.startsWith('.') || ref.startsWith('/') || /\.[cm]?[jt]s$/.test(ref);
}

/** A TypeScript source file: Node cannot load it, so the user is told how to compile it, in one line. */
function refuseTypeScript(modulePath: string): void {
  if (!/\.[cm]?ts$/.test(modulePath) || modulePath.endsWith('.d.ts')) return;
  const js = modulePath.replace(/\.([cm]?)ts$/, '.$1js');
  throw new PluginLoadError(
    `${modulePath} is TypeScript: compile it first (npx tsc ${path.basename(modulePath)} --module commonjs --target es2022, or tsc -p with its tsconfig) and give the .js file (${path.basename(js)})`,
  );
}

/**
 * Finds a plugin by manifest name, or loads it from a path (resolved against
 * `cwd`), and checks that it is a plugin of the expected kind.
 */
export function loadPlugin<K extends PluginKind>(kind: K, ref: string, manifest: readonly ManifestEntry[], cwd = process.cwd()): PluginDefinition<K> {
  let modulePath: string;
  if (isPluginPath(ref)) {
    modulePath = path.resolve(cwd, ref);
    refuseTypeScript(modulePath);
  } else {
    const entry = manifest.find((e) => e.kind === kind && e.name === ref);
    if (!entry) {
      const known = manifest.filter((e) => e.kind === kind).map((e) => e.name);
      throw new PluginLoadError(`unknown ${kind} plugin "${ref}" (known: ${known.join(', ') || 'none'}; or give a path to a .js file)`);
    }
    modulePath = entry.module;
  }
  const def = loadDefinition(modulePath, `${kind} plugin "${ref}"`);
  if (def.kind !== kind) throw new PluginLoadError(`${modulePath}: is a ${String(def.kind)} plugin, not a ${kind} plugin`);
  return def as PluginDefinition<K>;
}

/**
 * Modules already compiled into this program (a bundled peer carries the shipped plugins inside it),
 * by the absolute path they would otherwise be loaded from; each is loaded on first use.
 */
const compiledIn = new Map<string, () => unknown>();

/** Declares that `modulePath` is available without reading it from disk: `load()` returns its exports. */
export function registerCompiledInModule(modulePath: string, load: () => unknown): void {
  compiledIn.set(path.resolve(modulePath), load);
}

/** Loads a plugin module from a file and checks that it exports a plugin definition (of any kind). */
export function loadDefinition(modulePath: string, label = `plugin "${modulePath}"`): PluginDefinition {
  refuseTypeScript(modulePath);
  let mod: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = compiledIn.get(path.resolve(modulePath))?.() ?? require(modulePath);
  } catch (err) {
    throw new PluginLoadError(`cannot load ${label} from ${modulePath}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const def = ((mod as { default?: unknown }).default ?? mod) as Partial<PluginDefinition>;
  if (!def || typeof def.create !== 'function' || typeof def.name !== 'string') {
    throw new PluginLoadError(`${modulePath}: does not export a plugin (an object with kind, name, description and create())`);
  }
  const kind = pluginKindOf(def.kind);
  if (!kind) throw new PluginLoadError(`${modulePath}: unknown plugin kind "${String(def.kind)}" (kinds: ${PLUGIN_KINDS.join(', ')})`);
  if (kind === def.kind) return def as PluginDefinition;
  // A plugin written for a legacy kind name: present it under the current one.
  const legacy = def as PluginDefinition;
  return { kind, name: legacy.name, description: legacy.description, simulationOnly: legacy.simulationOnly, create: (context) => legacy.create(context) };
}
