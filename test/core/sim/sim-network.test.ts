import { expect } from 'chai';
import { LinkClosed, NeighborLink } from '../../../core/transport/link';
import { Message, MessageType, msg } from '../../../core/protocol/messages';
import { SimNetwork, SimNetworkOptions, SimNodeSpec, wireSize } from '../../../core/sim/sim-network';
import { SimScheduler } from '../../../core/sim/sim-scheduler';

const MiB = 1024 * 1024;

interface Arrival {
  readonly at: number;
  readonly from: number;
  readonly to: number;
  readonly m: Message;
}

/** A small simulated network whose links are recorded as they appear, with every arrival logged. */
function setUp(specs: readonly SimNodeSpec[], options: SimNetworkOptions = {}) {
  const scheduler = new SimScheduler();
  const network = new SimNetwork(scheduler, options);
  const links = new Map<string, NeighborLink>();
  const arrivals: Arrival[] = [];
  const closes: Array<{ peer: number; time: number; closed: LinkClosed }> = [];
  for (const spec of specs) {
    const transport = network.addPeer(spec);
    transport.links$.subscribe((link) => {
      links.set(`${spec.id}->${link.remoteId}`, link);
      link.messages$.subscribe((m) => arrivals.push({ at: scheduler.now(), from: link.remoteId, to: spec.id, m }));
      link.closed$.subscribe((closed) => closes.push({ peer: spec.id, time: scheduler.now(), closed }));
    });
    void transport.start();
  }
  const link = (from: number, to: number): NeighborLink => {
    const l = links.get(`${from}->${to}`);
    if (!l) throw new Error(`no link ${from}->${to}`);
    return l;
  };
  return { scheduler, network, links, link, arrivals, closes };
}

const piece = (index: number, bytes: number): Message => msg.piece(index, new Uint8Array(bytes));

