import 'reflect-metadata';
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PeerEngine } from '../../../core/engine/peer-engine';
import { METRIC_EVENT_KINDS, SimPeerShape, simulate, SimulationOptions, SimulationResult } from '../../../app/sim/run-simulation';
import { summarize } from '../../../app/sim/sim-summary';
import { dialPlan, randomNeighborSets } from '../../../core/sim/topology';
import { SeededRandom } from '../../../core/util/random';

const MiB = 1024 * 1024;
const KiB = 1024;

const leechers = (r: SimulationResult) => r.peers.filter((p) => !p.seeder);

/** Every event of every peer, as text: two runs are identical when these are. */
const transcript = (r: SimulationResult): string[] => r.peers.flatMap((p) => p.events.map((e) => JSON.stringify(e)));

describe('sim/topology', () => {
  it('gives every peer `degree` distinct random neighbours (symmetric), or the full mesh', () => {
    const sets = randomNeighborSets(200, 12, new SeededRandom(3));
    for (let i = 0; i < 200; i++) {
      expect(new Set(sets[i]).size, `peer ${i}`).to.equal(sets[i]!.length);
      expect(sets[i]).to.not.include(i);
      expect(sets[i]!.length).to.be.within(11, 12);
      for (const j of sets[i]!) expect(sets[j]).to.include(i);
    }
    expect(randomNeighborSets(5, 4, new SeededRandom(1)).map((s) => s.length)).to.deep.equal([4, 4, 4, 4, 4]);
  });

  it('the later of two neighbours dials the earlier one', () => {
    expect(dialPlan([[1, 2], [0, 2], [0, 1]], [0, 500, 100])).to.deep.equal([[], [0, 2], [0]]);
  });
});

