import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { PACKAGE_ROOT } from '../core/paths';

/**
 * Root hooks (outside any describe): they wrap the whole run. The suite must
 * write only into its own temporary folders, so the checkout looks the same
 * after it as before, ignored files (peer_*, *.log, run/) included.
 */
function checkoutState(): Set<string> | undefined {
  const r = spawnSync('git', ['status', '--porcelain', '--ignored', '--untracked-files=all'], { cwd: PACKAGE_ROOT, encoding: 'utf8' });
  if (r.status !== 0) return undefined; // not a git checkout (an unpacked tarball): nothing to compare
  // node_modules/ and dist/ are where npm ci and the build write, not the tests.
  return new Set(r.stdout.split('\n').filter((l) => l !== '' && !/^!! (node_modules|dist)\//.test(l)));
}

let atStart: Set<string> | undefined;

before(() => {
  atStart = checkoutState();
});

after(() => {
  if (!atStart) return;
  const atEnd = checkoutState()!;
  const added = [...atEnd].filter((l) => !atStart!.has(l));
  expect(added, 'files the test suite left in the checkout').to.deep.equal([]);
});
