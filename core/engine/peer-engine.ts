import 'reflect-metadata';
import { inject, injectable } from 'tsyringe';
import { interval, SchedulerLike, Subscription } from 'rxjs';
import { Bitfield } from '../bitfield';
import { EventBus } from '../event-bus';
import { PeerId } from '../events';
import { ChokePolicy, PieceStore, RateMeter, Strategy } from '../plugin/contracts';
import { errorText } from '../plugin/guard/guard-util';
import { PluginGuard } from '../plugin/guard/plugin-guard';
import { TOKENS } from '../plugin/tokens';
import { Message, MessageType, msg } from '../protocol/messages';
import { LinkClosed, NeighborLink, Transport } from '../transport/link';
import { Choker } from './choker';
import { Downloader } from './downloader';
import { NeighbourMemory } from './neighbour-memory';
import { EngineSettings } from './engine-settings';
import { Neighbor } from './neighbor';
import { RequestBook } from './request-book';
import { Uploader } from './uploader';

/**
 * The protocol's state machine, as a dispatcher over its parts: the request
 * book (what to fetch from whom), the downloader (requests out, pieces in),
 * the choker (whom to upload to) and the uploader (serving requests). The
 * engine routes each message to the part it concerns, keeps per-neighbour state, and runs
 * the lifecycle (start, timers, completion, shutdown). Every plugin it is given is called
 * through the guard. It knows links, not sockets, and runs on an injected scheduler.
 */
@injectable()
export class PeerEngine {
  private readonly neighbors = new Map<PeerId, Neighbor>();
  private readonly completePeers = new Set<PeerId>();
  private readonly subscriptions = new Subscription();
  private readonly store: PieceStore;
  private readonly book: RequestBook;
  private readonly choker: Choker;
  private readonly uploader: Uploader;
  private readonly downloader: Downloader;
  readonly memory: NeighbourMemory;
  private readonly haveEvents: boolean; // whether a `have`'s event goes anywhere: asked once (haves are most messages)
  private finished = false;
  private resolveRun!: () => void;
  private rejectRun!: (err: Error) => void;

  constructor(
    @inject(TOKENS.Settings) private readonly settings: EngineSettings,
    @inject(TOKENS.Scheduler) private readonly scheduler: SchedulerLike,
    @inject(TOKENS.EventBus) private readonly bus: EventBus,
    @inject(TOKENS.Transport) private readonly transport: Transport,
    @inject(TOKENS.Guard) private readonly guard: PluginGuard,
    @inject(TOKENS.Strategy) strategy: Strategy,
    @inject(TOKENS.Choke) choke: ChokePolicy,
    @inject(TOKENS.Storage) store: PieceStore,
    @inject(TOKENS.RateMeter) rates: RateMeter,
  ) {
    const { geometry, common } = settings;
    this.haveEvents = bus.carries('have-received');
    this.store = guard.store(store);
    this.book = new RequestBook({ ...settings, numPieces: geometry.numPieces }, guard.strategy(strategy), scheduler);
    this.uploader = new Uploader(this.store, () => this.book.own, bus, (n, bytes) => this.choker.moved(n, 'up', bytes), (n) => this.choker.choke(n));
    const slots = { slots: common.numberOfPreferredNeighbors };
    this.choker = new Choker(slots, this.neighbors, guard.choke(choke), guard.rateMeter(rates), bus, scheduler, () => this.book.own.isComplete, (n) => this.uploader.drop(n));
    const fileComplete = (): void => (this.completePeers.add(settings.self.id), this.checkDone());
    this.memory = new NeighbourMemory(settings, this.neighbors, this.completePeers, this.book, bus, transport);
    this.downloader = new Downloader(this.neighbors, this.book, this.store, settings.pieceHashes, bus, (n, bytes) => this.choker.moved(n, 'down', bytes), fileComplete, (err) => this.fail(err));
  }

