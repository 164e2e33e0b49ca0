/**
 * The HTML report in a real headless browser (Debian's chromium driven by
 * playwright-core, which never downloads a browser of its own). Nothing here
 * is skipped: without chromium the suite fails and says how to install it.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../../helpers/chromium';
import type { AbReport } from '../../../app/ab/model';
import { completionTimes, shareRatios } from '../../../app/ab/report-charts';
import { renderHtml, reportJson, writeReports } from '../../../app/ab/report-html';
import { FAILED, makeReport, PAIRS, PEERS, SEEDER_ID, VARIANT_A } from './fixture';


interface Loaded {
  readonly page: Page;
  /** Console errors and uncaught page errors. */
  readonly errors: string[];
  /** Every URL the page asked for other than the report itself. */
  readonly requests: string[];
}

/**
 * The little of the DOM the page functions use (the project compiles without
 * the DOM lib; these callbacks run in the browser).
 */
interface DomElement {
  getAttribute(name: string): string | null;
  readonly textContent: string | null;
  getBoundingClientRect(): { readonly width: number; readonly height: number };
}
interface SvgPath extends DomElement {
  getTotalLength(): number;
}

interface Cell {
  readonly metric: string;
  readonly variant: string | null;
  readonly field: string;
  readonly value: string;
  readonly text: string;
}

