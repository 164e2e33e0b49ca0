import * as net from 'node:net';
import { PieceGeometry } from '../../core/protocol/geometry';
import { handshakeSocket, LinkOptions, TcpLink } from '../../core/transport/tcp-link';

export interface LinkPair {
  /** Peer 1's link: it dialled. */
  readonly a: TcpLink;
  /** Peer 2's link: it accepted. */
  readonly b: TcpLink;
  readonly socketA: net.Socket;
  readonly socketB: net.Socket;
}

/** Handshaken TcpLink pairs over loopback for transport tests; `closeAll()` (in afterEach) closes every link and listener. */
export class LinkPairs {
  private readonly servers: net.Server[] = [];
  private readonly links: TcpLink[] = [];

  async open(geometry: PieceGeometry, optionsA: LinkOptions = {}, optionsB: LinkOptions = {}): Promise<LinkPair> {
    const server = net.createServer();
    this.servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
    const socketA = net.connect(port, '127.0.0.1');
    const socketB = await accepted;
    const [a, b] = await Promise.all([
      handshakeSocket(socketA, 1, geometry, 'outbound', () => undefined, 5000, optionsA),
      handshakeSocket(socketB, 2, geometry, 'inbound', () => undefined, 5000, optionsB),
    ]);
    this.links.push(a, b);
    return { a, b, socketA, socketB };
  }

  async closeAll(): Promise<void> {
    for (const l of this.links.splice(0)) l.close('test over');
    await Promise.all(this.servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
