import { expect } from 'chai';
import { runLocalSwarm } from '../../app/swarm/local-swarm';
import { SwarmFixture } from '../helpers/swarm-fixture';

/**
 * The peer that completes last must not exit before its last `have` has left
 * it: the others learn from that message that the whole swarm is done, and
 * without it they wait for it forever. Peer 1003 is last in the peer file, so
 * it accepts no connection and dials both others: nothing held its exit back
 * until the links it dialled had closed. Latency keeps its last `have` in
 * the delay stage for a while, which made the race certain (it once hung the
 * A/B honesty check on CI, at 20-60 ms).
 */
describe('the last peer to finish', function () {
  this.timeout(60000);
  let fx: SwarmFixture | undefined;
  afterEach(() => fx?.cleanup());

  it('lets its last have reach every neighbour before it exits, so the swarm ends', async () => {
    fx = await SwarmFixture.onFreePorts({ peers: 3, fileSize: 4 * 128 * 1024, pieceSize: 128 * 1024, preferred: 2 });
    const result = await runLocalSwarm({
      configDir: fx.dir,
      dir: fx.dir,
      peerArgs: ['--listen-host', '127.0.0.1', '--latency', '250'],
      // Slow enough that 1003 is the last to finish by seconds.
      argsFor: (peer) => (peer.id === 1003 ? ['--download-rate', '128KiB'] : []),
      timeoutMs: 30000,
    });
    const stuck = result.peers.filter((p) => p.runningAtTimeout).map((p) => p.id);
    expect(result.timedOut, `still running when the time was up: ${stuck.join(', ')}`).to.equal(false);
    expect(result.ok).to.equal(true);
    const [, second, third] = result.peers;
    // The case under test: the last listed peer finished last.
    expect(third!.completedAt!).to.be.greaterThan(second!.completedAt!);
    expect(result.peers.map((p) => p.exitCode)).to.deep.equal([0, 0, 0]);
  });
});
