import { expect } from 'chai';
import { Choker } from '../../../core/engine/choker';
import { Neighbor } from '../../../core/engine/neighbor';
import { EventBus } from '../../../core/event-bus';
import { SwarmEvent } from '../../../core/events';
import { ChokePolicy, ChokeView } from '../../../core/plugin/contracts';
import { SimScheduler } from '../../../core/sim/sim-scheduler';
import { IntervalRateMeter } from '../../../plugins/rate-meter/interval';
import { advance, FakeLink } from '../../helpers/fake-link';

/** A choke policy whose answers the test sets, and which records what it was shown. */
class ScriptedPolicy implements ChokePolicy {
  preferred: number[] = [];
  optimistic: number | undefined;
  readonly views: ChokeView[] = [];
  choosePreferred(view: ChokeView): number[] {
    this.views.push(view);
    return this.preferred;
  }
  chooseOptimistic(view: ChokeView): number | undefined {
    this.views.push(view);
    return this.optimistic;
  }
}

function setUp(slots = 2) {
  const scheduler = new SimScheduler();
  const bus = new EventBus(1, scheduler);
  const events: SwarmEvent[] = [];
  bus.events$.subscribe((e) => events.push(e));
  const neighbors = new Map<number, Neighbor>();
  const policy = new ScriptedPolicy();
  const rates = new IntervalRateMeter();
  const dropped: number[] = [];
  const choker = new Choker({ slots }, neighbors, policy, rates, bus, scheduler, () => false, (n) => dropped.push(n.id));
  const links = new Map<number, FakeLink>();
  const add = (id: number, interested = true): Neighbor => {
    const link = new FakeLink(id);
    links.set(id, link);
    const n = new Neighbor(link, 8);
    n.peerInterested = interested;
    neighbors.set(id, n);
    return n;
  };
  /** Messages sent to each neighbour since the last look. */
  const wire = (): Record<number, string[]> => Object.fromEntries([...links].map(([id, l]) => [id, l.take()]));
  return { scheduler, events, neighbors, policy, rates, choker, add, wire, dropped };
}

describe('core/engine/Choker (no sockets)', () => {
  it('unchokes the preferred neighbours and chokes the others, telling each only of a change', () => {
    const { choker, policy, add, wire, events } = setUp();
    for (const id of [2, 3, 4]) add(id);
    policy.preferred = [2, 3];
    choker.rechoke('interval');
    expect(wire()).to.deep.equal({ 2: ['unchoke'], 3: ['unchoke'], 4: [] });
    policy.preferred = [3, 4];
    choker.rechoke('interval');
    expect(wire()).to.deep.equal({ 2: ['choke'], 3: [], 4: ['unchoke'] });
    choker.rechoke('interval');
    expect(wire()).to.deep.equal({ 2: [], 3: [], 4: [] });
    expect(events.filter((e) => e.kind === 'preferred-changed').map((e) => e.kind === 'preferred-changed' && e.neighbors)).to.deep.equal([[2, 3], [3, 4]]);
  });

  it('keeps the optimistic neighbour unchoked beside the preferred ones, and reports a new pick once', () => {
    const { choker, policy, add, wire, events } = setUp();
    for (const id of [2, 3, 4]) add(id);
    policy.preferred = [2];
    choker.rechoke('interval');
    policy.optimistic = 4;
    choker.reoptimize();
    choker.reoptimize();
    choker.rechoke('interval');
    expect(wire()).to.deep.equal({ 2: ['unchoke'], 3: [], 4: ['unchoke'] });
    expect(events.filter((e) => e.kind === 'optimistic-changed')).to.have.length(1);
    expect(policy.views.at(-1)!.neighbors.find((n) => n.id === 4)).to.include({ optimistic: true, chokedByUs: false });
  });

  it('fills a free slot as soon as a neighbour becomes interested, asking the policy with trigger "slot-free"', () => {
    const { choker, policy, add, wire } = setUp(2);
    const n = add(2);
    policy.preferred = [2];
    choker.interested(n);
    expect(policy.views.map((v) => v.trigger)).to.deep.equal(['slot-free', 'interval']);
    expect(wire()[2]).to.deep.equal(['unchoke']);
  });

  it('feeds the rate meter and lets the policy rank by the ending interval before the meter starts a new one', async () => {
    const { choker, policy, add, scheduler } = setUp();
    const a = add(2);
    const b = add(3);
    choker.moved(a, 'down', 4000);
    choker.moved(b, 'up', 1000);
    await advance(scheduler, 2000);
    choker.rechoke('interval');
    const view = policy.views[0]!;
    expect(view.neighbors.map((n) => [n.id, n.downloadRate, n.uploadRate])).to.deep.equal([[2, 2000, 0], [3, 0, 500]]);
    choker.rechoke('slot-free');
    expect(policy.views[1]!.neighbors.map((n) => n.downloadRate)).to.deep.equal([0, 0]);
  });

  it('choke(): tells the neighbour once and voids its pending requests; lost(): forgets it', () => {
    const { choker, policy, add, wire, dropped } = setUp();
    const a = add(2);
    policy.preferred = [2];
    choker.rechoke('interval');
    wire();
    choker.choke(a);
    choker.choke(a);
    expect(wire()[2]).to.deep.equal(['choke']);
    expect(dropped).to.deep.equal([2]);
    choker.lost(a);
    policy.preferred = [];
    choker.stop();
    choker.rechoke('interval');
    expect(policy.views).to.have.length(1);
  });
});
