import { expect } from 'chai';
import { formatTable } from '../../../app/ab/report-table';
import { buildComparisons } from '../../../app/ab/stats';
import { makeReport, VARIANT_B } from './fixture';

describe('ab/report-table', () => {
  const report = makeReport();
  const text = formatTable(report);
  const lines = text.split('\n');

  it('starts with the setup: mode, variants, peers, file size, profile', () => {
    expect(lines[0]).to.contain('sim mode');
    expect(lines[1]).to.equal('A: choke=tit-for-tat, strategy=rarest-first');
    expect(lines[2]).to.equal('B: choke=tit-for-tat, strategy=random-first');
    expect(lines[3]).to.equal('peers: 10, file: 20 MiB (pieces of 256 KiB), profile: mixed-3-slow, seed: 42');
    expect(lines[4]).to.contain('4 pairs, 7 ok, 1 failed');
  });

  it('has one row per metric with medians, intervals, difference, p and verdict', () => {
    const header = lines.findIndex((l) => l.startsWith('metric'));
    expect(header).to.be.above(0);
    expect(lines[header]).to.match(/A median \[95% CI\].*B median \[95% CI\].*B-A \[95% CI\].*p.*verdict/);
    for (const [i, c] of report.comparisons.entries()) {
      const row = lines[header + 2 + i]!;
      expect(row.startsWith(c.metric), row).to.equal(true);
      expect(row).to.contain(c.verdict);
    }
    const swarm = lines[header + 2]!;
    const c = report.comparisons[0]!;
    expect(swarm).to.contain(`${c.a.median.toFixed(2)} [${c.a.ci[0].toFixed(2)}, ${c.a.ci[1].toFixed(2)}]`);
    expect(swarm).to.contain(`${c.b.median.toFixed(2)} [${c.b.ci[0].toFixed(2)}, ${c.b.ci[1].toFixed(2)}]`);
    expect(swarm).to.contain(c.pValue.toFixed(3));
  });

  it('says which test produced each p', () => {
    const header = lines.findIndex((l) => l.startsWith('metric'));
    expect(lines[header]).to.match(/ p  test +verdict/);
    expect(text).to.contain('Wilcoxon signed-rank test of the run pairs');
    // Run 3 B failed, so every metric has a broken pair: Mann-Whitney, exact at these sizes.
    for (const [i, c] of report.comparisons.entries()) {
      expect(c.test).to.equal('mann-whitney');
      expect(lines[header + 2 + i]).to.contain(`${c.pValue.toFixed(3)}  Mann-Whitney exact`);
    }
    const intactRuns = report.runs.filter((r) => r.pair !== 2);
    const intact = makeReport({ runs: intactRuns, comparisons: buildComparisons(intactRuns, report.seed) });
    const intactText = formatTable(intact);
    expect(intactText).to.contain('signed-rank exact');
    expect(intactText).not.to.contain('Mann-Whitney exact');
    // 3 complete pairs: the smallest signed-rank p is 2/8.
    expect(intactText).to.contain('With 3 complete run pairs the smallest possible p of the signed-rank test is 0.250');
  });

  it('aligns the columns', () => {
    const header = lines.findIndex((l) => l.startsWith('metric'));
    const rows = lines.slice(header + 2, header + 2 + report.comparisons.length);
    const pColumnEnd = (l: string): number => l.search(/\d\.\d{3}  (signed-rank|Mann-Whitney) (exact|normal)/);
    const ends = new Set(rows.map(pColumnEnd));
    expect(ends.size).to.equal(1);
    expect([...ends][0]).to.be.above(0);
  });

  it('lists the failed run and says when the samples are too small for significance', () => {
    expect(lines).to.include('run 3 B FAILED: timeout after 120 s');
    expect(text).to.contain('smallest possible p is 0.057');
  });

  it('does not pass terminal control sequences through', () => {
    const nasty = makeReport({ b: { ...VARIANT_B, settings: { strategy: 'evil\u001b[2J\u001b[31mred' } } });
    const out = formatTable(nasty);
    expect(out).not.to.contain('\u001b');
    expect(out).to.contain('evil\\u001b[2J');
  });
});