  /** Runs until every peer of the peer file has the whole file; then closes everything. */
  async run(): Promise<void> {
    const { common, self } = this.settings;
    const done = new Promise<void>((resolve, reject) => {
      this.resolveRun = resolve;
      this.rejectRun = reject;
    });
    // Opening may hang in a faulty store; the watchdog then fails the run, which must win the race.
    this.subscriptions.add(interval(this.guard.watchdogPeriodMs, this.scheduler).subscribe(() => this.guard.checkOverdue()));
    this.subscriptions.add(this.guard.storeTimeouts$.subscribe((err) => this.fail(err)));
    try {
      const own = await Promise.race([this.store.open(), done.then(() => undefined)]);
      if (own === undefined) return done;
      this.book.open(own);
      this.bus.emit({ kind: 'store-opened', have: own.count, total: own.size, bitfield: Buffer.from(own.toBytes()).toString('hex') });
    } catch (err) {
      this.stopParts();
      throw err;
    }
    if (this.book.own.isComplete) this.completePeers.add(self.id);
    this.subscriptions.add(this.transport.links$.subscribe((link) => this.onLink(link)));
    try {
      await this.transport.start();
    } catch (err) {
      this.stopParts();
      await this.store.close();
      throw err;
    }
    this.subscriptions.add(interval(common.unchokingInterval * 1000, this.scheduler).subscribe(() => this.onUnchokingInterval()));
    this.subscriptions.add(interval(common.optimisticUnchokingInterval * 1000, this.scheduler).subscribe(() => this.choker.reoptimize()));
    this.subscriptions.add(interval(this.book.expiryCheckMs, this.scheduler).subscribe(() => this.finished || this.downloader.expire()));
    this.checkDone();
    return done;
  }

  /** Stops early (e.g. on a signal): closes links and the store; `run()` rejects with the reason. */
  async abort(reason: string): Promise<void> {
    if (this.finished) return;
    await this.shutdown();
    this.rejectRun?.(new Error(`stopped before the swarm completed: ${reason}`));
  }

  private onUnchokingInterval(): void {
    if (this.finished) return;
    this.choker.rechoke('interval');
  }

  // ------------------------------------------------------------------ links

  private onLink(link: NeighborLink): void {
    if (this.finished || this.neighbors.has(link.remoteId) || this.downloader.integrity.isBanned(link.remoteId)) {
      link.close(this.finished ? 'already done' : this.neighbors.has(link.remoteId) ? 'duplicate connection' : 'banned for sending pieces that fail their hashes');
      return;
    }
    const n = new Neighbor(link, this.settings.geometry.numPieces);
    this.neighbors.set(n.id, n);
    this.bus.emit({ kind: 'connected', peer: n.id, direction: link.direction });
    // Our bitfield goes first, before handling what already arrived: that may finish the swarm and close the link.
    // A peer with no pieces skips it: some implementations exit on an empty one.
    if (!this.book.own.isEmpty) void link.send(msg.bitfield(this.book.own.toBytes()));
    link.closed$.subscribe((closed) => this.onClosed(n, closed));
    link.messages$.subscribe((m) => {
      try {
        this.onMessage(n, m);
      } catch (err) {
        this.bus.emit({ kind: 'error', message: `while handling ${MessageType[m.type]} from ${n.id}: ${errorText(err)}` });
        link.close('internal error');
      }
    });
  }

  private onClosed(n: Neighbor, closed: LinkClosed): void {
    if (n.closed) return;
    n.closed = true;
    if (closed.violation) this.bus.emit({ kind: 'protocol-violation', peer: n.id, reason: closed.reason });
    this.bus.emit({ kind: 'disconnected', peer: n.id, reason: closed.reason });
    if (this.neighbors.get(n.id) === n) this.neighbors.delete(n.id);
    // After the end nothing reads the swarm state: skip the bookkeeping (it walks every piece).
    if (this.finished) return;
    this.book.lost(n);
    this.choker.lost(n);
    this.uploader.drop(n);
    this.downloader.fillAll();
  }

