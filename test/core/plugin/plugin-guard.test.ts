import { expect } from 'chai';
import { filter, Subject } from 'rxjs';
import { EventBus } from '../../../core/event-bus';
import { SwarmEvent } from '../../../core/events';
import { ChokeView, EventLogger, RateLimiter, RateMeter } from '../../../core/plugin/contracts';
import { GuardSettings, PluginGuard } from '../../../core/plugin/guard/plugin-guard';
import { SimScheduler } from '../../../core/sim/sim-scheduler';
import { SeededRandom } from '../../../core/util/random';
import { advance } from '../../helpers/fake-link';

function setUp() {
  const scheduler = new SimScheduler();
  const bus = new EventBus(1, scheduler);
  const errors: string[] = [];
  bus.events$.subscribe((e) => e.kind === 'plugin-error' && errors.push(`${e.plugin}: ${e.message}`));
  const settings: GuardSettings = {
    pluginNames: { strategy: 's', choke: 'c', rateMeter: 'm', rateLimiter: 'l', storage: 'st' },
    storeTimeoutMs: 1000,
    wholeFileTimeoutMs: 5000,
  };
  return { scheduler, bus, errors, guard: new PluginGuard(settings, bus, new SeededRandom(1), scheduler) };
}

const boom = (): never => {
  throw new Error('boom');
};

describe('core/plugin/PluginGuard: every plugin kind is called through it (no sockets)', () => {
  it('strategy: a throw or an illegal piece falls back to a legal one', () => {
    const { guard, errors } = setUp();
    const view = { neighbor: 2, numPieces: 9, ownedCount: 0, candidates: [3, 5], availability: () => 1 };
    expect([3, 5]).to.include(guard.strategy({ select: boom }).select(view));
    expect([3, 5]).to.include(guard.strategy({ select: () => 4 }).select(view));
    expect(guard.strategy({ select: () => undefined }).select(view)).to.equal(undefined);
    expect(errors).to.deep.equal(['strategy "s": select() threw: boom', 'strategy "s": select() chose piece 4, which is not among the 2 legal choices (a piece we lack, the neighbour has, and nobody is fetching)']);
  });

  it('choke: a throw falls back to interested neighbours; too many or unknown ones are cut', () => {
    const { guard, errors } = setUp();
    const n = (id: number, interested: boolean) => ({ id, interested, chokedByUs: true, preferred: false, optimistic: false, downloadRate: 0, uploadRate: 0, piecesHeld: 0 });
    const view: ChokeView = { trigger: 'interval', selfComplete: false, slots: 1, neighbors: [n(2, true), n(3, false)] };
    expect(guard.choke({ choosePreferred: boom, chooseOptimistic: boom }).choosePreferred(view)).to.deep.equal([2]);
    expect(guard.choke({ choosePreferred: () => [2, 2, 3], chooseOptimistic: () => 3 }).chooseOptimistic(view)).to.equal(2);
    expect(errors).to.deep.equal(['choke "c": choosePreferred() threw: boom', 'choke "c": chooseOptimistic() chose 3, which is not a choked, interested neighbour']);
  });

  it('rate meter: throws are reported and ignored, a rate that is not a finite number >= 0 counts as 0', () => {
    const { guard, errors } = setUp();
    const rates = [NaN, -1, Infinity, '7', 250];
    const meter = guard.rateMeter({ record: boom, rate: () => rates.shift() as number, intervalEnded: boom, forget: boom } as RateMeter);
    meter.record(2, 'down', 10, 0);
    meter.intervalEnded(5);
    meter.forget(2);
    expect([1, 2, 3, 4, 5].map(() => meter.rate(2, 'down', 0))).to.deep.equal([0, 0, 0, 0, 250]);
    expect(errors).to.deep.equal([
      'rate-meter "m": record() threw: boom',
      'rate-meter "m": intervalEnded() threw: boom',
      'rate-meter "m": forget() threw: boom',
      'rate-meter "m": rate() returned NaN, not a number of bytes per second >= 0',
      'rate-meter "m": rate() returned -1, not a number of bytes per second >= 0',
      'rate-meter "m": rate() returned Infinity, not a number of bytes per second >= 0',
      'rate-meter "m": rate() returned 7, not a number of bytes per second >= 0',
    ]);
  });

  it('rate limiter: a throw or a wait that is not a finite number >= 0 lets the data move now', () => {
    const { guard, errors } = setUp();
    const waits: unknown[] = [NaN, -5, Promise.resolve(1), 40];
    const limiter = guard.rateLimiter({ reserve: () => waits.shift() } as unknown as RateLimiter);
    expect([1, 2, 3, 4].map(() => limiter.reserve('up', 100, 0))).to.deep.equal([0, 0, 0, 40]);
    expect(guard.rateLimiter({ reserve: boom }).reserve('down', 1, 0)).to.equal(0);
    expect(errors).to.have.length(4);
    expect(errors[2]).to.equal('rate-limiter "l": reserve() returned a Promise, not a wait in ms >= 0');
  });

  it('store: an operation that never answers fails the peer after the timeout (virtual time); open() gets the whole-file time', async () => {
    const { guard, scheduler, errors } = setUp();
    const timeouts: string[] = [];
    guard.storeTimeouts$.subscribe((e) => timeouts.push(e.message));
    const never = (): Promise<never> => new Promise(() => undefined);
    const store = guard.store({ open: never, read: never, write: never, complete: never, close: never });
    void store.open();
    void store.write(3, new Uint8Array(1));
    await advance(scheduler, 1000);
    guard.checkOverdue();
    expect(timeouts).to.deep.equal(['storage "st": write(3) did not answer within 1000 ms']);
    await advance(scheduler, 4000);
    guard.checkOverdue();
    expect(timeouts[1]).to.equal('storage "st": open() did not answer within 5000 ms');
    let closed = false;
    void store.close().then(() => (closed = true));
    await advance(scheduler, 1000);
    expect(closed, 'close() gives up waiting after the store timeout').to.equal(true);
    expect(errors).to.have.length(2);
  });

  it('logger: a throw in its callback (also after pipe()) is reported, not rethrown; a hanging flush() gives up', async () => {
    const { guard, scheduler, errors } = setUp();
    const events = new Subject<SwarmEvent>();
    const seen: string[] = [];
    const logger: EventLogger = {
      attach: (events$) => {
        events$.pipe(filter((e) => e.kind === 'error')).subscribe(() => boom());
        events$.subscribe((e) => seen.push(e.kind));
      },
      flush: () => new Promise(() => undefined),
    };
    const guarded = guard.logger(logger, 'mine');
    guarded.attach(events);
    events.next({ kind: 'error', message: 'x', self: 1, at: 0 });
    events.next({ kind: 'swarm-complete', self: 1, at: 0 });
    expect(seen).to.deep.equal(['error', 'swarm-complete']);
    let flushed = false;
    void guarded.flush().then(() => (flushed = true));
    await advance(scheduler, 1000);
    expect(flushed).to.equal(true);
    expect(errors).to.deep.equal(['logger "mine": threw on an event: boom', 'logger "mine": flush() did not answer within 1000 ms']);
  });
});
