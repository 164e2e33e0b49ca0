import { Observable, ReplaySubject, Subject } from 'rxjs';
import { PeerId } from '../events';
import { frameSize } from '../protocol/codec';
import { Message } from '../protocol/messages';
import { LinkClosed, NeighborLink, Transport } from '../transport/link';
import { SimTarget } from './event-queue';
import { MailReceiver, SimMail } from './sim-mail';
import { SimInbox } from './sim-inbox';
import { SimScheduler } from './sim-scheduler';

/** How a simulated peer is attached to the network. Rates in bytes per second; undefined = unlimited. */
export interface SimNodeSpec {
  readonly id: PeerId;
  readonly upload?: number;
  readonly download?: number;
  /** One-way delay of the peer's access link (ms): a message from A to B takes latencyA + latencyB on the way. */
  readonly latencyMs: number;
}

export interface SimNetworkOptions {
  /**
   * A link's send buffer, as a socket has one (Node's default high-water
   * mark is 16 KiB): while the bytes it has sent and not yet clocked out of
   * the uplink stay within it, send() resolves at once; past it, send()
   * resolves when they have all left the uplink. A piece is bigger than the
   * buffer, so sending one resolves exactly when it has left: the
   * backpressure the engine's upload loop waits on. Default 16 KiB.
   */
  readonly sendBufferBytes?: number;
  /**
   * Messages up to this size (requests, haves, interest, choking: everything
   * but pieces and large bitfields) do not queue behind the pieces other
   * connections have waiting in the uplink or downlink: on a real link their
   * packets interleave with the other connections' packets. They still wait
   * for their own connection's earlier bytes (TCP keeps order) and still use
   * link time. 0 makes both links strict FIFOs for every message, which
   * holds a request behind up to a second of other connections' pieces on a
   * slow uplink. Default 1 KiB.
   */
  readonly interleaveBytes?: number;
  /**
   * Set when the swarm is split across worker threads (a parallel run): this
   * network runs the peers of worker `worker` (it still knows every peer's
   * link rates and delay) and every message goes through `mail`, booked on
   * the receiver's downlink by the receiver's worker at the end of the window.
   */
  readonly mail?: SimMail;
  readonly worker?: number;
}

/** Bytes a message takes on the wire, as the codec frames it. */
export const wireSize = frameSize;

const RESOLVED: Promise<void> = Promise.resolve();
/** The end of a link's byte stream: the other side closed it (after everything it sent before). */
const FIN: unique symbol = Symbol('FIN');
type Fin = typeof FIN;
/** Time to check whether this end's sent messages have all left the uplink (resolves a waiting send()). */
const DRAIN: unique symbol = Symbol('DRAIN');
type Drain = typeof DRAIN;

/** The downlink's next free time after a booking: bookDownlink's second result (no object per message). */
let bookedFreeAt = 0;

/**
 * Books a message on a receiver's downlink, free from `downFreeAt` (see SimNode), and returns when it
 * is in: when the downlink has taken it and its last byte is through, never
 * before `notBefore` (what the same connection sent earlier: TCP keeps order).
 * The same formula for both modes: when sent (one thread), or at the window's end (a parallel run).
 */
function bookDownlink(downFreeAt: number, downPerMs: number, start: number, upEnd: number, delayMs: number, size: number, small: boolean, notBefore: number): number {
  const downTime = size / downPerMs;
  let downStart: number;
  if (small) {
    downStart = start + delayMs;
    bookedFreeAt = (downFreeAt > downStart ? downFreeAt : downStart) + downTime;
  } else {
    // Cut-through: the downlink takes the bytes in from when the first arrives and it has taken in what was
    // booked before, at its own rate.
    const firstByte = start + delayMs;
    downStart = downFreeAt > firstByte ? downFreeAt : firstByte;
    bookedFreeAt = downStart + downTime;
  }
  let arrival = downStart + downTime;
  if (arrival < upEnd + delayMs) arrival = upEnd + delayMs;
  return arrival < notBefore ? notBefore : arrival;
}

