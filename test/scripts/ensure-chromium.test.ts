import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths';

const SCRIPT = path.join(PACKAGE_ROOT, 'scripts', 'ensure-chromium.sh');

describe('scripts/ensure-chromium.sh (run first by npm run test:all)', () => {
  let bin: string;
  beforeEach(() => (bin = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-ensure-'))));
  afterEach(() => fs.rmSync(bin, { recursive: true, force: true }));
  const stub = (name: string, body: string): void => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
  // Only the stubs are on PATH: the real chromium and apt-get are out of reach.
  const run = (): { code: number | null; stderr: string } => {
    const r = spawnSync('/bin/bash', [SCRIPT], { env: { PATH: bin }, encoding: 'utf8', timeout: 10000 });
    return { code: r.status, stderr: r.stderr };
  };

  it('says what it is about to install, and why, before it runs apt-get', () => {
    stub('id', 'echo 0');
    stub('apt-get', `echo "apt-get $*" >&2; if [ "$1" = install ]; then printf '#!/bin/bash\\n' > ${bin}/chromium; /bin/chmod +x ${bin}/chromium; fi`);
    const r = run();
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).to.equal("ensure-chromium: the browser tests need Debian's chromium, which is not installed: installing it with apt-get (a few minutes, once)...");
    expect(lines[1]).to.equal('apt-get update -qq');
    expect(lines[2]).to.match(/^apt-get install -y -qq --no-install-recommends chromium$/);
    expect(lines[3]).to.equal(`ensure-chromium: installed ${bin}/chromium`);
  });

  it('is silent when chromium is there, and explains itself when it cannot install it', () => {
    stub('chromium', 'exit 0');
    expect(run()).to.deep.equal({ code: 0, stderr: '' });
    fs.rmSync(path.join(bin, 'chromium'));
    stub('id', 'echo 1000');
    expect(run()).to.deep.equal({ code: 1, stderr: "chromium is missing: install Debian's package (sudo apt-get install chromium) and run the tests again\n" });
  });
});
