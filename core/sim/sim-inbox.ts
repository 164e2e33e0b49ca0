import { Observable, Observer, Subscriber, Subscription } from 'rxjs';

interface Sink<T> {
  readonly next: (value: T) => void;
  readonly complete?: () => void;
}

/**
 * The receiving end of a simulated link: the same contract as the transports'
 * Inbox (messages that arrive before anyone subscribes wait and go to the
 * first subscriber, in order; after `end()` nothing more is taken and
 * subscribers complete), but a subscriber given as a plain function is called
 * directly from `push`, not through rxjs's Subscriber, its observer wrapper
 * and its partial observer. Why: in a 10,000-peer run nearly every event is a
 * message delivered here (84 million `have`s), each of those per-link
 * wrappers is one more object to fetch from memory, and at that heap size
 * each fetch is a cache miss.
 *
 * Differences from rxjs, all harmless for the engine's `messages$.subscribe(fn)`:
 * an exception thrown by such a function propagates to the caller of `push`
 * (the simulator's event loop, which stops and rejects) instead of being
 * reported asynchronously; a function subscriber has no completion to be
 * told of. Observers and operators (`pipe`) take the ordinary rxjs path.
 */
export class SimInbox<T> extends Observable<T> {
  /** The only sink, when there is exactly one (the engine's): push calls it with no array walk. */
  private single: ((value: T) => void) | undefined;
  private sinks: Array<Sink<T>> = [];
  /** Messages waiting for the first subscriber; undefined once someone subscribed. */
  private early: T[] | undefined = [];
  private ended = false;

  /** `onSingle`: told whenever the single sink changes (undefined: none, or several), so a link can call it itself. */
  constructor(private readonly onSingle?: (sink: ((value: T) => void) | undefined) => void) {
    super(function (this: Observable<T>, subscriber: Subscriber<T>) {
      return (this as SimInbox<T>).attach({ next: (v) => subscriber.next(v), complete: () => subscriber.complete() });
    });
  }

  override subscribe(observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null, error?: ((error: unknown) => void) | null, complete?: (() => void) | null): Subscription {
    if (typeof observerOrNext === 'function' && !error && !complete) return new Subscription(this.attach({ next: observerOrNext }));
    // Observers and the deprecated three-callback form: rxjs's own path.
    if (typeof observerOrNext === 'object' && observerOrNext !== null) return super.subscribe(observerOrNext);
    return super.subscribe(observerOrNext, error, complete);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  push(message: T): void {
    if (this.ended) return;
    const single = this.single;
    if (single !== undefined) {
      single(message);
      return;
    }
    if (this.early) {
      this.early.push(message);
      return;
    }
    for (const s of this.sinks.slice()) s.next(message);
  }

  /** No more messages: subscribers complete (a later first subscriber still gets what waited, then completes). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.setSingle(undefined);
    for (const s of this.sinks.slice()) s.complete?.();
  }

  private attach(sink: Sink<T>): () => void {
    this.sinks.push(sink);
    this.setSingle(this.sinks.length === 1 && !this.ended ? sink.next : undefined);
    const early = this.early;
    this.early = undefined;
    if (early) for (const m of early) sink.next(m);
    if (this.ended) sink.complete?.();
    return () => {
      const i = this.sinks.indexOf(sink);
      if (i >= 0) this.sinks.splice(i, 1);
      this.setSingle(this.sinks.length === 1 && !this.ended ? this.sinks[0]!.next : undefined);
    };
  }

  private setSingle(sink: ((value: T) => void) | undefined): void {
    this.single = sink;
    this.onSingle?.(sink);
  }
}
