import { Observable, Subscriber } from 'rxjs';

/**
 * The receiving end of a link, shared by every transport: messages that
 * arrive before anyone subscribes (frames in the handshake's chunk, or a
 * simulated message delivered in the same instant as the link) wait and go
 * to the first subscriber, in order; after `end()` nothing more is taken and
 * subscribers complete once they have had everything. `push` is on every
 * message's path: no allocation once someone listens.
 */
export class Inbox<T> {
  private readonly sinks: Array<Subscriber<T>> = [];
  /** Messages waiting for the first subscriber; undefined once someone subscribed. */
  private early: T[] | undefined = [];
  private ended = false;
  readonly messages$: Observable<T> = new Observable<T>((subscriber) => {
    this.sinks.push(subscriber);
    const early = this.early;
    this.early = undefined;
    if (early) for (const m of early) subscriber.next(m);
    if (this.ended) subscriber.complete();
    return () => {
      const i = this.sinks.indexOf(subscriber);
      if (i >= 0) this.sinks.splice(i, 1);
    };
  });

  get isEnded(): boolean {
    return this.ended;
  }

  push(message: T): void {
    if (this.ended) return;
    if (this.early) {
      this.early.push(message);
      return;
    }
    const sinks = this.sinks;
    if (sinks.length === 1) sinks[0]!.next(message);
    else for (const s of sinks.slice()) s.next(message);
  }

  /** No more messages: subscribers complete (a later first subscriber still gets what waited, then completes). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const s of this.sinks.slice()) s.complete();
  }
}
