import { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { BucketQueue } from './bucket-queue';
import { EventQueue, SimTarget } from './event-queue';

export type { SimTarget } from './event-queue';

/**
 * How the run loop lets promise continuations (the engine awaits its store
 * and its sends) run before virtual time moves on: a number of microtask
 * turns (`await` of a settled value, ~50 ns each) after the events of each
 * instant, or a full macrotask turn (`setImmediate`, ~1 µs, drains every
 * microtask however deep the chain). The default depth covers the engine's
 * longest chain (a piece stored, then the file completed, then the swarm
 * shut down) with room to spare; test/sim checks both modes agree event for
 * event.
 */
export type DrainMode = number | 'macrotask';
export const DEFAULT_DRAIN: DrainMode = 12;

export interface SimRunOptions {
  /** Stop before the first event later than this virtual time (ms). */
  readonly untilMs?: number;
  /**
   * Stop before the first event at or after this virtual time (ms), with the
   * clock there: one window of a parallel run (the queue keeps the rest).
   */
  readonly beforeMs?: number;
  readonly drain?: DrainMode;
}

export interface SimRunStats {
  /** Events fired. */
  readonly events: number;
  /** Distinct instants at which events fired (each followed by one drain). */
  readonly instants: number;
  /** Virtual time when the loop stopped (ms). */
  readonly virtualMs: number;
  /** Why the loop stopped. */
  readonly reason: 'idle' | 'stopped' | 'time-limit' | 'window-end';
}

const macrotask = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Calls the function it is given: the target of promise resolutions scheduled for later. */
const CALL: SimTarget<() => void> = { fire: (fn) => fn() };

/**
 * A discrete-event scheduler on virtual time, for RxJS and for the simulated
 * network alike. `now()` is the virtual clock in ms (0 at the start);
 * `schedule()` makes RxJS actions (so `interval(ms, scheduler)` and
 * `timer(ms, scheduler)` run on it); `at()` / `after()` queue plain events.
 * Nothing here waits on a wall-clock timer: `run()` pops events in
 * (time, insertion) order, moves the clock to each event's time, fires it,
 * and after each instant lets pending promise continuations run.
 */
export interface SimSchedulerOptions {
  /**
   * Round every event's time up to a multiple of this (ms); 0 = exact. With
   * a quantum, events a fraction of it apart share an instant and one drain,
   * which is most of the loop's cost in a big swarm; 1 ms is far below the
   * latencies and piece times that matter. Order is kept: a later event
   * never overtakes an earlier one.
   */
  readonly quantumMs?: number;
}

export class SimScheduler implements SchedulerLike {
  private clock = 0;
  private readonly quantum: number;
  /** Quantised time has few distinct instants: a bucket per instant beats a heap of every event. */
  private readonly queue: EventQueue | BucketQueue;
  private stopRequested = false;
  private running = false;

  constructor(options: SimSchedulerOptions = {}) {
    this.quantum = options.quantumMs ?? 0;
    if (!(this.quantum >= 0)) throw new RangeError(`quantumMs must be >= 0, got ${options.quantumMs}`);
    this.queue = this.quantum > 0 ? new BucketQueue() : new EventQueue();
  }

  now(): number {
    return this.clock;
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription {
    return new SimAction<T>(this, work).schedule(state, delay);
  }

  /** Queues `target.fire(payload)` at virtual time `time` (never before now). */
  at<P>(time: number, target: SimTarget<P>, payload: P): void {
    let t = time > this.clock ? time : this.clock;
    if (this.quantum > 0) t = Math.ceil(t / this.quantum) * this.quantum;
    this.queue.push(t, target, payload);
  }

  after<P>(delayMs: number, target: SimTarget<P>, payload: P): void {
    this.at(this.clock + delayMs, target, payload);
  }

  /** A promise that resolves at virtual time `time`. */
  resolveAt(time: number): Promise<void> {
    return new Promise<void>((resolve) => this.at(time, CALL, resolve));
  }

  /** Virtual time of the next queued event (Infinity when none). */
  get nextEventMs(): number {
    return this.queue.size > 0 ? this.queue.peekTime() : Infinity;
  }

  /** Events waiting in the queue. */
  get pending(): number {
    return this.queue.size;
  }

  /** Makes `run()` return after the current instant. */
  stop(): void {
    this.stopRequested = true;
  }

  /** Drops every queued event (after a run is over, so nothing refers to the simulated peers any more). */
  clear(): void {
    this.queue.clear();
  }

  /**
   * Runs events in order until none is left (and no continuation schedules
   * another), `stop()` is called, or the next event is later than `untilMs`
   * (which may be given alone: `run(60_000)`).
   * An exception thrown by an event stops the loop and rejects.
   */
  async run(options: SimRunOptions | number = {}): Promise<SimRunStats> {
    if (typeof options === 'number') options = { untilMs: options };
    if (this.running) throw new Error('SimScheduler.run() is already running');
    this.running = true;
    this.stopRequested = false;
    const until = options.untilMs ?? Infinity;
    const before = options.beforeMs ?? Infinity;
    const drain = options.drain ?? DEFAULT_DRAIN;
    const queue = this.queue;
    let events = 0;
    let instants = 0;
    let reason: SimRunStats['reason'] = 'idle';
    try {
      for (;;) {
        if (this.stopRequested) {
          reason = 'stopped';
          break;
        }
        if (queue.size === 0) {
          // Continuations deeper than the drain depth may still schedule something: settle everything first.
          await macrotask();
          if (queue.size > 0) continue;
          if (before !== Infinity) {
            // A window with nothing left in it: the clock still reaches its end.
            this.clock = before;
            reason = 'window-end';
          }
          break;
        }
        const t = queue.peekTime();
        if (t >= before) {
          this.clock = before;
          reason = 'window-end';
          break;
        }
        if (t > until) {
          this.clock = until;
          reason = 'time-limit';
          break;
        }
        this.clock = t;
        do {
          queue.pop();
          const target = queue.poppedTarget!;
          const payload = queue.poppedPayload;
          queue.poppedTarget = undefined;
          queue.poppedPayload = undefined;
          target.fire(payload);
          events++;
        } while (queue.size > 0 && queue.peekTime() === t);
        instants++;
        if (drain === 'macrotask') await macrotask();
        else for (let k = 0; k < drain; k++) await undefined;
      }
      // Let whatever the last events started (a shutdown, a rejection) settle.
      await macrotask();
    } finally {
      this.running = false;
    }
    return { events, instants, virtualMs: this.clock, reason };
  }
}

/**
 * An RxJS scheduler action on virtual time. `schedule()` (re)queues it, which
 * is how `interval` repeats; each (re)schedule gets a new token and an entry
 * whose token is stale is skipped, so rescheduling or unsubscribing never has
 * to dig an entry out of the heap.
 */
class SimAction<T> extends Subscription implements SchedulerAction<T>, SimTarget<number> {
  private token = 0;
  private state: T | undefined;

  constructor(
    private readonly scheduler: SimScheduler,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super();
  }

  schedule(state?: T, delay?: number): Subscription {
    if (this.closed) return this;
    this.state = state;
    const d = delay === undefined || !(delay > 0) ? 0 : delay;
    this.scheduler.at(this.scheduler.now() + d, this, ++this.token);
    return this;
  }

  fire(token: number): void {
    if (this.closed || token !== this.token) return;
    this.work.call(this, this.state);
  }
}
