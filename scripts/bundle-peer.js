#!/usr/bin/env node
// Bundles the compiled `peer` entry (dist/app/peer-entry.js, tsc output: decorator metadata already
// emitted) with its dependencies into dist/app/peer.bundle.js, which dist/app/peer-launcher.js runs
// through a V8 code cache. Commands other than `run` keep their modules on disk (loaded on demand).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const app = path.join(__dirname, '..', 'dist', 'app');
const outfile = path.join(app, 'peer.bundle.js');
const onDemand = /^\.\/(swarm-command|sim-command|plugin-test-command|ab\/ab-command|ab\/sim-harness)$/;

async function main() {
  await esbuild.build({
  entryPoints: [path.join(app, 'peer-entry.js')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // ES module builds where packages ship them (rxjs): only what is used ends up in the bundle.
  mainFields: ['module', 'main'],
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [
    {
      name: 'on-demand-commands',
      setup(build) {
        // These stay files next to the bundle (same folder as dist/app/peer.js, which imports them).
        build.onResolve({ filter: onDemand }, (args) => (path.dirname(args.importer) === app ? { path: args.path, external: true } : undefined));
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
