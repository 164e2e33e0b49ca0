import { expect } from 'chai';
import { encodeMessage } from '../../../core/protocol/codec';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { msg } from '../../../core/protocol/messages';
import { SimNetwork } from '../../../core/sim/sim-network';
import { SimScheduler } from '../../../core/sim/sim-scheduler';
import { NeighborLink } from '../../../core/transport/link';
import { transportContract, TransportPair } from '../../helpers/transport-contract';

function simPair(): { pair: TransportPair; network: SimNetwork } {
  const scheduler = new SimScheduler();
  // Rates and delays of a modest link, so backpressure and ordering have something to do.
  const network = new SimNetwork(scheduler);
  const acceptor = network.addPeer({ id: 1, upload: 2_000_000, download: 2_000_000, latencyMs: 5 });
  const dialler = network.addPeer({ id: 2, upload: 1_000_000, download: 4_000_000, latencyMs: 10 });
  const pair: TransportPair = {
    geometry: new PieceGeometry(9 * 16384 + 1000, 16384),
    acceptor,
    dialler,
    async connect() {
      await acceptor.start();
      await dialler.start();
      network.connect(2, 1);
    },
    async until(done, what) {
      // Virtual time: run until nothing is left to happen, then it holds or never will.
      for (let i = 0; i < 1000 && !done(); i++) await scheduler.run();
      if (!done()) throw new Error(`the simulated network went idle without ${typeof what === 'string' ? what : what()}`);
    },
    async idle(ms) {
      await scheduler.run(scheduler.now() + ms);
    },
    async dispose() {
      await Promise.all([acceptor.stop(), dialler.stop()]);
      await scheduler.run();
    },
  };
  return { pair, network };
}

transportContract('SimNetwork (virtual time)', async () => simPair().pair);

describe('core/sim: the simulated wire is sized by the codec', () => {
  it('counts every message at exactly the bytes the codec encodes it to', async () => {
    const { pair, network } = simPair();
    const links: NeighborLink[] = [];
    pair.dialler.links$.subscribe((l) => links.push(l));
    await pair.connect();
    await pair.until(() => links.length === 1, 'the link');
    const sent = [msg.choke(), msg.unchoke(), msg.interested(), msg.notInterested(), msg.have(3), msg.request(9), msg.bitfield(new Uint8Array(2)), msg.piece(9, new Uint8Array(1000))];
    for (const m of sent) void links[0]!.send(m);
    await pair.until(() => network.node(1).bytesReceived > 0, 'the bytes');
    const encoded = sent.reduce((sum, m) => sum + encodeMessage(m).length, 0);
    expect(network.node(2).bytesSent).to.equal(encoded);
    expect(network.node(1).bytesReceived).to.equal(encoded);
    await pair.dispose();
  });
});
