/**
 * The watch page in a real headless browser, on a real swarm of separate
 * peer processes (`peer swarm --ui`), then on the finished run's folder
 * (`peer watch`). The piece maps are read back from the canvas pixels: the
 * test sees what a person would see fill in.
 *
 * The screenshot is written to the test's temp folder; set
 * WATCH_SCREENSHOT=docs/watch.png to refresh the README's image.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import type { Snapshot } from '../../../app/watch/page/messages';
import { launchChromium } from '../../helpers/chromium';
import { freePorts } from '../../helpers/ports';
import { PeerCommand, request } from './watch-process';

const PEERS = 5;
const PIECES = 64;

interface MapReading {
  readonly id: number;
  readonly have: number;
  readonly total: number;
  /** Map pixels painted as held / as missing. */
  readonly filled: number;
  readonly empty: number;
}

/** Runs in the page: every card's piece map, classified pixel by pixel (the empty-cell colour is #e6eaf1). */
const READ_MAPS = `[...document.querySelectorAll('.peer')].map((card) => {
  const canvas = card.querySelector('canvas.map');
  let filled = 0, empty = 0;
  if (canvas.width > 0 && canvas.height > 0) {
    const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] === 0) continue;
      if (d[i] === 0xe6 && d[i + 1] === 0xea && d[i + 2] === 0xf1) empty++;
      else filled++;
    }
  }
  return { id: Number(card.dataset.peer), have: Number(card.dataset.have), total: Number(card.dataset.total), filled, empty };
})`;

const fraction = (m: MapReading): number => (m.filled + m.empty === 0 ? 0 : m.filled / (m.filled + m.empty));
const text = (page: Page, selector: string): Promise<string> => page.$eval(selector, (e) => e.textContent ?? '');

interface OpenedPage {
  readonly page: Page;
  readonly errors: string[];
  readonly foreignRequests: string[];
}

async function openPage(browser: Browser, url: string): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  const foreignRequests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith(url)) foreignRequests.push(r.url());
  });
  await page.goto(url);
  return { page, errors, foreignRequests };
}

