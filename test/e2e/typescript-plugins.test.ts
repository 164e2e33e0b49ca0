import { expect } from 'chai';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runLocalSwarm } from '../../app/swarm/local-swarm';
import { PACKAGE_ROOT } from '../../core/paths';
import { freePorts } from '../helpers/ports';

const TSC = path.join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const PEER = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js');
const EXAMPLE_DIR = path.join(PACKAGE_ROOT, 'examples', 'typescript-plugin');

const run = (args: readonly string[], cwd = PACKAGE_ROOT): SpawnSyncReturns<string> => spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60000 });

/** A plugin written against the published types; `wrong` breaks the contract in a way only the types can see. */
const policySource = (wrong: boolean): string => `
import type { ChokePolicy, ChokeView, PeerId, PluginContext, PluginDefinition } from 'swarmlab/plugin';
const create = ({ random }: PluginContext): ChokePolicy => ({
  choosePreferred: (view: ChokeView): PeerId[] => random.shuffle(view.neighbors.filter((n) => n.interested)).slice(0, view.slots).map((n) => ${wrong ? 'String(n.id)' : 'n.id'}),
  chooseOptimistic: (view: ChokeView): PeerId | undefined => {
    const waiting = view.neighbors.filter((n) => n.interested && n.chokedByUs);
    return waiting.length > 0 ? random.pick(waiting).id : undefined;
  },
});
const definition: PluginDefinition<'choke'> = { kind: 'choke', name: 'outside', description: 'written in another project', create };
export default definition;
`;

describe('TypeScript plugins: typed API, example, .ts paths', function () {
  this.timeout(120000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-ts-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("lets another project `import type { ... } from 'swarmlab/plugin'` (exports, and typesVersions for node10 resolution), and its types reject a wrong plugin", () => {
    // The other project depends on swarmlab the way `npm install ../swarmlab` leaves it: a link in node_modules.
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(PACKAGE_ROOT, path.join(dir, 'node_modules', 'swarmlab'), 'dir');
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "my-plugins", "private": true }\n');
    fs.writeFileSync(path.join(dir, 'good.ts'), policySource(false));
    fs.writeFileSync(path.join(dir, 'wrong.ts'), policySource(true));
    // A plain project: no @types/node, its own tsconfig per module resolution.
    const tsc = (resolution: string, module: string, files: string[]): SpawnSyncReturns<string> => {
      const config = path.join(dir, `tsconfig.${resolution}.json`);
      const compilerOptions = { strict: true, skipLibCheck: true, types: [], target: 'es2022', module, moduleResolution: resolution, outDir: `out-${resolution}` };
      fs.writeFileSync(config, JSON.stringify({ compilerOptions, files }));
      return run([TSC, '-p', config], dir);
    };
    // node16 resolution reads package.json `exports`: the good file compiles clean, the wrong one fails on its type alone.
    const modern = tsc('node16', 'node16', ['good.ts', 'wrong.ts']);
    const errors = modern.stdout.trim().split('\n').filter((l) => /error TS/.test(l));
    expect(errors, modern.stdout).to.have.length(1);
    expect(errors[0]).to.match(/^wrong\.ts\(\d+,\d+\): error TS2322: Type 'string\[\]' is not assignable to type 'number\[\]'/);
    // node10 resolution (older projects) ignores `exports` and finds the types through `typesVersions`.
    const legacy = tsc('node10', 'commonjs', ['good.ts']);
    expect(legacy.status, legacy.stdout + legacy.stderr).to.equal(0);
    // What it compiled to loads by path and meets its contract.
    const check = run([PEER, 'plugins', 'test', path.join(dir, 'out-node16', 'good.js')]);
    expect(check.status, check.stdout + check.stderr).to.equal(0);
  });

  it('compiles the example in examples/ with its own tsconfig; the result passes its contract suite and runs a swarm loaded by path', async () => {
    const out = path.join(dir, 'plugin');
    const build = run([TSC, '-p', EXAMPLE_DIR, '--outDir', out]);
    expect(build.status, build.stdout + build.stderr).to.equal(0);
    const compiled = path.join(out, 'sticky-policy.js');
    const check = run([PEER, 'plugins', 'test', compiled]);
    expect(check.status, check.stdout + check.stderr).to.equal(0);
    expect(check.stdout).to.match(/choke plugin "sticky-ts"/);
    const ports = await freePorts(3);
    fs.writeFileSync(path.join(dir, 'common.cfg'), 'NumberOfPreferredNeighbors 1\nUnchokingInterval 0.1\nOptimisticUnchokingInterval 0.2\nFileName TheFile.dat\nFileSize 60000\nPieceSize 1000\n');
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), ports.map((p, i) => `${1001 + i} 127.0.0.1 ${p} ${i === 0 ? 1 : 0}`).join('\n') + '\n');
    const result = await runLocalSwarm({ configDir: dir, dir, peerArgs: ['--choke', compiled, '--logger', 'jsonl', '--listen-host', '127.0.0.1'], timeoutMs: 60000, makeFile: true });
    expect(result.ok, result.peers.map((p) => p.stderr).join('\n')).to.equal(true);
    const started = JSON.parse(fs.readFileSync(path.join(dir, 'log_peer_1002.jsonl'), 'utf8').split('\n')[0]!) as { summary: { choke: string } };
    expect(started.summary.choke).to.equal(compiled);
  });

  it('answers a .ts path with one line on how to compile it (exit 2), for the flags and `peer plugins test`', () => {
    const source = path.join(dir, 'my-policy.ts');
    fs.writeFileSync(source, policySource(false));
    fs.writeFileSync(path.join(dir, 'common.cfg'), 'NumberOfPreferredNeighbors 1\nUnchokingInterval 1\nOptimisticUnchokingInterval 2\nFileName F\nFileSize 10\nPieceSize 5\n');
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), '1001 127.0.0.1 1 1\n');
    for (const args of [['--id', '1001', '--config', dir, '--dir', dir, '--log-dir', dir, '--choke', source], ['plugins', 'test', source]]) {
      const r = run([PEER, ...args], dir);
      expect(r.status, r.stderr).to.equal(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.contain(`${source} is TypeScript: compile it first (npx tsc my-policy.ts --module commonjs --target es2022, or tsc -p with its tsconfig) and give the .js file (my-policy.js)`);
    }
  });
});
