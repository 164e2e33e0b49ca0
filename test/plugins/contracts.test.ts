import { expect } from 'chai';
import { CONTRACTS, contractFor } from '../../core/plugin/compliance';
import { Scratch } from '../../core/plugin/compliance/compliance';
import { PluginDefinition, PluginKind } from '../../core/plugin/contracts';
import { DEFAULT_MANIFEST } from '../../core/paths';
import { loadPlugin, readManifest } from '../../core/plugin/plugin-registry';

/** Every plugin of the manifest meets the contract of its kind: a new plugin inherits these tests. */
describe('plugin contracts', () => {
  const manifest = readManifest(DEFAULT_MANIFEST);
  it('the manifest lists at least one plugin of every kind', () => {
    expect(new Set(manifest.map((e) => e.kind))).to.have.all.keys(Object.keys(CONTRACTS));
  });
  for (const entry of manifest) {
    describe(`${entry.kind}/${entry.name}`, () => {
      const definition = loadPlugin(entry.kind, entry.name, manifest) as PluginDefinition<PluginKind>;
      it('declares its kind and name as the manifest does', () => {
        expect(definition.kind).to.equal(entry.kind);
        expect(definition.name).to.equal(entry.name);
      });
      for (const check of contractFor(definition) as ReadonlyArray<{ name: string; run(d: PluginDefinition<PluginKind>, s: Scratch): Promise<void> | void }>) {
        it(check.name, async () => {
          const scratch = new Scratch();
          // A logger may write to stderr (the console logger does): keep it out of the test output, and check it.
          const printed = entry.kind === 'logger' ? captureStderr() : undefined;
          try {
            await check.run(definition, scratch);
          } finally {
            printed?.stop();
            scratch.cleanup();
          }
          if (printed && entry.name === 'console' && check.name.includes('every kind')) expect(printed.text()).to.contain('peer 2: every peer has the whole file\n');
          else if (printed && entry.name !== 'console') expect(printed.text(), 'only the console logger writes to stderr').to.equal('');
        });
      }
    });
  }
});

/** Diverts process.stderr.write until stop(). */
function captureStderr(): { text: () => string; stop: () => void } {
  const original = process.stderr.write.bind(process.stderr);
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    text += String(chunk);
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (callback) setImmediate(callback);
    return true;
  }) as typeof process.stderr.write;
  return { text: () => text, stop: () => void (process.stderr.write = original) };
}
