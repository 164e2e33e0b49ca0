import { expect } from 'chai';
import { EventBus } from '../../core/event-bus';
import { SwarmEvent } from '../../core/events';
import { SimScheduler } from '../../core/sim/sim-scheduler';

describe('EventBus', () => {
  const emitSome = (bus: EventBus): void => {
    bus.emit({ kind: 'have-received', peer: 2, index: 3 });
    bus.emit({ kind: 'file-complete' });
    bus.emit({ kind: 'choked-by', peer: 2 });
  };

  it('carries every event, stamped with the peer and the scheduler time', () => {
    const bus = new EventBus(1, new SimScheduler());
    const seen: SwarmEvent[] = [];
    bus.events$.subscribe((e) => seen.push(e));
    emitSome(bus);
    expect(seen.map((e) => e.kind)).to.deep.equal(['have-received', 'file-complete', 'choked-by']);
    expect(seen[0]).to.deep.equal({ kind: 'have-received', peer: 2, index: 3, self: 1, at: 0 });
  });

  it('given the kinds to carry, drops the others', () => {
    const bus = new EventBus(1, new SimScheduler(), new Set(['file-complete', 'choked-by'] as const));
    const seen: string[] = [];
    bus.events$.subscribe((e) => seen.push(e.kind));
    emitSome(bus);
    expect(seen).to.deep.equal(['file-complete', 'choked-by']);
  });

  it('says which kinds it carries (what the engine asks before building a have-received event)', () => {
    const some = new EventBus(1, new SimScheduler(), new Set(['file-complete'] as const));
    expect(some.carries('file-complete')).to.equal(true);
    expect(some.carries('have-received')).to.equal(false);
    expect(new EventBus(1, new SimScheduler()).carries('have-received')).to.equal(true);
  });
});