describe('sim/simulate', function () {
  this.timeout(60_000);

  it('a 10-peer swarm (full mesh) completes: every leecher reports file-complete, every engine ends the run itself', async () => {
    const r = await simulate({
      peers: 10,
      fileSize: 2 * MiB + 12345,
      pieceSize: 64 * KiB,
      shapes: (i) => ({ upload: (1 + (i % 3)) * MiB, download: 8 * MiB, latencyMs: 5 + i, joinMs: i * 200 }),
    });
    expect(r.complete).to.equal(true);
    expect(r.fullMesh).to.equal(true);
    expect(r.stopReason).to.equal('complete');
    for (const p of leechers(r)) {
      const complete = p.events.filter((e) => e.kind === 'file-complete');
      expect(complete, `peer ${p.id}`).to.have.length(1);
      expect(p.completedMs).to.equal(complete[0]!.at);
      expect(p.events.filter((e) => e.kind === 'piece-downloaded')).to.have.length(33);
    }
    for (const p of r.peers) {
      expect(p.outcome, `peer ${p.id}`).to.equal('finished');
      expect(p.degree).to.equal(9);
      expect(p.events.some((e) => e.kind === 'swarm-complete')).to.equal(true);
      expect(p.events.filter((e) => e.kind === 'error' || e.kind === 'plugin-error' || e.kind === 'protocol-violation')).to.deep.equal([]);
    }
    expect(r.swarmCompleteMs).to.equal(Math.max(...leechers(r).map((p) => p.completedMs!)));
    // The classic protocol's whole conversation happened, on virtual time.
    const kinds = new Set(r.peers.flatMap((p) => p.events.map((e) => e.kind)));
    for (const k of ['connected', 'bitfield-received', 'interested-received', 'unchoked-by', 'request-sent', 'have-received', 'piece-uploaded', 'preferred-changed'] as const) {
      expect(kinds.has(k), k).to.equal(true);
    }
  });

  it('a partial mesh (40 peers, 6 neighbours each) completes and the simulator stops the engines', async () => {
    const r = await simulate({
      peers: 40,
      degree: 6,
      seed: 9,
      fileSize: MiB,
      pieceSize: 32 * KiB,
      shapes: (i) => ({ upload: 2 * MiB, latencyMs: 10, joinMs: (i * 37) % 1000 }),
      selection: { strategy: 'rarest-first' },
    });
    expect(r.complete).to.equal(true);
    expect(r.fullMesh).to.equal(false);
    for (const p of leechers(r)) expect(p.events.filter((e) => e.kind === 'file-complete'), `peer ${p.id}`).to.have.length(1);
    for (const p of r.peers) {
      expect(p.outcome).to.equal('stopped');
      expect(p.degree).to.be.within(5, 6);
      // An engine only hears of its neighbours: it can never conclude the whole swarm is done.
      expect(p.events.some((e) => e.kind === 'swarm-complete')).to.equal(false);
    }
    // Stopped at the instant the last peer completed.
    expect(r.virtualMs).to.equal(r.swarmCompleteMs);
  });

  it('is deterministic: the same seed gives the identical event sequence, another seed another one', async () => {
    const options: SimulationOptions = {
      peers: 12,
      degree: 5,
      seed: 42,
      fileSize: MiB,
      pieceSize: 64 * KiB,
      shapes: (i) => ({ upload: (1 + (i % 4)) * MiB, download: 4 * MiB, latencyMs: 3 + (i % 5) * 7, joinMs: (i * 311) % 2000 }),
    };
    const first = await simulate(options);
    const second = await simulate(options);
    const other = await simulate({ ...options, seed: 43 });
    expect(first.complete && second.complete && other.complete).to.equal(true);
    expect(transcript(first).length).to.be.greaterThan(1000);
    expect(transcript(second)).to.deep.equal(transcript(first));
    expect(second.swarmCompleteMs).to.equal(first.swarmCompleteMs);
    expect(transcript(other)).to.not.deep.equal(transcript(first));
  });

  it('keeping a few event kinds changes nothing else: the same events of those kinds, at the same times, and the same bytes moved', async () => {
    const options: SimulationOptions = {
      peers: 12,
      degree: 5,
      seed: 7,
      fileSize: MiB,
      pieceSize: 64 * KiB,
      shapes: (i) => ({ upload: (1 + (i % 4)) * MiB, download: 4 * MiB, latencyMs: 3 + (i % 5) * 7, joinMs: (i * 311) % 2000 }),
    };
    const all = await simulate(options);
    const some = await simulate({ ...options, collect: METRIC_EVENT_KINDS });
    expect(all.complete && some.complete).to.equal(true);
    const kinds = new Set(METRIC_EVENT_KINDS);
    const kept = all.peers.map((p) => p.events.filter((e) => kinds.has(e.kind)));
    expect(kept.flat().length).to.be.greaterThan(100);
    expect(some.peers.map((p) => p.events)).to.deep.equal(kept);
    expect(some.peers.map((p) => [p.completedMs, p.bytesSent, p.bytesReceived])).to.deep.equal(all.peers.map((p) => [p.completedMs, p.bytesSent, p.bytesReceived]));
    expect(some.swarmCompleteMs).to.equal(all.swarmCompleteMs);
    expect(all.peers.some((p) => p.events.some((e) => e.kind === 'have-received'))).to.equal(true);
  });

  it('bandwidth matters: seeder -> 1 leecher at 1 MiB/s takes what the link model says, about F/R plus round trips', async () => {
    const F = 4 * MiB;
    const piece = 256 * KiB;
    const R = MiB;
    const L = 10; // each access link: one-way delay d = 2L between the two
    const r = await simulate({ peers: 2, fileSize: F, pieceSize: piece, timeQuantumMs: 0, shapes: () => ({ upload: R, latencyMs: L, joinMs: 0 }) });
    const d = 2 * L;
    const pieces = F / piece;
    const ms = (bytes: number, rate: number): number => (bytes / rate) * 1000;
    // Connect (2d); bitfield over (7 bytes), interested back (5), unchoke over (5), first request (9), each a
    // latency d; then per piece the piece (S + d) and, on its arrival, the next request (9 bytes, d). Both
    // peers upload at R. About F/R plus 2d per piece.
    const expected = (rate: number): number =>
      2 * d + ms(7 + 5 + 5 + 9, rate) + 4 * d + pieces * (ms(piece + 9, rate) + d) + (pieces - 1) * (ms(9, rate) + d);
    expect(r.complete).to.equal(true);
    expect(r.swarmCompleteMs!).to.be.closeTo(expected(R), 1e-3);
    expect(r.swarmCompleteMs!).to.be.within((F / R) * 1000, (F / R) * 1000 * 1.25);

    // Twice the rate, about half the time (the round trips do not shrink).
    const fast = await simulate({ peers: 2, fileSize: F, pieceSize: piece, timeQuantumMs: 0, shapes: () => ({ upload: 2 * R, latencyMs: L, joinMs: 0 }) });
    expect(fast.swarmCompleteMs!).to.be.closeTo(expected(2 * R), 1e-3);
  });

  it('bandwidth matters in a swarm: every peer at 1 MiB/s up cannot beat the fluid bound, and twice the rate is about twice as fast', async () => {
    const F = 2 * MiB;
    const run = (rate: number) =>
      simulate({ peers: 8, fileSize: F, pieceSize: 128 * KiB, pipeline: 2, shapes: () => ({ upload: rate, latencyMs: 0, joinMs: 0 }) });
    const slow = await run(MiB);
    const fast = await run(2 * MiB);
    // The seeder must send every piece once, and 7 copies must be uploaded by 8 uplinks.
    const bound = Math.max(F / MiB, (7 * F) / (8 * MiB)) * 1000;
    expect(slow.swarmCompleteMs!).to.be.within(bound, 3 * bound);
    expect(slow.swarmCompleteMs! / fast.swarmCompleteMs!).to.be.within(1.6, 2.4);
  });

  it('runs the real engine unchanged: every peer is a PeerEngine built by composePeer, and core/sim has no engine code', async () => {
    const original = PeerEngine.prototype.run;
    let runs = 0;
    PeerEngine.prototype.run = function (this: PeerEngine) {
      runs++;
      return original.call(this);
    };
    try {
      const r = await simulate({ peers: 4, fileSize: 256 * KiB, pieceSize: 64 * KiB, shapes: () => ({ upload: MiB, latencyMs: 1, joinMs: 0 }) });
      expect(r.complete).to.equal(true);
    } finally {
      PeerEngine.prototype.run = original;
    }
    expect(runs).to.equal(4);
    const simDir = path.join(__dirname, '..', '..', '..', 'core', 'sim');
    for (const file of fs.readdirSync(simDir).filter((f) => f.endsWith('.js'))) {
      const text = fs.readFileSync(path.join(simDir, file), 'utf8');
      expect(text, file).to.not.match(/require\("\.\.\/engine\//);
    }
  });

  it('reports time limits and stalls instead of running forever', async () => {
    const shapes: SimPeerShape[] = [
      { upload: MiB, latencyMs: 0, joinMs: 0 },
      { upload: MiB, latencyMs: 0, joinMs: 0 },
    ];
    const limited = await simulate({ peers: 2, fileSize: MiB, pieceSize: 64 * KiB, shapes, timeLimitMs: 500 });
    expect(limited.complete).to.equal(false);
    expect(limited.stopReason).to.equal('time-limit');
    expect(limited.virtualMs).to.equal(500);
    expect(limited.peers.map((p) => p.outcome)).to.deep.equal(['stopped', 'stopped']);
    expect(summarize(limited).completedLeechers).to.equal(0);

    // A seeder uploading 10 bytes a second: not a single piece in the first minute.
    const crawling = await simulate({
      peers: 2,
      fileSize: MiB,
      pieceSize: 64 * KiB,
      shapes: [{ upload: 10, latencyMs: 0, joinMs: 0 }, shapes[1]!],
      stallLimitMs: 60_000,
      progressEveryMs: 5_000,
    });
    expect(crawling.stopReason).to.equal('stalled');
    expect(crawling.virtualMs).to.be.within(60_000, 70_000);
  });
});