describe('watch page in headless chromium, on a real swarm', function () {
  this.timeout(120000);
  let browser: Browser;
  let dir: string;
  const commands: PeerCommand[] = [];

  before(async () => {
    browser = await launchChromium('The watch page test');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-watch-page-'));
    const ports = await freePorts(PEERS);
    fs.writeFileSync(
      path.join(dir, 'common.cfg'),
      ['NumberOfPreferredNeighbors 2', 'UnchokingInterval 1', 'OptimisticUnchokingInterval 2', 'FileName TheFile.dat', `FileSize ${PIECES * 16384}`, 'PieceSize 16384', ''].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), ports.map((p, i) => `${1001 + i} 127.0.0.1 ${p} ${i === 0 ? 1 : 0}`).join('\n') + '\n');
  });

  after(async () => {
    await Promise.all(commands.map((c) => c.interrupt()));
    if (browser !== undefined) await browser.close();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('peer swarm --ui: the piece maps fill in while the swarm runs, and the page stays up after it', async () => {
    // 256 KiB/s per uploader: the 1 MiB file takes seconds to spread, long enough to watch.
    const swarm = new PeerCommand(['swarm', '--config', dir, '--dir', path.join(dir, 'run'), '--upload-rate', '256KiB', '--ui', '--ui-linger', '120', '--quiet', '--make-file'], dir);
    commands.push(swarm);
    const url = await swarm.url();
    const { page, errors, foreignRequests } = await openPage(browser, url);

    const samples: number[] = [];
    let sawUnchokes = false;
    let screenshotTaken = false;
    const screenshot = path.join(dir, 'watch.png');
    const deadline = Date.now() + 90000;
    const diagnosis = (): string => `fractions sampled: ${samples.map((f) => f.toFixed(2)).join(' ')}; page errors: ${errors.join(' | ')}; swarm stderr: ${swarm.stderr}`;
    for (;;) {
      const [maps, snapshotText] = await Promise.all([page.evaluate(READ_MAPS) as Promise<MapReading[]>, request(`${url}snapshot.json`)]);
      const leechers = maps.filter((m) => m.id !== 1001);
      if (leechers.length === PEERS - 1) {
        const mean = leechers.reduce((s, m) => s + fraction(m), 0) / leechers.length;
        samples.push(mean);
        if (!screenshotTaken && mean >= 0.3 && mean < 1) {
          await page.screenshot({ path: screenshot, fullPage: true });
          screenshotTaken = true;
        }
      }
      sawUnchokes ||= (JSON.parse(snapshotText.body) as Snapshot).unchokes.length > 0;
      if ((await text(page, '#status')) === 'finished') break;
      expect(Date.now(), `the swarm finishes within 90 s; ${diagnosis()}`).to.be.below(deadline);
      await page.waitForTimeout(150);
    }

    // Filled in while it ran: seen part-way more than once, never going back, and full at the end.
    const between = samples.filter((f) => f > 0 && f < 1);
    expect(new Set(between).size, diagnosis()).to.be.at.least(2);
    for (let i = 1; i < samples.length; i++) expect(samples[i]!, `sample ${i}; ${diagnosis()}`).to.be.at.least(samples[i - 1]!);
    await page.waitForTimeout(500);
    const final = (await page.evaluate(READ_MAPS)) as MapReading[];
    expect(final.map((m) => m.id)).to.deep.equal([1001, 1002, 1003, 1004, 1005]);
    for (const m of final) {
      expect([m.id, m.have, m.total, fraction(m)], diagnosis()).to.deep.equal([m.id, PIECES, PIECES, 1]);
    }
    expect(sawUnchokes, 'the unchoke graph had edges while the swarm ran').to.equal(true);
    // The status turns 'finished' when the peers say so; the verdict follows once peer swarm has checked every copy.
    await page.waitForFunction("(document.querySelector('#verdict')?.textContent ?? '') !== ''", undefined, { timeout: 20000 }).catch(() => undefined);
    expect(await text(page, '#verdict'), diagnosis()).to.match(/^OK: every copy matches the original/);
    expect(await text(page, '#stat-complete')).to.equal(`${PEERS}/${PEERS}`);
    const feed = await page.$$eval('#feed li', (rows) => rows.map((r) => r.textContent ?? ''));
    expect(feed.length).to.be.within(1, 300);
    expect(feed.some((r) => r.includes('has downloaded the complete file'))).to.equal(true);
    expect(errors, diagnosis()).to.deep.equal([]);
    expect(foreignRequests, 'nothing fetched from elsewhere').to.deep.equal([]);

    expect(screenshotTaken, `a screenshot while the maps were half full; ${diagnosis()}`).to.equal(true);
    expect(fs.statSync(screenshot).size).to.be.above(20000);
    if (process.env['WATCH_SCREENSHOT']) fs.copyFileSync(screenshot, process.env['WATCH_SCREENSHOT']);

    // The page stays up after the swarm until Ctrl-C; then the command exits with the swarm's verdict.
    expect((await request(url)).status).to.equal(200);
    expect(await swarm.interrupt()).to.equal(0);
    expect(swarm.stdout).to.match(/result {6}OK: every copy matches the original/);
    await page.close();
  });

  it('peer watch on the finished run folder shows the whole run', async () => {
    const watch = new PeerCommand(['watch', path.join(dir, 'run')], dir);
    commands.push(watch);
    const { page, errors } = await openPage(browser, await watch.url());
    await page.waitForFunction(`document.getElementById('status').textContent === 'finished' && document.querySelectorAll('.peer').length === ${PEERS}`, undefined, { timeout: 15000 });
    await page.waitForTimeout(500);
    const maps = (await page.evaluate(READ_MAPS)) as MapReading[];
    expect(maps.map((m) => [m.id, m.have, fraction(m)])).to.deep.equal([1001, 1002, 1003, 1004, 1005].map((id) => [id, PIECES, 1]));
    const snapshot = JSON.parse((await request(`${await watch.url()}snapshot.json`)).body) as Snapshot;
    const delivered = snapshot.rates.reduce((sum, b) => sum + b.bytes.reduce((s, [, down]) => s + down, 0), 0);
    expect(delivered, 'every byte the leechers downloaded is in the rate history').to.equal((PEERS - 1) * PIECES * 16384);
    expect(errors).to.deep.equal([]);
    expect(await watch.interrupt()).to.equal(0);
    await page.close();
  });
});
