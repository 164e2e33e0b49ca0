import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths';
import { loadPlugin, readManifest } from '../../core/plugin/plugin-registry';
import { DEFAULT_MANIFEST } from '../../core/paths';
import { registerShippedPlugins } from '../../app/shipped-plugins';

const APP = path.join(PACKAGE_ROOT, 'dist', 'app');

describe('the bundled peer and its code cache', function () {
  this.timeout(30000);
  let root: string;
  let dir: string;
  beforeEach(() => {
    // A copy of launcher + bundle laid out as in the package (dist/app/ below a package.json, which
    // --version reads), so the cache files this test makes stay in its temp folder.
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-launcher-'));
    dir = path.join(root, 'dist', 'app');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(PACKAGE_ROOT, 'package.json'), path.join(root, 'package.json'));
    for (const f of ['peer-launcher.js', 'peer.bundle.js']) fs.copyFileSync(path.join(APP, f), path.join(dir, f));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const run = (): { code: number | null; stdout: string } => {
    const r = spawnSync(process.execPath, [path.join(dir, 'peer-launcher.js'), '--help'], { encoding: 'utf8', timeout: 20000 });
    return { code: r.status, stdout: r.stdout };
  };
  const caches = (): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.v8cache'));

  it('writes a cache on the first start, and later starts behave the same with it', () => {
    const first = run();
    expect(first.code).to.equal(0);
    expect(first.stdout).to.contain('swarmlab: a P2PFILESHARINGPROJ peer');
    expect(caches()).to.have.length(1);
    const cache = path.join(dir, caches()[0]!);
    const written = fs.statSync(cache).mtimeMs;
    const second = run();
    expect(second).to.deep.equal(first);
    // Accepted, so not written again.
    expect(fs.statSync(cache).mtimeMs).to.equal(written);
  });

  it('never uses a cache made for another build of the bundle, and survives a corrupt one', () => {
    run();
    const [old] = caches();
    fs.appendFileSync(path.join(dir, 'peer.bundle.js'), '\n// rebuilt\n');
    expect(run().code).to.equal(0);
    const now = caches();
    expect(now).to.have.length(2);
    const fresh = now.find((f) => f !== old)!;
    fs.writeFileSync(path.join(dir, fresh), Buffer.from('not a code cache'));
    const r = run();
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain('swarmlab: a P2PFILESHARINGPROJ peer');
    // Rejected by V8, then replaced by a good one.
    expect(fs.readFileSync(path.join(dir, fresh)).toString()).to.not.equal('not a code cache');
  });

  it('compiles in exactly the plugins the manifest names at those paths', () => {
    registerShippedPlugins();
    for (const entry of readManifest(DEFAULT_MANIFEST)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const onDisk = (require(entry.module) as { default: unknown }).default;
      expect(loadPlugin(entry.kind, entry.name, readManifest(DEFAULT_MANIFEST)), `${entry.kind}/${entry.name}`).to.equal(onDisk);
    }
  });
});