describe('sim/SimNetwork', () => {
  it('sizes messages as the wire does: 4-byte length, type, payload', () => {
    expect(wireSize(msg.choke())).to.equal(5);
    expect(wireSize(msg.have(7))).to.equal(9);
    expect(wireSize(msg.bitfield(new Uint8Array(32)))).to.equal(37);
    expect(wireSize(piece(0, 1000))).to.equal(1009);
  });

  it('connects after a round trip, dialler outbound and acceptor inbound, and links that come before start() wait for it', async () => {
    const scheduler = new SimScheduler();
    const network = new SimNetwork(scheduler);
    const a = network.addPeer({ id: 1, latencyMs: 10 });
    const b = network.addPeer({ id: 2, latencyMs: 15 });
    const seen: string[] = [];
    a.links$.subscribe((l) => seen.push(`1:${l.remoteId}:${l.direction}@${scheduler.now()}`));
    b.links$.subscribe((l) => seen.push(`2:${l.remoteId}:${l.direction}@${scheduler.now()}`));
    void a.start();
    network.connect(2, 1);
    await scheduler.run();
    expect(seen).to.deep.equal(['1:2:inbound@50']);
    await b.start();
    expect(seen).to.deep.equal(['1:2:inbound@50', '2:1:outbound@50']);
  });

  it('a piece takes its serialization time on the uplink plus the latency; send() resolves when it has left the uplink', async () => {
    const net = setUp([
      { id: 1, upload: MiB, latencyMs: 10 },
      { id: 2, latencyMs: 20 },
    ]);
    net.network.connect(2, 1);
    await net.scheduler.run();
    const t0 = net.scheduler.now();
    const leftAt: number[] = [];
    net.scheduler.at(t0, { fire: () => void net.link(1, 2).send(piece(3, 256 * 1024)).then(() => leftAt.push(net.scheduler.now())) }, undefined);
    await net.scheduler.run();
    const serialization = ((256 * 1024 + 9) / MiB) * 1000;
    expect(leftAt).to.have.length(1);
    expect(leftAt[0]! - t0).to.be.closeTo(serialization, 1e-6);
    const got = net.arrivals.filter((a) => a.m.type === MessageType.Piece);
    expect(got).to.have.length(1);
    expect(got[0]!.at - t0).to.be.closeTo(serialization + 30, 1e-6);
  });

  it('one uplink is a FIFO for pieces; a small message waits for its own connection only, and never overtakes it', async () => {
    const net = setUp([
      { id: 1, upload: MiB, latencyMs: 0 },
      { id: 2, latencyMs: 0 },
      { id: 3, latencyMs: 0 },
    ]);
    net.network.connect(2, 1);
    net.network.connect(3, 1);
    await net.scheduler.run();
    const t0 = net.scheduler.now();
    net.scheduler.at(
      t0,
      {
        fire: () => {
          void net.link(1, 2).send(piece(0, MiB - 9)); // exactly 1 s on the uplink
          void net.link(1, 3).send(piece(1, MiB - 9)); // queued behind it: leaves at 2 s
          void net.link(1, 3).send(msg.have(5)); // behind its own connection's piece
          void net.link(1, 2).send(msg.have(6)); // behind its own connection's piece
        },
      },
      undefined,
    );
    await net.scheduler.run();
    const at = (to: number, type: MessageType): number => net.arrivals.find((a) => a.to === to && a.m.type === type)!.at - t0;
    expect(at(2, MessageType.Piece)).to.be.closeTo(1000, 1e-3);
    expect(at(3, MessageType.Piece)).to.be.closeTo(2000, 1e-3);
    expect(at(2, MessageType.Have)).to.be.closeTo(1000, 0.1);
    expect(at(3, MessageType.Have)).to.be.closeTo(2000, 0.1);
    // A have to 3 sent while 2's piece is on the uplink and 3 has nothing queued does not wait behind it...
    const t1 = net.scheduler.now();
    net.scheduler.at(t1, { fire: () => (void net.link(1, 2).send(piece(2, MiB - 9)), void net.link(1, 3).send(msg.have(9))) }, undefined);
    await net.scheduler.run();
    expect(net.arrivals.find((a) => a.to === 3 && a.m.type === MessageType.Have && a.m.index === 9)!.at - t1).to.be.below(1);
  });

  it('with interleaveBytes 0 every message queues in the uplink FIFO', async () => {
    const net = setUp(
      [
        { id: 1, upload: MiB, latencyMs: 0 },
        { id: 2, latencyMs: 0 },
        { id: 3, latencyMs: 0 },
      ],
      { interleaveBytes: 0 },
    );
    net.network.connect(2, 1);
    net.network.connect(3, 1);
    await net.scheduler.run();
    const t0 = net.scheduler.now();
    net.scheduler.at(t0, { fire: () => (void net.link(1, 2).send(piece(2, MiB - 9)), void net.link(1, 3).send(msg.have(9))) }, undefined);
    await net.scheduler.run();
    expect(net.arrivals.find((a) => a.to === 3)!.at - t0).to.be.closeTo(1000, 0.1);
  });

  it('a downlink is shared: two senders feed one receiver no faster than its download rate', async () => {
    const net = setUp([
      { id: 1, upload: 4 * MiB, latencyMs: 0 },
      { id: 2, upload: 4 * MiB, latencyMs: 0 },
      { id: 3, download: MiB, latencyMs: 0 },
    ]);
    net.network.connect(3, 1);
    net.network.connect(3, 2);
    await net.scheduler.run();
    const t0 = net.scheduler.now();
    net.scheduler.at(t0, { fire: () => (void net.link(1, 3).send(piece(0, MiB - 9)), void net.link(2, 3).send(piece(1, MiB - 9))) }, undefined);
    await net.scheduler.run();
    const times = net.arrivals.filter((a) => a.m.type === MessageType.Piece).map((a) => a.at - t0);
    expect(times[0]).to.be.closeTo(1000, 1e-3);
    expect(times[1]).to.be.closeTo(2000, 1e-3);
  });

  it('close(): the other side gets everything sent before, then sees the connection close', async () => {
    const net = setUp([
      { id: 1, upload: MiB, latencyMs: 5 },
      { id: 2, latencyMs: 5 },
    ]);
    net.network.connect(2, 1);
    await net.scheduler.run();
    const t0 = net.scheduler.now();
    let completed = false;
    net.link(2, 1).messages$.subscribe({ complete: () => (completed = true) });
    net.scheduler.at(
      t0,
      {
        fire: () => {
          void net.link(1, 2).send(piece(0, MiB - 9));
          net.link(1, 2).close('done');
        },
      },
      undefined,
    );
    await net.scheduler.run();
    expect(net.closes.map((c) => [c.peer, c.time - t0, c.closed.reason])).to.deep.equal([
      [1, 0, 'done'],
      [2, 1010, 'connection closed by peer'],
    ]);
    expect(net.arrivals.map((a) => a.m.type)).to.deep.equal([MessageType.Piece]);
    expect(completed).to.equal(true);
    // Sending on a closed link is a no-op.
    await net.link(1, 2).send(msg.have(1));
    expect(net.arrivals).to.have.length(1);
  });

  it('stop() closes every link of a peer and no new link reaches it', async () => {
    const net = setUp([
      { id: 1, latencyMs: 1 },
      { id: 2, latencyMs: 1 },
      { id: 3, latencyMs: 1 },
    ]);
    net.network.connect(2, 1);
    await net.scheduler.run();
    await net.network.node(1).transport.stop();
    net.network.connect(3, 1);
    await net.scheduler.run();
    expect(net.closes.map((c) => `${c.peer}:${c.closed.reason}`)).to.deep.equal(['1:peer stopped', '2:connection closed by peer']);
    expect([...net.links.keys()].sort()).to.deep.equal(['1->2', '2->1']);
  });
});
