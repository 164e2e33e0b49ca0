import { checkPlugin } from '../core/plugin/compliance';
import { PLUGIN_KINDS, PluginDefinition, PluginKind } from '../core/plugin/contracts';
import * as path from 'node:path';
import { isPluginPath, loadDefinition, loadPlugin, PluginLoadError, readManifest } from '../core/plugin/plugin-registry';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './run-peer';

/** `peer plugins test <path | kind/name>`: runs the contract of the plugin's kind and prints each check. */
export async function testPlugin(ref: string, manifestFile: string): Promise<number> {
  let definition: PluginDefinition;
  try {
    definition = resolve(ref, manifestFile);
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }
  process.stdout.write(`${definition.kind} plugin "${definition.name}": ${definition.description}\n`);
  const results = await checkPlugin(definition);
  for (const r of results) {
    process.stdout.write(r.error ? `  ✘ ${r.name}\n      ${r.error.message.split('\n').join('\n      ')}\n` : `  ✔ ${r.name}\n`);
  }
  const failed = results.filter((r) => r.error).length;
  process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
  return failed === 0 ? EXIT_OK : EXIT_FAILURE;
}

function resolve(ref: string, manifestFile: string): PluginDefinition {
  const manifest = readManifest(manifestFile);
  if (!isPluginPath(ref)) {
    const [kind, name] = ref.split('/');
    if (!name || !PLUGIN_KINDS.includes(kind as PluginKind)) throw new PluginLoadError(`"${ref}": give a path to a .js file or kind/name (kinds: ${PLUGIN_KINDS.join(', ')})`);
    return loadPlugin(kind as PluginKind, name, manifest);
  }
  // A path: whatever kind the module declares.
  return loadDefinition(path.resolve(ref));
}
