import { expect } from 'chai';
import { availabilitySeries, completionTimes, integerTicks, niceTicks, shareRatios } from '../../../app/ab/report-charts';
import { formatNumber, formatP, formatSigned } from '../../../app/ab/report-format';
import { renderHtml, reportJson } from '../../../app/ab/report-html';
import { formatTable } from '../../../app/ab/report-table';
import { buildComparisons, VERDICT_NO_DATA } from '../../../app/ab/stats';
import { makeReport, PAIRS, PEERS, SEEDER_ID } from './fixture';

describe('ab/report-charts and formatting', () => {
  it('picks round ticks that cover the data', () => {
    for (const max of [0.7, 3, 27.3, 118, 4500]) {
      const ticks = niceTicks(0, max);
      expect(ticks[0]).to.equal(0);
      expect(ticks[ticks.length - 1]).to.be.at.least(max);
      expect(ticks.length).to.be.within(3, 8);
    }
    expect(integerTicks(11)).to.deep.equal([0, 2, 4, 6, 8, 10, 12]);
    expect(integerTicks(3)).to.deep.equal([0, 1, 2, 3]);
  });

  it('extracts chart data from successful runs only', () => {
    const report = makeReport();
    expect(completionTimes(report).B).to.have.length((PEERS - 1) * (PAIRS - 1));
    expect(availabilitySeries(report)).to.have.length(2 * PAIRS - 1);
    const share = shareRatios(report);
    expect(share.leechers.map((p) => p.id)).to.not.include(SEEDER_ID);
    expect(share.leechers).to.have.length(PEERS - 1);
    expect(share.seeders.map((s) => s.id)).to.deep.equal([SEEDER_ID]);
  });

  it('formats numbers without "-0" and with explicit signs on differences', () => {
    expect(formatNumber(-0.00001, 3)).to.equal('0.000');
    expect(formatSigned(1.5, 2)).to.equal('+1.50');
    expect(formatSigned(-1.5, 2)).to.equal('-1.50');
    expect(formatNumber(NaN, 2)).to.equal('n/a');
    expect(formatP(0.0001)).to.equal('<0.001');
  });

  it('still renders when every run failed', () => {
    const base = makeReport();
    const runs = base.runs.map((r) => ({ ...r, ok: false, failure: 'a peer crashed' }));
    const report = { ...base, runs, comparisons: buildComparisons(runs, base.seed) };
    for (const c of report.comparisons) expect(c.verdict).to.equal(VERDICT_NO_DATA);
    const html = renderHtml(report);
    expect(html).to.contain('No completed peers in successful runs.');
    expect(html).to.contain('No availability data in successful runs.');
    expect(html).to.contain('No leechers in successful runs.');
    expect(() => JSON.parse(reportJson(report)) as unknown).not.to.throw();
    expect(formatTable(report)).to.contain('run 1 A FAILED: a peer crashed');
  });
});
