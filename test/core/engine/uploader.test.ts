import { expect } from 'chai';
import { Bitfield } from '../../../core/bitfield';
import { Neighbor } from '../../../core/engine/neighbor';
import { Uploader } from '../../../core/engine/uploader';
import { EventBus } from '../../../core/event-bus';
import { SwarmEvent } from '../../../core/events';
import { SimScheduler } from '../../../core/sim/sim-scheduler';
import { ArrayStore } from '../../helpers/array-store';
import { FakeLink } from '../../helpers/fake-link';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setUp(held: number[] = [0, 1, 2]) {
  const store = new ArrayStore(4, held.map((i) => new Uint8Array(10 + i).fill(i)));
  for (let i = 0; i < 4; i++) if (!held.includes(i)) store.pieces[i] = undefined;
  const own = new Bitfield(4);
  for (const i of held) own.set(i);
  const bus = new EventBus(1, new SimScheduler());
  const events: SwarmEvent[] = [];
  bus.events$.subscribe((e) => events.push(e));
  const sentBytes: number[] = [];
  const failed: number[] = [];
  const uploader = new Uploader(store, () => own, bus, (_n, bytes) => sentBytes.push(bytes), (n) => failed.push(n.id));
  const link = new FakeLink(2);
  const n = new Neighbor(link, 4);
  n.amChoking = false;
  return { store, uploader, link, n, events, sentBytes, failed };
}

describe('core/engine/Uploader (no sockets)', () => {
  it('serves requests in order from the store, reporting each piece sent', async () => {
    const { uploader, link, n, events, sentBytes } = setUp();
    uploader.requested(n, 2);
    uploader.requested(n, 0);
    await settle();
    expect(link.sent.map((m) => (m.type === 7 ? [m.index, m.data.length] : m.type))).to.deep.equal([[2, 12], [0, 10]]);
    expect(sentBytes).to.deep.equal([12, 10]);
    expect(events.map((e) => e.kind === 'piece-uploaded' && e.index)).to.deep.equal([2, 0]);
  });

  it('ignores requests from a neighbour it chokes, for pieces it lacks, and repeats of a queued request', async () => {
    const { uploader, link, n, store } = setUp([0, 1]);
    link.hold();
    uploader.requested(n, 0);
    uploader.requested(n, 1);
    uploader.requested(n, 1);
    uploader.requested(n, 3);
    await settle();
    link.release();
    await settle();
    n.amChoking = true;
    uploader.requested(n, 0);
    await settle();
    expect(link.take()).to.deep.equal(['piece 0', 'piece 1']);
    expect(store.log).to.deep.equal(['read 0', 'read 1']);
  });

  it('reads the next piece only when the link has taken the last one (backpressure), and drop() voids the queue', async () => {
    const { uploader, link, n, store } = setUp();
    link.hold();
    uploader.requested(n, 0);
    uploader.requested(n, 1);
    uploader.requested(n, 2);
    await settle();
    expect(store.log).to.deep.equal(['read 0']);
    uploader.drop(n);
    link.release();
    await settle();
    expect(store.log).to.deep.equal(['read 0']);
    expect(link.take()).to.deep.equal(['piece 0']);
  });

  it('reports a store that cannot read, empties the queue, and asks for the neighbour to be choked', async () => {
    const { uploader, n, store, events, failed } = setUp();
    store.failReads = true;
    uploader.requested(n, 0);
    uploader.requested(n, 1);
    await settle();
    expect(events.map((e) => e.kind === 'error' && e.message)).to.deep.equal(['cannot serve 2: disk on fire']);
    expect(failed).to.deep.equal([2]);
    expect(n.serveQueue).to.deep.equal([]);
  });
});
