import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (scripts/ensure-chromium.sh installs it), or CHROMIUM_PATH. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A headless Chromium driven by playwright-core (which never downloads a
 * browser of its own). Browser tests are never skipped: without chromium they
 * fail and say how to install it.
 */
export async function launchChromium(what: string): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. ${what} needs a real browser and is never skipped: ` +
        'install it with "apt-get install -y --no-install-recommends chromium" (.ci/run does), ' +
        'or point CHROMIUM_PATH at a Chromium binary.',
    );
  }
  // Chromium keeps a profile, crash reports and a dconf cache under HOME: give it a temp folder of
  // its own, removed when the browser closes, so the tests write nothing in the user's home.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-chromium-home-'));
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache') };
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, env }).catch((err: unknown) => {
    fs.rmSync(home, { recursive: true, force: true });
    throw err;
  });
  browser.on('disconnected', () => fs.rmSync(home, { recursive: true, force: true }));
  return browser;
}
