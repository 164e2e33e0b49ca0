import { asyncScheduler } from 'rxjs';
import { PeerInfo } from '../../../core/config/peer-info';
import { EventBus } from '../../../core/event-bus';
import { PieceGeometry } from '../../../core/protocol/geometry';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initTls } from '../../../app/tls/tls-init';
import { TcpTransport, TcpTransportOptions } from '../../../core/transport/tcp-transport';
import { loadTlsCredentials, TlsCredentials } from '../../../core/transport/tls-files';
import { TlsSecurity } from '../../../core/transport/tls-security';
import { freePorts } from '../../helpers/ports';
import { transportContract, TransportPair } from '../../helpers/transport-contract';

/** Two TCP transports on loopback, peer 2 dialling peer 1; `extra` adds options per peer (TLS, latency). */
async function tcpPair(extra: (self: PeerInfo) => Partial<TcpTransportOptions> = () => ({})): Promise<TransportPair> {
  // 10 pieces, the last one short: 16 KiB pieces are bigger than a socket write's usual chunk.
  const geometry = new PieceGeometry(9 * 16384 + 1000, 16384);
  const [p1, p2] = await freePorts(2);
  const peers: PeerInfo[] = [
    { id: 1, host: '127.0.0.1', port: p1!, hasFile: true },
    { id: 2, host: '127.0.0.1', port: p2!, hasFile: false },
  ];
  const make = (self: PeerInfo): TcpTransport =>
    new TcpTransport({ self, peers, geometry, events: new EventBus(self.id, asyncScheduler), listenHost: '127.0.0.1', firstRetryMs: 20, ...extra(self) });
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
}

/** Peers 1 and 2's TLS files, made once by `peer tls init`'s code in a temp folder and read into memory. */
let credentials: Promise<(id: number) => TlsCredentials> | undefined;
function tlsCredentials(): Promise<(id: number) => TlsCredentials> {
  credentials ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-tls-contract-'));
    try {
      fs.writeFileSync(path.join(dir, 'common.cfg'), 'NumberOfPreferredNeighbors 1\nUnchokingInterval 1\nOptimisticUnchokingInterval 1\nFileName f\nFileSize 1\nPieceSize 1\n');
      fs.writeFileSync(path.join(dir, 'peer_info.cfg'), '1 127.0.0.1 1 1\n2 127.0.0.1 2 0\n');
      await initTls(dir, false);
      const byId = new Map([1, 2].map((id) => [id, loadTlsCredentials(dir, id)]));
      return (id: number) => byId.get(id)!;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  })();
  return credentials;
}

transportContract('TcpTransport (loopback)', () => tcpPair());
transportContract('TcpTransport inside mutual TLS (loopback)', async () => {
  const creds = await tlsCredentials();
  return tcpPair((self) => ({ security: new TlsSecurity(creds(self.id)) }));
});
transportContract('TcpTransport with 20 ms of latency at each end (loopback)', () => tcpPair(() => ({ latencyMs: 20 })));