/**
 * One simulated peer's access link: an uplink and a downlink, each a FIFO
 * shared by all of its connections. A message leaves the uplink once the
 * messages queued before it have left and its own bytes have been clocked
 * out (size / upload rate). Its first byte reaches the receiver `latency`
 * after it started; the receiver's downlink takes its bytes in at the
 * downlink rate once it has taken in what was booked before (so the sum of
 * what a peer receives never exceeds its download rate); the message is in
 * when the downlink has taken it and its last byte has arrived (cut-through:
 * one flow runs at min(upload, download), and several slow senders can feed
 * one fast downlink at once).
 */
export class SimNode {
  /** Bytes per ms (Infinity = unlimited). */
  readonly upPerMs: number;
  readonly downPerMs: number;
  /** When the uplink / downlink is next free (virtual ms). */
  upFreeAt = 0;
  downFreeAt = 0;
  /** Bytes (pieces and control messages) put on the uplink, and booked on the downlink. */
  bytesSent = 0;
  bytesReceived = 0;
  readonly transport: SimTransport;

  constructor(
    readonly spec: SimNodeSpec,
    readonly network: SimNetwork,
    /** Its place in the order peers were added (the same in every worker of a parallel run). */
    readonly ordinal: number,
  ) {
    this.upPerMs = spec.upload === undefined ? Infinity : spec.upload / 1000;
    this.downPerMs = spec.download === undefined ? Infinity : spec.download / 1000;
    if (!(this.upPerMs > 0) || !(this.downPerMs > 0)) throw new RangeError(`peer ${spec.id}: upload and download rates must be positive`);
    if (!(spec.latencyMs >= 0)) throw new RangeError(`peer ${spec.id}: latencyMs must be >= 0`);
    this.transport = new SimTransport(this);
  }

  get id(): PeerId {
    return this.spec.id;
  }
}

/** A connection being set up: both ends appear when the handshakes have crossed. */
class PendingConnection implements SimTarget<undefined> {
  constructor(
    private readonly dialer: SimNode,
    private readonly acceptor: SimNode,
  ) {}

  fire(): void {
    const a = this.dialer.transport;
    const b = this.acceptor.transport;
    const network = this.dialer.network;
    if (network.mail !== undefined) {
      // A parallel run: each worker opens the ends of its own peers, at the same virtual time.
      const delay = this.dialer.spec.latencyMs + this.acceptor.spec.latencyMs;
      if (network.isLocal(a.node.id)) a.offerNew(new SimLink(this.dialer, this.acceptor, 'outbound', delay));
      if (network.isLocal(b.node.id)) b.offerNew(new SimLink(this.acceptor, this.dialer, 'inbound', delay));
      return;
    }
    if (a.isStopped || b.isStopped || a.hasLinkTo(b.node.id) || b.hasLinkTo(a.node.id)) return;
    const delay = this.dialer.spec.latencyMs + this.acceptor.spec.latencyMs;
    const out = new SimLink(this.dialer, this.acceptor, 'outbound', delay);
    const inb = new SimLink(this.acceptor, this.dialer, 'inbound', delay);
    out.attach(inb);
    inb.attach(out);
    a.offer(out);
    b.offer(inb);
  }
}

/**
 * The simulated network: peers, their access links, and the connections
 * between them. Messages travel as objects (never encoded); only their wire
 * size and the links' rates and delays decide when they arrive.
 */
