import { expect } from 'chai';
import { computeRunMetrics, pieceDiversity, PeerRecord } from '../../../app/ab/metrics';
import { chooseCohort, cohortSize, mixedPlans } from '../../../app/ab/mixed';
import { Variant } from '../../../app/ab/model';
import { PeerShape, shapePeers, UNLIMITED_PROFILE, parseProfile } from '../../../app/ab/profile';
import { buildSections, classSection, uploadDownloadRatio } from '../../../app/ab/sections';
import { SwarmEvent } from '../../../core/events';
import { makeReport } from './fixture';

const PROFILE = parseProfile(
  {
    name: 'three',
    classes: [
      { name: 'slow', share: 2, upload: '256KiB' },
      { name: 'medium', share: 1, upload: '1MiB' },
      { name: 'fast', share: 1, upload: '4MiB' },
    ],
  },
  'test profile',
);

describe('ab/mixed: the B cohort', () => {
  const shapes: PeerShape[] = shapePeers(PROFILE, 201, 1);

  it('takes F of the leechers, at least one, never the seeder', () => {
    expect(cohortSize(0.25, 200)).to.equal(50);
    expect(cohortSize(1 / 200, 200)).to.equal(1);
    expect(cohortSize(0.0001, 200)).to.equal(1);
    expect(cohortSize(1, 200)).to.equal(200);
    expect(() => cohortSize(0, 200)).to.throw(RangeError);
    expect(() => cohortSize(1.5, 200)).to.throw(RangeError);
    const cohort = chooseCohort(shapes, 0.25, 42);
    expect(cohort.size).to.equal(50);
    expect(cohort.has(0)).to.equal(false);
    for (const i of cohort) expect(i).to.be.within(1, 200);
  });

  it('gives every bandwidth class its share of the cohort', () => {
    // 200 leechers: 100 slow, 50 medium, 50 fast; a quarter of each (12.5 rounds up for one of the two).
    const cohort = chooseCohort(shapes, 0.25, 42);
    const count = (c: string) => [...cohort].filter((i) => shapes[i]!.className === c).length;
    expect(count('slow')).to.equal(25);
    expect(count('medium') + count('fast')).to.equal(25);
    expect(Math.abs(count('medium') - count('fast'))).to.be.at.most(1);
  });

  it('is the same for a seed, different across seeds, and fair: every leecher equally likely', () => {
    expect([...chooseCohort(shapes, 0.1, 7)]).to.deep.equal([...chooseCohort(shapes, 0.1, 7)]);
    expect([...chooseCohort(shapes, 0.1, 7)].sort()).to.not.deep.equal([...chooseCohort(shapes, 0.1, 8)].sort());
    // One B peer in a 4-leecher swarm of one class, over 4,000 seeds: each leecher about 1,000 times.
    const small = shapePeers(UNLIMITED_PROFILE, 5, 1);
    const hits = [0, 0, 0, 0, 0];
    for (let seed = 0; seed < 4000; seed++) for (const i of chooseCohort(small, 0.25, seed)) hits[i]!++;
    expect(hits[0]).to.equal(0);
    for (const h of hits.slice(1)) expect(h).to.be.within(880, 1120); // binomial(4000, 1/4): sd 27, so +-4.4 sd
  });

  it('plans a baseline on A and a mixed run with the cohort on B, both marking the cohort', () => {
    const a: Variant = { label: 'A', settings: { choke: 'classic' } };
    const b: Variant = { label: 'B', settings: { choke: 'bittyrant' } };
    const [baseline, mixed] = mixedPlans(a, b, new Set([2, 4]));
    expect([0, 1, 2, 3, 4].map((i) => baseline.variantOf(i).settings.choke)).to.deep.equal(['classic', 'classic', 'classic', 'classic', 'classic']);
    expect([0, 1, 2, 3, 4].map((i) => mixed.variantOf(i).settings.choke)).to.deep.equal(['classic', 'classic', 'bittyrant', 'classic', 'bittyrant']);
    for (const plan of [baseline, mixed]) expect([0, 1, 2, 3, 4].map((i) => plan.cohortOf!(i))).to.deep.equal([undefined, 'A', 'B', 'A', 'B']);
    expect([baseline.label, mixed.label]).to.deep.equal(['A', 'B']);
  });
});

