import 'reflect-metadata';
import { expect } from 'chai';
import { simulateParallel } from '../../../app/sim/parallel-simulation';
import { FAILURE_EVENT_KINDS, SimPeerShape, simulate, SimulationOptions, SimulationResult } from '../../../app/sim/run-simulation';

const MiB = 1024 * 1024;
const KiB = 1024;

/** What two runs must agree on to be the same run: per peer completion, bytes and outcome, and the event count. */
const fingerprint = (r: SimulationResult) => ({
  events: r.events,
  swarmCompleteMs: r.swarmCompleteMs,
  peers: r.peers.map((p) => [p.id, p.completedMs, p.bytesSent, p.bytesReceived, p.outcome]),
});

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('sim/simulateParallel', function () {
  this.timeout(60_000);

  const shapes: SimPeerShape[] = Array.from({ length: 40 }, (_, i) => ({ upload: (1 + (i % 4)) * MiB, download: 6 * MiB, latencyMs: 10 + (i % 7) * 5, joinMs: i === 0 ? 0 : (i * 37) % 2000 }));
  const options: SimulationOptions = {
    peers: 40,
    fileSize: 2 * MiB,
    pieceSize: 64 * KiB,
    degree: 8,
    seed: 5,
    collect: FAILURE_EVENT_KINDS,
    shapes,
  };

  it('a 40-peer swarm on 2 workers completes: every leecher got the whole file, the seeder uploaded, no errors', async () => {
    const r = await simulateParallel(options, 2);
    expect(r.complete).to.equal(true);
    expect(r.stopReason).to.equal('complete');
    expect(r.peers).to.have.length(40);
    expect(r.peers.map((p) => p.index)).to.deep.equal([...Array(40).keys()]);
    for (const p of r.peers) {
      expect(p.events, `peer ${p.id}`).to.deep.equal([]);
      expect(p.completedMs, `peer ${p.id}`).to.be.a('number');
      expect(p.outcome, `peer ${p.id}`).to.be.oneOf(['stopped', 'finished']);
      if (!p.seeder) expect(p.bytesReceived, `peer ${p.id}`).to.be.at.least(options.fileSize);
    }
    expect(r.peers[0]!.bytesSent).to.be.at.least(options.fileSize);
    expect(r.swarmCompleteMs).to.equal(Math.max(...r.peers.map((p) => p.completedMs!)));
    expect(r.peakHeapBytes).to.be.greaterThan(0);
  });

  it('is deterministic for a seed and a worker count, and close to the single-thread run', async () => {
    const first = await simulateParallel(options, 2);
    const second = await simulateParallel(options, 2);
    expect(fingerprint(second)).to.deep.equal(fingerprint(first));
    // The swarm is complete when its last leecher is, whichever worker ran it.
    expect(first.swarmCompleteMs).to.equal(Math.max(...first.peers.filter((p) => !p.seeder).map((p) => p.completedMs!)));
    const three = await simulateParallel(options, 3);
    expect(three.complete).to.equal(true);
    const single = await simulate(options);
    // Not event for event the same (the downlinks take messages in another order), but the same swarm.
    const times = (r: SimulationResult) => r.peers.filter((p) => !p.seeder).map((p) => p.completedMs! - p.joinMs);
    for (const r of [first, three]) {
      expect(median(times(r)) / median(times(single))).to.be.within(0.8, 1.25);
      expect(Math.abs(r.events - single.events) / single.events).to.be.below(0.1);
    }
  });

  it('refuses what it cannot split: a full mesh, two peers without latency, a per-peer setup function', async () => {
    const err = async (o: SimulationOptions): Promise<string> => simulateParallel(o, 2).then((r) => (r.complete ? 'resolved' : 'incomplete'), (e: Error) => e.message);
    expect(await err({ ...options, degree: 39 })).to.match(/partial mesh/);
    // Two peers without latency could be linked with no delay at all: no window to run in.
    expect(await err({ ...options, shapes: shapes.map((s, i) => (i === 3 || i === 5 ? { ...s, latencyMs: 0 } : s)) })).to.match(/at most one peer may have latencyMs 0/);
    // One (a seeder in a datacentre, say) still leaves every connection the other end's latency.
    expect(await err({ ...options, shapes: shapes.map((s, i) => (i === 0 ? { ...s, latencyMs: 0 } : s)) })).to.equal('resolved');
    expect(await err({ ...options, peerSetup: () => ({}) })).to.match(/peerSetup/);
    expect(await simulateParallel(options, 0).then(() => 'resolved', (e: Error) => e.message)).to.match(/workers/);
  });
});
