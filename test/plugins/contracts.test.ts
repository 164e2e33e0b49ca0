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
          try {
            await check.run(definition, scratch);
          } finally {
            scratch.cleanup();
          }
        });
      }
    });
  }
});