describe('ab/sections', () => {
  it('reports each class: median download time and uploaded / downloaded bytes', () => {
    const report = makeReport();
    const section = classSection(report.runs, report.seed)!;
    expect(section.comparisons.map((c) => c.metric)).to.deep.equal([
      'class fast: download time, median',
      'class fast: uploaded / downloaded',
      'class slow: download time, median',
      'class slow: uploaded / downloaded',
    ]);
    const ratio = section.comparisons[3]!;
    expect(ratio.neutral).to.equal(true);
    // By hand, for the A runs: total up / total down of the slow leechers of each run, then the median.
    const perRun = report.runs
      .filter((r) => r.ok && r.variant === 'A')
      .map((r) => {
        const slow = r.peers.filter((p) => p.profileClass === 'slow');
        return slow.reduce((s, p) => s + p.bytesUp, 0) / slow.reduce((s, p) => s + p.bytesDown, 0);
      })
      .sort((x, y) => x - y);
    expect(ratio.a.median).to.be.closeTo((perRun[1]! + perRun[2]!) / 2, 1e-12);
    expect(uploadDownloadRatio([])).to.equal(undefined);
  });

  it('adds the cohort tables only to a mixed comparison', () => {
    const report = makeReport();
    expect(buildSections(report.runs, 1, false).map((s) => s.id)).to.deep.equal(['piece-diversity', 'per-class']);
    expect(buildSections(report.runs, 1, true).map((s) => s.id)).to.deep.equal(['piece-diversity', 'per-class', 'per-cohort', 'inside-mixed']);
  });
});

describe('ab/metrics: piece diversity (Legout et al.)', () => {
  const downloaded = (at: number, index: number): { time: number; event: SwarmEvent } => ({ time: at, event: { kind: 'piece-downloaded', at, peer: 1, index, bytes: 10 } as SwarmEvent });

  it('ends the transient phase when every piece has left the seed, then averages rarest / mean copies', () => {
    // 1 seed, 2 leechers, 2 pieces. Copies start [1, 1].
    // t=1: leecher 1 gets piece 0 -> [2, 1]; t=3: leecher 2 gets piece 1 -> [2, 2] (transient ends at 3 s);
    // t=5: leecher 1 gets piece 1 -> [2, 3]: min 2, mean 2.5 from 5 s; t=9: leecher 2 gets piece 0 -> [3, 3].
    // After the transient: min / mean = 1 for 2 s (3..5), then 2 / 2.5 = 0.8 for 4 s (5..9): (2 + 3.2) / 6.
    const records: PeerRecord[] = [
      { id: 1, seeder: true, joinedAt: 0, events: [] },
      { id: 2, seeder: false, joinedAt: 0, events: [downloaded(1000, 0), downloaded(5000, 1)] },
      { id: 3, seeder: false, joinedAt: 0, events: [downloaded(3000, 1), downloaded(9000, 0)] },
    ];
    const d = pieceDiversity(records, 0, 2);
    expect(d.transientMs).to.equal(3000);
    expect(d.rarestToMean).to.be.closeTo(5.2 / 6, 1e-12);
    // A piece still only on the seed: the transient phase never ends.
    expect(pieceDiversity([records[0]!, { ...records[1]!, events: [downloaded(1000, 0)] }], 0, 2)).to.deep.equal({});
    const run = computeRunMetrics(records, { variant: 'A', pair: 0, seed: 1, numPieces: 2, fileSize: 20 });
    expect(run.transientMs).to.equal(3000);
  });

  it('counts what a leecher uploaded before it completed', () => {
    const ev = (at: number, e: Record<string, unknown>): { time: number; event: SwarmEvent } => ({ time: at, event: { ...e, at } as unknown as SwarmEvent });
    const records: PeerRecord[] = [
      { id: 1, seeder: true, joinedAt: 0, events: [ev(1, { kind: 'piece-uploaded', peer: 2, index: 0, bytes: 10 })] },
      {
        id: 2,
        seeder: false,
        joinedAt: 0,
        events: [
          ev(2, { kind: 'piece-uploaded', peer: 3, index: 0, bytes: 10 }),
          ev(3, { kind: 'piece-downloaded', peer: 1, index: 1, bytes: 10, have: 2, total: 2 }),
          // It holds every piece: serving before the store reports file-complete is seeding, not leeching.
          ev(4, { kind: 'piece-uploaded', peer: 3, index: 1, bytes: 10 }),
          ev(5, { kind: 'file-complete' }),
          ev(6, { kind: 'piece-uploaded', peer: 3, index: 1, bytes: 10 }),
        ],
      },
    ];
    const run = computeRunMetrics(records, { variant: 'A', pair: 0, seed: 1, numPieces: 2, fileSize: 20 });
    expect(run.peers.map((p) => [p.bytesUp, p.bytesUpWhileLeeching])).to.deep.equal([
      [10, 0],
      [30, 10],
    ]);
  });
});
