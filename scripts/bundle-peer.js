#!/usr/bin/env node
// Bundles the `peer` command line (app/peer-entry.ts, shipped plugins compiled in) with its
// dependencies into dist/app/peer.bundle.js, which dist/app/peer-launcher.js runs through a V8
// code cache. esbuild compiles the TypeScript itself so that rxjs comes in as ES modules and only
// what is used is kept (tsc's require() calls would pull in all of rxjs: 346 KB instead of 23 KB).
// esbuild emits no decorator metadata: this is safe because every injected constructor parameter
// names its token with @inject(TOKEN) (tsyringe then needs no type information); the e2e swarm
// tests run the bundle. Commands other than `run` keep their modules on disk (loaded on demand).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');
const app = path.join(root, 'dist', 'app');
const outfile = path.join(app, 'peer.bundle.js');
const onDemand = /^\.\/(swarm-command|sim-command|plugin-test-command|watch\/watch-command|ab\/ab-command|ab\/sim-harness)$/;

async function main() {
  await esbuild.build({
    entryPoints: [path.join(root, 'app', 'peer-entry.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    tsconfig: path.join(root, 'tsconfig.json'),
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [
      {
        name: 'swarmlab-peer',
        setup(build) {
          // These stay files next to the bundle (dist/app/, where tsc put them), loaded when their command runs.
          build.onResolve({ filter: onDemand }, (args) =>
            path.dirname(args.importer) === path.join(root, 'app') ? { path: args.path, external: true } : undefined,
          );
          // rxjs's package exports pick its CommonJS build for Node, which cannot be tree-shaken.
          const rxjsEsm = path.join(path.dirname(require.resolve('rxjs', { paths: [root] })), '..', 'esm', 'index.js');
          build.onResolve({ filter: /^rxjs$/ }, () => ({ path: rxjsEsm }));
        },
      },
    ],
  });
  // Code caches of an earlier bundle are useless now.
  for (const f of fs.readdirSync(app)) if (f.startsWith('peer.bundle.js.') && f.endsWith('.v8cache')) fs.rmSync(path.join(app, f), { force: true });
}

main().catch((err) => {
  process.stderr.write(`bundling the peer failed: ${err.message}\n`);
  process.exitCode = 1;
});