  // ------------------------------------------------------------------ messages

  private onMessage(n: Neighbor, m: Message): void {
    if (this.finished || n.closed) return;
    switch (m.type) {
      case MessageType.Choke:
        if (n.peerChoking) return;
        n.peerChoking = true;
        this.bus.emit({ kind: 'choked-by', peer: n.id });
        // Whatever we asked it for will not come: let others serve it.
        this.book.release(n);
        this.downloader.fillAll();
        return;
      case MessageType.Unchoke:
        if (!n.peerChoking) return;
        n.peerChoking = false;
        this.bus.emit({ kind: 'unchoked-by', peer: n.id });
        this.downloader.fill(n);
        return;
      case MessageType.Interested:
        if (n.peerInterested) return; // some implementations repeat it: accept silently
        n.peerInterested = true;
        this.bus.emit({ kind: 'interested-received', peer: n.id });
        this.choker.interested(n);
        return;
      case MessageType.NotInterested:
        if (!n.peerInterested) return;
        n.peerInterested = false;
        this.bus.emit({ kind: 'not-interested-received', peer: n.id });
        return;
      case MessageType.Have:
        if (this.haveEvents) this.bus.emit({ kind: 'have-received', peer: n.id, index: m.index });
        this.book.gained(n, m.index);
        this.afterNeighborGained(n);
        return;
      case MessageType.Bitfield: {
        const incoming = new Bitfield(this.settings.geometry.numPieces, m.bits);
        this.book.gainedAll(n, incoming);
        this.bus.emit({ kind: 'bitfield-received', peer: n.id, pieces: incoming.count });
        this.afterNeighborGained(n);
        return;
      }
      case MessageType.Request:
        this.uploader.requested(n, m.index);
        return;
      case MessageType.Piece:
        this.downloader.received(n, m.index, m.data);
        return;
    }
  }

  private afterNeighborGained(n: Neighbor): void {
    if (n.interestSent !== true) this.downloader.updateInterest(n); // it only gains pieces: wanted once, wanted still
    if (n.bitfield.isComplete && !this.completePeers.has(n.id)) {
      this.completePeers.add(n.id);
      this.bus.emit({ kind: 'peer-completed', peer: n.id });
      this.checkDone();
      if (this.finished) return;
    }
    if (!n.peerChoking) this.downloader.fill(n); // a choking neighbour gets no request (fill would find none)
  }

  // ------------------------------------------------------------------ termination

  private checkDone(): void {
    if (this.finished) return;
    // A leecher that has its whole file does not wait for the bitfield of a seeder it never met (it left
    // before this one joined): listed with the file, it had it all. Else completion comes from bitfields and haves.
    const { self } = this.settings;
    const seedersKnown = !self.hasFile && this.completePeers.has(self.id);
    if (!this.settings.peers.every((p) => this.completePeers.has(p.id) || (seedersKnown && p.hasFile))) return;
    this.bus.emit({ kind: 'swarm-complete' });
    this.shutdown().then(() => this.resolveRun(), (err) => this.rejectRun(err));
  }

  private fail(err: Error): void {
    if (this.finished) return;
    this.bus.emit({ kind: 'error', message: err.message });
    this.shutdown().then(() => this.rejectRun(err), () => this.rejectRun(err));
  }

  private stopParts(): void {
    this.finished = true;
    this.subscriptions.unsubscribe();
    this.choker.stop();
    this.uploader.stop();
    this.downloader.stop();
  }

  private async shutdown(): Promise<void> {
    if (this.finished) return;
    this.stopParts();
    // Some implementations exit only when their sockets close: close ours rather than linger.
    await this.transport.stop();
    // The guarded store gives up waiting after the store timeout: a hung store may never close.
    await this.store.close().catch((err: unknown) => this.bus.emit({ kind: 'error', message: `closing the store: ${errorText(err)}` }));
  }
}
