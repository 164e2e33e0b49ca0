import { asyncScheduler } from 'rxjs';
import { PeerInfo } from '../../../core/config/peer-info';
import { EventBus } from '../../../core/event-bus';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { TcpTransport } from '../../../core/transport/tcp-transport';
import { freePorts } from '../../helpers/ports';
import { transportContract, TransportPair } from '../../helpers/transport-contract';

transportContract('TcpTransport (loopback)', async (): Promise<TransportPair> => {
  // 10 pieces, the last one short: 16 KiB pieces are bigger than a socket write's usual chunk.
  const geometry = new PieceGeometry(9 * 16384 + 1000, 16384);
  const [p1, p2] = await freePorts(2);
  const peers: PeerInfo[] = [
    { id: 1, host: '127.0.0.1', port: p1!, hasFile: true },
    { id: 2, host: '127.0.0.1', port: p2!, hasFile: false },
  ];
  const make = (self: PeerInfo): TcpTransport => new TcpTransport({ self, peers, geometry, events: new EventBus(self.id, asyncScheduler), listenHost: '127.0.0.1', firstRetryMs: 20 });
  const acceptor = make(peers[0]!);
  const dialler = make(peers[1]!);
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  return {
    geometry,
    acceptor,
    dialler,
    async connect() {
      await acceptor.start();
      await dialler.start();
    },
    async until(done, what) {
      const deadline = Date.now() + 10_000;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
        await sleep(5);
      }
    },
    idle: sleep,
    async dispose() {
      await Promise.all([acceptor.stop(), dialler.stop()]);
    },
  };
});
