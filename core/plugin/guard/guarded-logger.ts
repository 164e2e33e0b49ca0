import { Observable, Observer, SchedulerLike, Subscription } from 'rxjs';
import { SwarmEvent } from '../../events';
import { EventLogger } from '../contracts';
import { errorText, Report } from './guard-util';

/** A logger that keeps failing is reported this many times, then quietly. */
export const MAX_LOGGER_REPORTS = 10;

/**
 * A logger whose mistakes are contained. RxJS rethrows an error from a
 * subscriber's callback asynchronously, which would crash the process, so
 * the logger is given a stream whose `subscribe` (also after `pipe`) wraps
 * its callbacks: a throw is reported and the event skipped. An error raised
 * while reporting (the logger throws on the report itself) is swallowed,
 * so a failing logger cannot loop. flush() that throws, rejects or hangs
 * is reported and given up after `flushTimeoutMs`.
 */
export class GuardedLogger implements EventLogger {
  private reports = 0;
  private reporting = false;

  constructor(
    private readonly inner: EventLogger,
    private readonly report: Report,
    private readonly scheduler: SchedulerLike,
    private readonly flushTimeoutMs: number,
  ) {}

  attach(events$: Observable<SwarmEvent>): void {
    try {
      this.inner.attach(this.guarded(events$));
    } catch (err) {
      this.fault(`attach() threw: ${errorText(err)}`);
    }
  }

  flush(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.scheduler.schedule(() => {
        this.fault(`flush() did not answer within ${this.flushTimeoutMs} ms`);
        resolve();
      }, this.flushTimeoutMs);
      const done = (): void => {
        timer.unsubscribe();
        resolve();
      };
      let flushing: Promise<void>;
      try {
        flushing = Promise.resolve(this.inner.flush());
      } catch (err) {
        flushing = Promise.reject(err);
      }
      flushing.then(done, (err: unknown) => {
        this.fault(`flush() failed: ${errorText(err)}`);
        done();
      });
    });
  }

  /** The same events, with every callback the logger subscribes guarded. */
  private guarded<T>(source: Observable<T>): Observable<T> {
    const guarded = new Observable<T>((subscriber) => source.subscribe(subscriber));
    guarded.subscribe = ((observerOrNext?: Partial<Observer<T>> | ((value: T) => void)): Subscription => {
      const o: Partial<Observer<T>> = typeof observerOrNext === 'function' ? { next: observerOrNext } : (observerOrNext ?? {});
      return source.subscribe({
        next: (value) => this.call('an event', () => o.next?.call(o, value)),
        error: (err: unknown) => (o.error ? this.call('an error', () => o.error!.call(o, err)) : this.fault(`its event stream failed: ${errorText(err)}`)),
        complete: () => this.call('the end of the stream', () => o.complete?.call(o)),
      });
    }) as Observable<T>['subscribe'];
    // Operators build new streams from this one: guard what they return too.
    guarded.pipe = ((...operators: unknown[]) => this.guarded((Observable.prototype.pipe as (...ops: unknown[]) => Observable<T>).apply(source, operators))) as Observable<T>['pipe'];
    return guarded;
  }

  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fault(`threw on ${what}: ${errorText(err)}`);
    }
  }

  private fault(message: string): void {
    if (this.reporting || this.reports >= MAX_LOGGER_REPORTS) return;
    this.reporting = true;
    try {
      this.reports++;
      this.report(this.reports === MAX_LOGGER_REPORTS ? `${message} (further errors from it are not reported)` : message);
    } finally {
      this.reporting = false;
    }
  }
}
