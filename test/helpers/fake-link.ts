import { Observable, ReplaySubject, Subject } from 'rxjs';
import { PeerId } from '../../core/events';
import { Message, MESSAGE_NAMES } from '../../core/protocol/messages';
import { SimScheduler } from '../../core/sim/sim-scheduler';
import { Inbox } from '../../core/transport/inbox';
import { LinkClosed, NeighborLink, Transport } from '../../core/transport/link';

/**
 * A link with no socket behind it: what the engine sends is recorded in
 * `sent`, and the test plays the neighbour with `receive()`. `send()` may be
 * held (`hold()`) to model a socket whose buffer is full.
 */
export class FakeLink implements NeighborLink {
  readonly sent: Message[] = [];
  private readonly inbox = new Inbox<Message>();
  readonly messages$: Observable<Message> = this.inbox.messages$;
  private readonly closed = new ReplaySubject<LinkClosed>(1);
  readonly closed$: Observable<LinkClosed> = this.closed.asObservable();
  closedWith: string | undefined;
  /** Piece buffers the engine handed back (recycle()), in order. */
  readonly recycled: Uint8Array[] = [];
  private held: Array<() => void> | undefined;

  constructor(readonly remoteId: PeerId, readonly direction: 'outbound' | 'inbound' = 'inbound') {}

  send(message: Message): Promise<void> {
    if (this.closedWith !== undefined) return Promise.resolve();
    this.sent.push(message);
    if (!this.held) return Promise.resolve();
    return new Promise<void>((resolve) => this.held!.push(resolve));
  }

  close(reason: string): void {
    this.end({ reason, violation: false });
  }

  recycle(data: Uint8Array): void {
    this.recycled.push(data);
  }

  /** The neighbour sends us a message. */
  receive(message: Message): void {
    this.inbox.push(message);
  }

  /** The neighbour goes away. */
  drop(reason = 'connection closed by peer'): void {
    this.end({ reason, violation: false });
  }

  /** From now on send() resolves only on release() (a full socket buffer). */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const resolve of waiting) resolve();
  }

  /** What was sent, by message name ("have 3", "piece 0", "unchoke"), and forgets it. */
  take(): string[] {
    const names = this.sent.map((m) => ('index' in m ? `${MESSAGE_NAMES[m.type]} ${m.index}` : MESSAGE_NAMES[m.type]));
    this.sent.length = 0;
    return names;
  }

  private end(closed: LinkClosed): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = closed.reason;
    this.closed.next(closed);
    this.closed.complete();
    this.inbox.end();
  }
}

/** A transport whose links the test creates: `connect(id)` hands the engine a new FakeLink. */
export class FakeTransport implements Transport {
  private readonly links = new Subject<NeighborLink>();
  readonly links$: Observable<NeighborLink> = this.links.asObservable();
  started = false;
  stopped = false;
  readonly made: FakeLink[] = [];

  async start(): Promise<void> {
    this.started = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const l of this.made) l.close('shutting down');
    this.links.complete();
  }

  connect(id: PeerId, direction: 'outbound' | 'inbound' = 'inbound'): FakeLink {
    const link = new FakeLink(id, direction);
    this.made.push(link);
    this.links.next(link);
    return link;
  }
}

/** Moves a SimScheduler's clock forward by `ms`, firing whatever falls due on the way (timers, intervals). */
export async function advance(scheduler: SimScheduler, ms: number): Promise<void> {
  const until = scheduler.now() + ms;
  scheduler.after(ms, { fire: () => undefined }, undefined);
  await scheduler.run(until);
}
