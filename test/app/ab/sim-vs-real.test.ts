import { expect } from 'chai';
import { uniformPlan } from '../../../app/ab/mixed';
import { RunMetrics, Variant } from '../../../app/ab/model';
import { parseProfile } from '../../../app/ab/profile';
import { runRealOnce, SwarmSpec } from '../../../app/ab/real-harness';
import { runSimOnce } from '../../../app/ab/sim-harness';

/**
 * The honesty check: on a small swarm the simulator and the real-socket
 * harness must agree on which of two strategies wins, and roughly by how
 * much. Sequential piece picking makes every leecher want the same pieces,
 * so they have little to trade; rarest-first spreads the pieces out.
 * The profile has latency: the simulator puts it on its links, the real
 * peers' transport holds what they send and receive for it (docs/ab-testing.md).
 */
describe('simulator vs real sockets: the same verdict', function () {
  // Twelve real runs of ~20 s each (latency makes every request a round trip of 80-240 ms); generous on a loaded machine.
  this.timeout(480000);
  const spec: SwarmSpec = {
    peers: 8,
    fileSize: 2 * 1024 * 1024,
    pieceSize: 16 * 1024,
    preferred: 3,
    unchokingInterval: 1,
    optimisticInterval: 2,
    profile: parseProfile(
      {
        name: 'honesty',
        seeder: { upload: '1MiB', latencyMs: 20 },
        classes: [
          { name: 'slow', share: 1, upload: '256KiB', latencyMs: 60 },
          { name: 'fast', share: 1, upload: '1MiB', latencyMs: 20 },
        ],
      },
      'honesty profile',
    ),
    timeoutMs: 120000,
  };
  const a: Variant = { label: 'A', settings: { strategy: 'sequential' } };
  const b: Variant = { label: 'B', settings: { strategy: 'rarest-first' } };
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

  async function ratio(runOnce: typeof runRealOnce, pairs: number): Promise<{ ratio: number; a: number; b: number }> {
    const runs: RunMetrics[] = [];
    for (let pair = 0; pair < pairs; pair++) for (const v of [a, b]) runs.push(await runOnce(spec, uniformPlan(v), pair, 100 + pair));
    for (const r of runs) expect(r.ok, r.failure).to.equal(true);
    const time = (label: 'A' | 'B'): number => median(runs.filter((r) => r.variant === label).map((r) => r.swarmDoneMs!));
    return { ratio: time('B') / time('A'), a: time('A'), b: time('B') };
  }

  it('both find rarest-first faster than sequential, by a similar factor', async () => {
    const sim = await ratio(runSimOnce, 3);
    const real = await ratio(runRealOnce, 3);
    const summary = `sim: A ${sim.a.toFixed(0)} ms, B ${sim.b.toFixed(0)} ms (B/A ${sim.ratio.toFixed(2)}); real: A ${real.a.toFixed(0)} ms, B ${real.b.toFixed(0)} ms (B/A ${real.ratio.toFixed(2)})`;
    if (process.env.HONESTY_DEBUG) process.stderr.write(`${summary}\n`);
    // The same winner, clearly (at least 10% faster in both)...
    expect(sim.ratio, summary).to.be.below(0.9);
    expect(real.ratio, summary).to.be.below(0.9);
    // ...and by a similar margin (measured with this profile's latency: the simulator 0.57, real sockets 0.61;
    // HONESTY_DEBUG=1 prints them).
    expect(Math.abs(sim.ratio - real.ratio), summary).to.be.below(0.2);
    // With the latency applied on real links too, the times themselves agree (measured: real 1.13x and 1.22x
    // the simulator's). Without it real runs took well under half the simulated time: a loose bound catches that.
    for (const [label, simMs, realMs] of [['A', sim.a, real.a], ['B', sim.b, real.b]] as const) {
      expect(realMs / simMs, `${label}: ${summary}`).to.be.within(0.5, 2);
    }
  });
});