export class SimNetwork implements MailReceiver {
  private readonly nodes = new Map<PeerId, SimNode>();
  readonly sendBufferBytes: number;
  readonly interleaveBytes: number;
  readonly mail: SimMail | undefined;
  private readonly worker: number;
  private readonly byOrdinal: SimNode[] = [];
  /**
   * A parallel run: numbers for this worker's link ends; for each worker, the ends messages from its ends come
   * in on and when the last of them arrives; and the downlinks by ordinal. Dense arrays, because booking the
   * mail would otherwise fetch a link and a node from all over the heap for every message.
   */
  private ends = 0;
  private readonly inboundEnds: Array<Array<SimLink | undefined>> = [];
  private readonly lastIns: number[][] = [];
  private readonly downFree: number[] = [];
  private readonly downPer: number[] = [];
  private readonly bytesIn: number[] = [];

  constructor(
    readonly scheduler: SimScheduler,
    options: SimNetworkOptions = {},
  ) {
    this.sendBufferBytes = options.sendBufferBytes ?? 16 * 1024;
    this.interleaveBytes = options.interleaveBytes ?? 1024;
    this.mail = options.mail;
    this.worker = options.worker ?? 0;
  }

  /** Whether this network runs the peer (always, unless the swarm is split across workers). */
  isLocal(id: PeerId): boolean {
    return this.mail === undefined || this.mail.workerOf(id) === this.worker;
  }

  /** The next number for a link end of this worker's peers. */
  nextEndNo(): number {
    return this.ends++;
  }

  /** A message from another peer's uplink (a parallel run's mail): books the downlink, queues the arrival. */
  book(source: number, end: number, sender: PeerId, receiver: number, sentAt: number, start: number, upEnd: number, delayMs: number, size: number, small: boolean, message: Message | undefined): void {
    // The end it comes in on, found once per connection (an array read after that, not two map lookups).
    const ends = (this.inboundEnds[source] ??= []);
    const lastIns = (this.lastIns[source] ??= []);
    let link = ends[end];
    if (link === undefined) {
      link = this.byOrdinal[receiver]!.transport.linkFrom(sender);
      if (link !== undefined) ends[end] = link;
      lastIns[end] = 0;
    }
    const lastIn = lastIns[end]!;
    if (message === undefined) {
      // The FIN: after everything sent before it.
      const fin = sentAt + delayMs;
      if (link !== undefined) this.scheduler.at(fin > lastIn ? fin : lastIn, link, FIN);
      return;
    }
    const arrival = bookDownlink(this.downFree[receiver]!, this.downPer[receiver]!, start, upEnd, delayMs, size, small, lastIn);
    this.downFree[receiver] = bookedFreeAt;
    this.bytesIn[receiver]! += size;
    lastIns[end] = arrival;
    // Its end closed (or never opened): the bytes were still on the wire, nobody takes them.
    if (link !== undefined) this.scheduler.at(arrival, link, message);
  }

  /** Bytes a peer took from its downlink (its node's count, or the mail's in a parallel run). */
  bytesReceivedBy(id: PeerId): number {
    const node = this.node(id);
    return node.bytesReceived + this.bytesIn[node.ordinal]!;
  }

  addPeer(spec: SimNodeSpec): SimTransport {
    if (this.nodes.has(spec.id)) throw new Error(`peer ${spec.id} is already on the simulated network`);
    const node = new SimNode(spec, this, this.byOrdinal.length);
    this.nodes.set(spec.id, node);
    this.byOrdinal.push(node);
    this.downFree.push(0);
    this.downPer.push(node.downPerMs);
    this.bytesIn.push(0);
    return node.transport;
  }

  node(id: PeerId): SimNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`peer ${id} is not on the simulated network`);
    return node;
  }

  /**
   * `dialer` connects to `acceptor` now: after a round trip (the TCP set-up
   * and the crossed handshakes) each side's transport offers its end of the
   * link, the dialer's as outbound, the acceptor's as inbound.
   */
  connect(dialer: PeerId, acceptor: PeerId): void {
    const a = this.node(dialer);
    const b = this.node(acceptor);
    if (a === b) throw new Error(`peer ${dialer} cannot connect to itself`);
    const oneWay = a.spec.latencyMs + b.spec.latencyMs;
    this.scheduler.after(2 * oneWay, new PendingConnection(a, b), undefined);
  }
}

