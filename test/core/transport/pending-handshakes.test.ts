import { expect } from 'chai';
import * as net from 'node:net';
import { asyncScheduler } from 'rxjs';
import { EventBus } from '../../../core/event-bus';
import { SwarmEvent } from '../../../core/events';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { NeighborLink } from '../../../core/transport/link';
import { TcpTransport } from '../../../core/transport/tcp-transport';
import { freePorts } from '../../helpers/ports';
import { ScriptedPeer } from '../../helpers/scripted-peer';

describe('TCP transport: connections stuck in the handshake', function () {
  this.timeout(15000);

  it('keeps at most maxPendingHandshakes inbound handshakes, dropping the oldest, and still accepts a real neighbour', async () => {
    const [port, otherPort] = await freePorts(2);
    const geometry = new PieceGeometry(1000, 100);
    const events = new EventBus(1001, asyncScheduler);
    const seen: SwarmEvent[] = [];
    events.events$.subscribe((e) => seen.push(e));
    const transport = new TcpTransport({
      self: { id: 1001, host: '127.0.0.1', port: port!, hasFile: true },
      peers: [
        { id: 1001, host: '127.0.0.1', port: port!, hasFile: true },
        { id: 1002, host: '127.0.0.1', port: otherPort!, hasFile: false },
      ],
      geometry,
      events,
      listenHost: '127.0.0.1',
      handshakeTimeoutMs: 10_000,
      maxPendingHandshakes: 4,
    });
    const links: NeighborLink[] = [];
    transport.links$.subscribe((l) => links.push(l));
    await transport.start();
    const stalled: Array<{ socket: net.Socket; closedAt?: number }> = [];
    try {
      for (let i = 0; i < 6; i++) {
        const socket = net.connect(port!, '127.0.0.1');
        const entry: { socket: net.Socket; closedAt?: number } = { socket };
        socket.on('error', () => undefined);
        socket.resume(); // read (and drop) the peer's handshake, so its close is seen
        socket.on('close', () => (entry.closedAt = Date.now()));
        stalled.push(entry);
        await new Promise((r) => setTimeout(r, 30));
      }
      await new Promise((r) => setTimeout(r, 200));
      // The two oldest were dropped for the newer ones, long before the 10 s handshake timeout.
      expect(stalled.map((s) => s.closedAt !== undefined)).to.deep.equal([true, true, false, false, false, false]);
      const dropped = seen.filter((e) => e.kind === 'connection-rejected' && /dropped: 4 inbound connections were already waiting for a handshake/.test(e.reason));
      expect(dropped).to.have.length(2);

      const good = await ScriptedPeer.connect(port!, geometry);
      good.sendHandshake(1002);
      expect(await good.handshake()).to.equal(1001);
      await new Promise((r) => setTimeout(r, 100));
      expect(links.map((l) => l.remoteId)).to.deep.equal([1002]);
      // The real neighbour took a slot and left the handshake at once: the next stalled one got dropped.
      expect(stalled.filter((s) => s.closedAt !== undefined)).to.have.length(3);
      good.destroy();
    } finally {
      stalled.forEach((s) => s.socket.destroy());
      await transport.stop();
    }
  });
});
