import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SwarmEvent, SwarmEventBody } from '../../../core/events';
import { DEFAULT_CONFIG_DIR } from '../../../core/paths';
import { availabilityOverTime, computeRunMetrics, jainIndex, PeerRecord } from '../../../app/ab/metrics';
import { loadProfile, parseProfile, ProfileError, shapePeers } from '../../../app/ab/profile';

describe('bandwidth profiles', () => {
  it('every shipped profile loads', () => {
    const dir = path.join(DEFAULT_CONFIG_DIR, 'profiles');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files).to.include.members(['mixed.json', 'flash-crowd.json', 'uniform.json']);
    for (const f of files) expect(loadProfile(path.join(dir, f)).classes.length).to.be.greaterThan(0);
  });

  it('deals classes in proportion to their shares, the same way for the same seed', () => {
    const profile = loadProfile(path.join(DEFAULT_CONFIG_DIR, 'profiles', 'mixed.json'));
    const shapes = shapePeers(profile, 13, 5);
    expect(shapes[0]!.className).to.equal('seeder');
    expect(shapes[0]!.joinMs).to.equal(0);
    const counts: Record<string, number> = {};
    for (const s of shapes.slice(1)) counts[s.className] = (counts[s.className] ?? 0) + 1;
    expect(counts).to.deep.equal({ slow: 4, medium: 4, fast: 4 });
    expect(shapePeers(profile, 13, 5)).to.deep.equal(shapes);
    // Another pair: the same classes per peer, other join times.
    const other = shapePeers(profile, 13, 6);
    expect(other.map((s) => s.className)).to.deep.equal(shapes.map((s) => s.className));
    expect(other.map((s) => s.joinMs)).to.not.deep.equal(shapes.map((s) => s.joinMs));
    for (const s of shapes.slice(1)) expect(s.joinMs).to.be.within(0, 1000);
    expect(shapes.find((s) => s.className === 'slow')!.upload).to.equal(256 * 1024);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['no classes', { name: 'x', classes: [] }, /"classes" must be a non-empty list/],
    ['a bad rate', { classes: [{ name: 'a', upload: 'fast' }] }, /classes\[0\]\.upload: "fast" is not a size/],
    ['a negative share', { classes: [{ name: 'a', share: -1 }] }, /classes\[0\]\.share must be a positive number/],
    ['a reversed join window', { classes: [{ name: 'a', joinMs: [500, 100] }] }, /classes\[0\]\.joinMs must be ms >= 0 or \[min, max\]/],
    ['a nameless class', { classes: [{ upload: '1MiB' }] }, /classes\[0\]\.name must be a non-empty string/],
    ['not an object', [1, 2], /the profile must be a JSON object/],
  ];
  for (const [what, raw, message] of bad) {
    it(`rejects a profile with ${what}, naming the file and field`, () => {
      expect(() => parseProfile(raw, 'my.json')).to.throw(ProfileError, message).with.property('message').that.match(/^my\.json: /);
    });
  }

  it('rejects a file that is not JSON', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-prof-')), 'broken.json');
    fs.writeFileSync(file, '{ "classes": [ ');
    expect(() => loadProfile(file)).to.throw(ProfileError, /broken\.json: cannot read profile/);
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});

describe('run metrics from the event stream', () => {
  const ev = (time: number, body: SwarmEventBody, self: number): { time: number; event: SwarmEvent } => ({ time, event: { ...body, self, at: time } as SwarmEvent });

  /** Seeder 1 and leechers 2, 3 sharing a 3-piece file of 100-byte pieces. */
  function records(): PeerRecord[] {
    return [
      { id: 1, seeder: true, events: [ev(1000, { kind: 'started', summary: {} }, 1), ...[0, 1, 2].map((i) => ev(1100 + i, { kind: 'piece-uploaded', peer: 2, index: i, bytes: 100 }, 1)), ev(1200, { kind: 'piece-uploaded', peer: 3, index: 0, bytes: 100 }, 1)] },
      {
        id: 2,
        seeder: false,
        events: [
          ev(1000, { kind: 'started', summary: {} }, 2),
          ...[0, 1, 2].map((i) => ev(1100 + i, { kind: 'piece-downloaded', peer: 1, index: i, bytes: 100, have: i + 1, total: 3 }, 2)),
          ev(1103, { kind: 'file-complete' }, 2),
          ev(1300, { kind: 'piece-uploaded', peer: 3, index: 1, bytes: 100 }, 2),
          ev(1301, { kind: 'piece-uploaded', peer: 3, index: 2, bytes: 100 }, 2),
        ],
      },
      {
        id: 3,
        seeder: false,
        events: [
          ev(1500, { kind: 'started', summary: {} }, 3),
          ev(1600, { kind: 'piece-downloaded', peer: 1, index: 0, bytes: 100, have: 1, total: 3 }, 3),
          ev(1700, { kind: 'piece-downloaded', peer: 2, index: 1, bytes: 100, have: 2, total: 3 }, 3),
          ev(1710, { kind: 'piece-discarded', peer: 1, index: 1, bytes: 100, reason: 'duplicate' }, 3),
          ev(1800, { kind: 'piece-downloaded', peer: 2, index: 2, bytes: 100, have: 3, total: 3 }, 3),
          ev(1801, { kind: 'file-complete' }, 3),
        ],
      },
    ];
  }

  it('measures completion, bytes, share ratios, duplicates and the seeder upload', () => {
    const m = computeRunMetrics(records(), { variant: 'A', pair: 0, seed: 1, numPieces: 3, fileSize: 300 });
    expect(m.ok).to.equal(true);
    expect(m.swarmDoneMs).to.equal(801);
    const [s, p2, p3] = m.peers;
    expect(s).to.include({ seeder: true, bytesUp: 400, bytesDown: 0, shareRatio: Infinity });
    expect(p2).to.include({ joinedMs: 0, completedMs: 103, bytesDown: 300, bytesUp: 200 });
    expect(p2!.shareRatio).to.be.closeTo(2 / 3, 1e-9);
    expect(p3).to.include({ joinedMs: 500, completedMs: 801, bytesDown: 400, duplicateBytes: 100 });
    expect(m.seederUploadBytes).to.equal(400);
    expect(m.duplicateBytes).to.equal(100);
    // Download rates 300/103 and 300/301 bytes per ms.
    expect(m.fairness).to.be.closeTo(jainIndex([300 / 103, 300 / 301]), 1e-12);
  });

  it('reports a run in which a peer never completed as failed, never as a time', () => {
    const r = records();
    const cut = { ...r[2]!, events: r[2]!.events.slice(0, 3) };
    const m = computeRunMetrics([r[0]!, r[1]!, cut], { variant: 'B', pair: 1, seed: 2, numPieces: 3, fileSize: 300 });
    expect(m.ok).to.equal(false);
    expect(m.failure).to.match(/1 peer\(s\) never completed/);
    expect(m.swarmDoneMs).to.equal(undefined);
  });

  it('follows the fewest copies of any piece over time', () => {
    const points = availabilityOverTime(records(), 1000, 3);
    // One seeder: 1 copy each; after 2 has everything: 2; after 3 has everything: 3.
    expect(points).to.deep.equal([
      { t: 0, minCopies: 1 },
      { t: 102, minCopies: 2 },
      { t: 800, minCopies: 3 },
    ]);
  });

  it("computes Jain's index", () => {
    expect(jainIndex([5, 5, 5])).to.equal(1);
    expect(jainIndex([1, 0, 0, 0])).to.equal(0.25);
  });
});