/** One peer's view of the simulated network: the links to it and from it. */
export class SimTransport implements Transport {
  private readonly links = new Subject<NeighborLink>();
  readonly links$: Observable<NeighborLink> = this.links.asObservable();
  private readonly open = new Map<PeerId, SimLink>();
  /** Links that arrived before start(). */
  private early: SimLink[] | undefined = [];
  private stopped = false;

  constructor(readonly node: SimNode) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  hasLinkTo(id: PeerId): boolean {
    return this.open.has(id);
  }

  /** Links currently open. */
  get linkCount(): number {
    return this.open.size;
  }

  start(): Promise<void> {
    const early = this.early ?? [];
    this.early = undefined;
    for (const link of early) if (!link.isClosed) this.links.next(link);
    return RESOLVED;
  }

  stop(): Promise<void> {
    if (this.stopped) return RESOLVED;
    this.stopped = true;
    for (const link of [...this.open.values()]) link.close('peer stopped');
    for (const link of this.early ?? []) link.close('peer stopped');
    this.early = undefined;
    this.links.complete();
    return RESOLVED;
  }

  /** The open link from `id`, if any. */
  linkFrom(id: PeerId): SimLink | undefined {
    return this.open.get(id);
  }

  /** A parallel run's new link end, unless this peer stopped or already has one to that peer. */
  offerNew(link: SimLink): void {
    if (!this.stopped && !this.open.has(link.remoteId)) this.offer(link);
  }

  /** A new link of this peer (called by the network). */
  offer(link: SimLink): void {
    this.open.set(link.remoteId, link);
    if (this.early) this.early.push(link);
    else this.links.next(link);
  }

  /** A link of this peer closed (called by the link). */
  forget(link: SimLink): void {
    if (this.open.get(link.remoteId) === link) this.open.delete(link.remoteId);
  }
}

/**
 * One direction-pair end of a simulated connection, as the engine sees it.
 * `send()` books the message on the local uplink and the remote downlink and
 * queues its arrival at the other end as one event (target: that end,
 * payload: the message itself; no closure, no copy).
 */
export class SimLink implements NeighborLink, SimTarget<Message | Fin | Drain> {
  readonly remoteId: PeerId;
  /** Messages that arrive before anyone subscribes wait there. */
  /** The inbox's only subscriber (the engine), called from fire() without a detour through the inbox. */
  private deliver: ((m: Message) => void) | undefined;
  private readonly inbox = new SimInbox<Message>((sink) => (this.deliver = sink));
  readonly messages$: Observable<Message> = this.inbox;
  private readonly closed = new ReplaySubject<LinkClosed>(1);
  readonly closed$: Observable<LinkClosed> = this.closed.asObservable();
  private other!: SimLink;
  private done = false;
  /** When the last message sent on this end reaches the other end (the FIN follows it). */
  private lastArrival = 0;
  /** A parallel run: this end's number in its worker (SimNetwork.nextEndNo), which the mail carries. */
  readonly endNo: number;
  /**
   * This end's "socket buffer": bytes sent since its messages last had all
   * left the uplink, and when the last of them leaves. Over sendBufferBytes,
   * send() returns the one `drained` promise shared by every send until then,
   * as a socket's write() returns false until 'drain'.
   */
  private pendingBytes = 0;
  private pendingUntil = 0;
  private drained: Promise<void> | undefined;
  private resolveDrained: (() => void) | undefined;

  constructor(
    /** The peer this end belongs to, and the one at the other end. */
    readonly local: SimNode,
    private readonly remote: SimNode,
    readonly direction: 'outbound' | 'inbound',
    /** One-way propagation delay (ms). */
    readonly delayMs: number,
  ) {
    this.remoteId = remote.spec.id;
    this.endNo = local.network.mail !== undefined ? local.network.nextEndNo() : 0;
  }