describe('ab/report-html in headless chromium', function () {
  this.timeout(90000);
  let browser: Browser;
  let dir: string;

  before(async function () {
    browser = await launchChromium('The HTML report test');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-report-'));
  });

  after(async function () {
    if (browser !== undefined) await browser.close();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function open(htmlPath: string): Promise<Loaded> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    const self = pathToFileURL(htmlPath).href;
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      if (r.url() !== self) requests.push(r.url());
    });
    const response = await page.goto(self, { waitUntil: 'load' });
    expect(response === null || response.ok(), 'page loads').to.equal(true);
    return { page, errors, requests };
  }

  describe('the fixture report', () => {
    let report: AbReport;
    let json: AbReport;
    let loaded: Loaded;

    before(async () => {
      report = makeReport();
      const out = writeReports(report, path.join(dir, 'nested', 'out'));
      expect(path.basename(out.html)).to.equal('report.html');
      json = JSON.parse(fs.readFileSync(out.json, 'utf8')) as AbReport;
      loaded = await open(out.html);
    });

    after(async () => {
      await loaded?.page.close();
    });

    it('renders without console errors and loads nothing from outside', () => {
      expect(loaded.errors).to.deep.equal([]);
      expect(loaded.requests).to.deep.equal([]);
      expect(fs.readFileSync(path.join(dir, 'nested', 'out', 'report.html'), 'utf8')).not.to.match(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    });

    it('draws a CDF with one step line per variant, a legend and labelled axes', async () => {
      const { page } = loaded;
      const series = await page.$$eval('#cdf-chart path.series', (ps: SvgPath[]) =>
        ps.map((p) => ({ variant: p.getAttribute('data-variant'), count: Number(p.getAttribute('data-count')), len: p.getTotalLength() })),
      );
      const times = completionTimes(report);
      expect(series.map((s) => s.variant)).to.deep.equal(['A', 'B']);
      expect(series[0]!.count).to.equal(times.A.length);
      expect(series[1]!.count).to.equal(times.B.length);
      // 9 leechers per run: 4 good A runs, 3 good B runs.
      expect(times.A.length).to.equal(9 * PAIRS);
      expect(times.B.length).to.equal(9 * (PAIRS - 1));
      for (const s of series) expect(s.len).to.be.above(100);
      await expectLegendAndAxes(page, '#cdf-chart', 'seconds from joining', 'share of peers complete');
    });

    it('draws one availability line per successful run', async () => {
      const { page } = loaded;
      const series = await page.$$eval('#availability-chart path.series', (ps: DomElement[]) =>
        ps.map((p) => `${p.getAttribute('data-variant')}${p.getAttribute('data-pair')}`),
      );
      expect(series.sort()).to.deep.equal(['A0', 'A1', 'A2', 'A3', 'B0', 'B1', 'B3']);
      await expectLegendAndAxes(page, '#availability-chart', 'seconds since the swarm started', 'copies of the rarest piece');
    });

    it('draws share-ratio bars for every leecher, A and B side by side, without the seeder', async () => {
      const { page } = loaded;
      const bars = await page.$$eval('#share-chart rect.bar', (rs: DomElement[]) =>
        rs.map((r) => ({
          variant: r.getAttribute('data-variant')!,
          peer: Number(r.getAttribute('data-peer')),
          value: Number(r.getAttribute('data-value')),
          x: Number(r.getAttribute('x')),
          height: r.getBoundingClientRect().height,
        })),
      );
      expect(bars).to.have.length(2 * (PEERS - 1));
      expect(bars.some((b) => b.peer === SEEDER_ID)).to.equal(false);
      const expected = shareRatios(report);
      for (const p of expected.leechers) {
        const a = bars.find((b) => b.peer === p.id && b.variant === 'A')!;
        const b = bars.find((x) => x.peer === p.id && x.variant === 'B')!;
        expect(a.value).to.be.closeTo(p.ratio.A!, 1e-9);
        expect(b.value).to.be.closeTo(p.ratio.B!, 1e-9);
        expect(a.x).to.be.below(b.x);
        expect(a.height).to.be.above(0);
      }
      expect(await page.textContent('#charts')).to.contain(`seeder ${SEEDER_ID} uploaded`);
      await expectLegendAndAxes(page, '#share-chart', 'peer id', 'share ratio');
    });

    it('shows the same numbers in the comparison table as report.json', async () => {
      const { page } = loaded;
      const cells = await page.$$eval('#comparison-table td[data-metric]', (tds: DomElement[]) =>
        tds.map((td) => ({
          metric: td.getAttribute('data-metric')!,
          variant: td.getAttribute('data-variant'),
          field: td.getAttribute('data-field')!,
          value: td.getAttribute('data-value') ?? '',
          text: (td.textContent ?? '').trim(),
        })),
      );
      const find = (metric: string, field: string, variant: string | null): Cell => {
        const cell = cells.find((c) => c.metric === metric && c.field === field && c.variant === variant);
        expect(cell, `${metric} ${field} ${variant ?? ''}`).to.not.equal(undefined);
        return cell!;
      };
      expect(json.comparisons).to.have.length(6);
      for (const c of json.comparisons) {
        const a = find(c.metric, 'median', 'A');
        const b = find(c.metric, 'median', 'B');
        expect(Number(a.value), c.metric).to.equal(c.a.median);
        expect(Number(b.value), c.metric).to.equal(c.b.median);
        expect(Number(find(c.metric, 'difference', 'B-A').value)).to.equal(c.difference.value);
        expect(Number(find(c.metric, 'p', null).value)).to.equal(c.pValue);
        expect(find(c.metric, 'verdict', null).text).to.equal(c.verdict);
        expect(find(c.metric, 'test', null).value).to.equal(c.test);
        expect(find(c.metric, 'test', null).text).to.equal(c.test === 'mann-whitney' ? `Mann-Whitney ${c.testMethod}` : `signed-rank ${c.testMethod}`);
        // What a person reads is the same number, rounded.
        const shownA = Number(a.text.split(' ')[0]);
        const shownB = Number(b.text.split(' ')[0]);
        expect(shownA).to.be.closeTo(c.a.median, Math.abs(c.a.median) * 0.001 + 0.0001);
        expect(shownB).to.be.closeTo(c.b.median, Math.abs(c.b.median) * 0.001 + 0.0001);
      }
      // And report.json holds what the report was built from.
      expect(json.comparisons).to.deep.equal(JSON.parse(JSON.stringify(report.comparisons)));
    });

    it('lists the failed run', async () => {
      const rows = await loaded.page.$$eval('#failed-runs tbody tr', (trs: DomElement[]) =>
        trs.map((tr) => ({ pair: tr.getAttribute('data-pair'), variant: tr.getAttribute('data-variant'), text: tr.textContent ?? '' })),
      );
      expect(rows).to.have.length(1);
      expect(rows[0]!.pair).to.equal(String(FAILED.pair));
      expect(rows[0]!.variant).to.equal(FAILED.variant);
      expect(rows[0]!.text).to.contain(FAILED.failure).and.to.contain(`run ${FAILED.pair + 1}`);
    });

    it('lays the charts out at a readable size (screenshot in /tmp/report.png)', async () => {
      const { page } = loaded;
      for (const id of ['#cdf-chart', '#availability-chart', '#share-chart']) {
        const box = await page.locator(id).boundingBox();
        expect(box, id).to.not.equal(null);
        expect(box!.width, id).to.be.above(600);
        expect(box!.height, id).to.be.above(250);
      }
      const screenshot = path.join(dir, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(fs.statSync(screenshot).size).to.be.above(10000);
    });
  });

  it('escapes text from the report (plugin names can contain anything)', async () => {
    const evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">&amp;"\'';
    const report = makeReport({
      a: { ...VARIANT_A, settings: { ...VARIANT_A.settings, 'choke"><b>': evil } },
      b: { label: 'B', settings: { strategy: evil } },
      profile: '<svg onload="window.__pwned = 3">',
    });
    const runs = report.runs.map((r) => (r.ok ? r : { ...r, failure: '</td><script>window.__pwned = 4</script>' }));
    const file = path.join(dir, 'evil', 'report.html');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, renderHtml({ ...report, runs }));
    const { page, errors, requests } = await open(file);
    try {
      expect(errors).to.deep.equal([]);
      expect(requests).to.deep.equal([]);
      expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).to.equal(undefined);
      expect(await page.locator('script, img, b').count()).to.equal(0);
      expect(await page.textContent('.subtitle')).to.contain(evil);
      expect(await page.textContent('#failed-runs')).to.contain('</td><script>');
      expect(await page.textContent('#setup')).to.contain('<svg onload=');
    } finally {
      await page.close();
    }
  });

  it('writes valid JSON (infinite share ratios become null)', () => {
    const report = makeReport();
    const text = reportJson(report);
    const parsed = JSON.parse(text) as { runs: Array<{ peers: Array<{ id: number; shareRatio: number | null }> }> };
    const seeder = parsed.runs[0]!.peers.find((p) => p.id === SEEDER_ID)!;
    expect(seeder.shareRatio).to.equal(null);
    expect(text).not.to.match(/Infinity|NaN/);
  });
});

async function expectLegendAndAxes(page: Page, chart: string, xLabel: string, yLabel: string): Promise<void> {
  const legend = await page.$$eval(`${chart} .legend-item`, (items: DomElement[]) => items.map((i) => i.getAttribute('data-variant')));
  expect(legend, `${chart} legend`).to.deep.equal(['A', 'B']);
  const labels = await page.$$eval(`${chart} .axis-label`, (ts: DomElement[]) => ts.map((t) => t.textContent ?? ''));
  expect(labels.some((l) => l.includes(xLabel)), `${chart} x label`).to.equal(true);
  expect(labels.some((l) => l.includes(yLabel)), `${chart} y label`).to.equal(true);
  const ticks = await page.$$eval(`${chart} .y-axis text:not(.axis-label)`, (ts: DomElement[]) => ts.length);
  expect(ticks, `${chart} y ticks`).to.be.at.least(3);
}
