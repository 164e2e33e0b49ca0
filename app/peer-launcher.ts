#!/usr/bin/env node
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';

/**
 * Starts the `peer` command line fast: runs the bundled program
 * (dist/app/peer.bundle.js: one file instead of ~150 modules to resolve and
 * read) through a V8 code cache, so a peer process does not compile its
 * JavaScript again at every start. `peer swarm` forks every peer through this
 * file: five peers on two cores paid ~0.4 s each of loading and compiling,
 * much of it inside the transfer window.
 *
 * Node 20 has no module.enableCompileCache, hence vm.Script and cachedData.
 * The cache is written by the first process that finds none (or finds it
 * rejected, e.g. under other V8 flags), at exit, so it also holds the
 * functions compiled while running, not just the top level. Its name carries
 * the bundle's size and mtime: V8 checks only the source length, and a stale
 * cache must never meet a rebuilt bundle. Without a bundle (tsc only), this
 * falls back to the plain entry.
 */
const BUNDLE = path.join(__dirname, 'peer.bundle.js');

function launch(): void {
  let source: string;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(BUNDLE);
    source = fs.readFileSync(BUNDLE, 'utf8');
  } catch {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./peer-entry');
    return;
  }
  const cacheFile = `${BUNDLE}.${stat.size}-${Math.floor(stat.mtimeMs)}.v8cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: BUNDLE, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => writeCache(script, cacheFile));
  }
  const module = { exports: {} };
  const run = script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void;
  run(module.exports, createRequire(BUNDLE), module, BUNDLE, path.dirname(BUNDLE));
}

/** Atomic (write then rename), best effort: a read-only install simply runs without a cache. */
function writeCache(script: vm.Script, file: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

launch();