  attach(other: SimLink): void {
    this.other = other;
  }

  get isClosed(): boolean {
    return this.done;
  }

  send(message: Message): Promise<void> {
    if (this.done) return RESOLVED;
    const local = this.local;
    const network = local.network;
    const scheduler = network.scheduler;
    const now = scheduler.now();
    const size = wireSize(message);
    const upTime = size / local.upPerMs;
    const small = size <= network.interleaveBytes;
    let start: number;
    if (small) {
      // A small message waits for its own connection's earlier bytes only; its time still counts on both links.
      start = this.pendingUntil > now ? this.pendingUntil : now;
      local.upFreeAt = (local.upFreeAt > now ? local.upFreeAt : now) + upTime;
    } else {
      start = local.upFreeAt > now ? local.upFreeAt : now;
      local.upFreeAt = start + upTime;
    }
    const upEnd = start + upTime;
    local.bytesSent += size;
    const mail = network.mail;
    if (mail !== undefined) {
      mail.post(this.endNo, local.spec.id, this.remoteId, this.remote.ordinal, now, start, upEnd, this.delayMs, size, small, message);
    } else {
      const remote = this.remote;
      const arrival = bookDownlink(remote.downFreeAt, remote.downPerMs, start, upEnd, this.delayMs, size, small, this.lastArrival);
      remote.downFreeAt = bookedFreeAt;
      remote.bytesReceived += size;
      this.lastArrival = arrival;
      scheduler.at(arrival, this.other, message);
    }
    if (now >= this.pendingUntil) this.pendingBytes = 0;
    this.pendingBytes += size;
    this.pendingUntil = upEnd;
    if (this.pendingBytes <= local.network.sendBufferBytes) return RESOLVED;
    if (!this.drained) {
      this.drained = new Promise<void>((resolve) => (this.resolveDrained = resolve));
      scheduler.at(upEnd, this, DRAIN);
    }
    return this.drained;
  }

  /** The drain check: resolve the waiting sends once everything sent on this end has left, else look again then. */
  private onDrainTime(): void {
    if (!this.drained) return;
    const scheduler = this.local.network.scheduler;
    if (!this.done && scheduler.now() < this.pendingUntil) {
      scheduler.at(this.pendingUntil, this, DRAIN);
      return;
    }
    this.settleDrain();
  }

  private settleDrain(): void {
    const resolve = this.resolveDrained;
    this.drained = undefined;
    this.resolveDrained = undefined;
    resolve?.();
  }

  close(reason: string): void {
    if (this.done) return;
    this.finish({ reason, violation: false });
    // What was sent before still arrives; then the other side sees the connection close.
    const network = this.local.network;
    const now = network.scheduler.now();
    if (network.mail !== undefined) {
      network.mail.post(this.endNo, this.local.spec.id, this.remoteId, this.remote.ordinal, now, now, now, this.delayMs, 0, true, undefined);
      return;
    }
    const fin = now + this.delayMs;
    network.scheduler.at(fin > this.lastArrival ? fin : this.lastArrival, this.other, FIN);
  }

  /** A message (or the FIN) arrives at this end, or it is time to check the drain. */
  fire(payload: Message | Fin | Drain): void {
    if (payload === DRAIN) {
      this.onDrainTime();
      return;
    }
    if (this.done) return;
    if (payload === FIN) {
      this.finish({ reason: 'connection closed by peer', violation: false });
      return;
    }
    const deliver = this.deliver;
    if (deliver !== undefined) deliver(payload);
    else this.inbox.push(payload);
  }

  private finish(closed: LinkClosed): void {
    if (this.done) return;
    this.done = true;
    // Like a closed socket: nothing waits for a drain any more.
    this.settleDrain();
    this.local.transport.forget(this);
    this.closed.next(closed);
    this.closed.complete();
    this.inbox.end();
  }
}
