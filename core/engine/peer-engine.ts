import { inject, injectable } from 'tsyringe';
import { interval, SchedulerLike, Subscription } from 'rxjs';
import { Bitfield } from '../bitfield';
import { EventBus } from '../event-bus';
import { PeerId } from '../events';
import { ChokePolicy, ChokeView, PieceSelector, PieceStore, RateMeter } from '../plugin/contracts';
import { TOKENS } from '../plugin/tokens';
import { Message, MessageType, msg } from '../protocol/messages';
import { LinkClosed, NeighborLink, Transport } from '../transport/link';
import { Random } from '../util/random';
import { EngineSettings } from './engine-settings';
import { Neighbor } from './neighbor';
import { errorText, PluginGuard } from './plugin-guard';

/** A snapshot of what a running peer still waits for. */
export interface EngineStatus {
  /** False while the store is still opening. */
  readonly opened: boolean;
  readonly total: number;
  /** Pieces we lack, ascending. */
  readonly missing: readonly number[];
  readonly neighbors: ReadonlyArray<{ readonly id: PeerId; readonly connected: boolean; readonly complete: boolean; readonly pieces?: number; readonly requested: readonly number[] }>;
}

/**
 * The protocol's state machine: what to send to whom, when. It holds the
 * swarm state, asks plugins for decisions (which piece, whom to unchoke),
 * reads and writes pieces through the store, and reports everything on the
 * event bus. It knows links, not sockets, and runs on an injected scheduler.
 */
@injectable()
export class PeerEngine {
  private own!: Bitfield;
  private opened = false;
  private readonly neighbors = new Map<PeerId, Neighbor>();
  /** For each piece being fetched, the neighbours it was requested from. */
  private readonly requested = new Map<number, Set<PeerId>>();
  /** Pieces received and being written to the store. */
  private readonly writing = new Set<number>();
  /** Pieces requested from someone or being written: not to be requested again. */
  private inFlight!: Bitfield;
  /** How many connected neighbours hold each piece. */
  private readonly availability: Int32Array;
  private readonly completePeers = new Set<PeerId>();
  private preferred = new Set<PeerId>();
  private optimistic: PeerId | undefined;
  private readonly subscriptions = new Subscription();
  private finished = false;
  private resolveRun!: () => void;
  private rejectRun!: (err: Error) => void;
  private readonly guard: PluginGuard;

  constructor(
    @inject(TOKENS.Settings) private readonly settings: EngineSettings,
    @inject(TOKENS.Scheduler) private readonly scheduler: SchedulerLike,
    @inject(TOKENS.Random) random: Random,
    @inject(TOKENS.EventBus) private readonly bus: EventBus,
    @inject(TOKENS.Transport) private readonly transport: Transport,
    @inject(TOKENS.PieceSelector) private readonly selector: PieceSelector,
    @inject(TOKENS.ChokePolicy) private readonly chokePolicy: ChokePolicy,
    @inject(TOKENS.PieceStore) private readonly store: PieceStore,
    @inject(TOKENS.RateMeter) private readonly rates: RateMeter,
  ) {
    this.availability = new Int32Array(settings.geometry.numPieces);
    this.guard = new PluginGuard(settings.pluginNames, bus, random, scheduler, settings.storeTimeoutMs, (err) => this.fail(err));
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
    const opened = this.guard.store('open()', () => this.store.open(), this.wholeFileTimeoutMs());
    try {
      const own = await Promise.race([opened, done.then(() => undefined)]);
      if (own === undefined) return done;
      this.own = own;
      this.opened = true;
    } catch (err) {
      this.subscriptions.unsubscribe();
      this.finished = true;
      throw err;
    }
    this.inFlight = new Bitfield(this.settings.geometry.numPieces);
    if (this.own.isComplete) this.completePeers.add(self.id);
    this.subscriptions.add(this.transport.links$.subscribe((link) => this.onLink(link)));
    try {
      await this.transport.start();
    } catch (err) {
      this.subscriptions.unsubscribe();
      this.finished = true;
      await this.store.close();
      throw err;
    }
    this.subscriptions.add(interval(common.unchokingInterval * 1000, this.scheduler).subscribe(() => this.rechoke('interval')));
    this.subscriptions.add(interval(common.optimisticUnchokingInterval * 1000, this.scheduler).subscribe(() => this.reoptimize()));
    this.checkDone();
    return done;
  }

  /** Stops early (e.g. on a signal): closes links and the store; `run()` rejects with the reason. */
  async abort(reason: string): Promise<void> {
    if (this.finished) return;
    await this.shutdown();
    this.rejectRun?.(new Error(`stopped before the swarm completed: ${reason}`));
  }

  /** What the peer still waits for: the pieces it lacks and, per listed neighbour, what it knows of it (for a give-up message). */
  status(): EngineStatus {
    const own = this.own;
    const missing: number[] = [];
    if (this.opened) for (let i = 0; i < own.size; i++) if (!own.has(i)) missing.push(i);
    const neighbors = this.settings.peers
      .filter((p) => p.id !== this.settings.self.id)
      .map((p) => {
        const n = this.neighbors.get(p.id);
        return { id: p.id, connected: n !== undefined && !n.closed, complete: this.completePeers.has(p.id), pieces: n?.bitfield.count, requested: n ? [...n.outstanding.keys()] : [] };
      });
    return { opened: this.opened, total: this.settings.geometry.numPieces, missing, neighbors };
  }

  /** open() and complete() may touch the whole file (load it, merge it): allow for 1 MB/s on top. */
  private wholeFileTimeoutMs(): number {
    return this.settings.storeTimeoutMs + Math.ceil(this.settings.geometry.fileSize / 1000);
  }

  // ------------------------------------------------------------------ links

  private onLink(link: NeighborLink): void {
    if (this.finished || this.neighbors.has(link.remoteId)) {
      link.close(this.finished ? 'already done' : 'duplicate connection');
      return;
    }
    const n = new Neighbor(link, this.settings.geometry.numPieces);
    this.neighbors.set(n.id, n);
    this.bus.emit({ kind: 'connected', peer: n.id, direction: link.direction });
    // Our bitfield goes first, before handling what already arrived: that may finish the swarm and close the link.
    // A peer with no pieces skips it: some implementations exit on an empty one.
    if (!this.own.isEmpty) void link.send(msg.bitfield(this.own.toBytes()));
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
    for (const i of n.bitfield.indices()) this.availability[i]!--;
    this.releaseRequests(n);
    this.rates.forget(n.id);
    n.serveQueue.length = 0;
    this.preferred.delete(n.id);
    if (this.optimistic === n.id) this.optimistic = undefined;
    if (!this.finished) this.fillAllRequests();
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
        this.releaseRequests(n);
        this.fillAllRequests();
        return;
      case MessageType.Unchoke:
        if (!n.peerChoking) return;
        n.peerChoking = false;
        this.bus.emit({ kind: 'unchoked-by', peer: n.id });
        this.fillRequests(n);
        return;
      case MessageType.Interested:
        if (n.peerInterested) return; // some implementations repeat it: accept silently
        n.peerInterested = true;
        this.bus.emit({ kind: 'interested-received', peer: n.id });
        this.fillFreeSlots(n);
        return;
      case MessageType.NotInterested:
        if (!n.peerInterested) return;
        n.peerInterested = false;
        this.bus.emit({ kind: 'not-interested-received', peer: n.id });
        return;
      case MessageType.Have:
        this.bus.emit({ kind: 'have-received', peer: n.id, index: m.index });
        if (n.bitfield.set(m.index)) this.availability[m.index]!++;
        this.afterNeighborGained(n);
        return;
      case MessageType.Bitfield: {
        const incoming = new Bitfield(this.settings.geometry.numPieces, m.bits);
        for (const i of incoming.indices()) if (n.bitfield.set(i)) this.availability[i]!++;
        this.bus.emit({ kind: 'bitfield-received', peer: n.id, pieces: incoming.count });
        this.afterNeighborGained(n);
        return;
      }
      case MessageType.Request:
        this.onRequest(n, m.index);
        return;
      case MessageType.Piece:
        this.onPiece(n, m.index, m.data);
        return;
    }
  }

  private afterNeighborGained(n: Neighbor): void {
    this.updateInterest(n);
    if (n.bitfield.isComplete && !this.completePeers.has(n.id)) {
      this.completePeers.add(n.id);
      this.bus.emit({ kind: 'peer-completed', peer: n.id });
      this.checkDone();
      if (this.finished) return;
    }
    this.fillRequests(n);
  }

  // ------------------------------------------------------------------ interest

  private updateInterest(n: Neighbor): void {
    const want = n.bitfield.hasAnyMissingFrom(this.own);
    if (want === n.interestSent) return;
    n.interestSent = want;
    void n.link.send(want ? msg.interested() : msg.notInterested());
  }

  // ------------------------------------------------------------------ downloading

  private fillAllRequests(): void {
    for (const n of this.neighbors.values()) this.fillRequests(n);
  }

  /** Keeps `pipeline` requests outstanding to a neighbour that unchokes us. */
  private fillRequests(n: Neighbor): void {
    while (!n.peerChoking && !n.closed && n.outstanding.size < this.settings.pipeline && !this.own.isComplete) {
      const candidates = this.candidatesFrom(n);
      if (candidates.length === 0) return;
      const index = this.guard.selectPiece(this.selector, {
        neighbor: n.id,
        numPieces: this.settings.geometry.numPieces,
        ownedCount: this.own.count,
        candidates,
        availability: (i) => this.availability[i] ?? 0,
      });
      if (index === undefined) return;
      n.outstanding.set(index, this.scheduler.now());
      let askedFrom = this.requested.get(index);
      if (!askedFrom) this.requested.set(index, (askedFrom = new Set()));
      this.inFlight.set(index);
      askedFrom.add(n.id);
      void n.link.send(msg.request(index));
      this.bus.emit({ kind: 'request-sent', peer: n.id, index });
    }
  }

  /**
   * The pieces we may ask this neighbour for. Normally: those it has, we lack,
   * and nobody is fetching. In endgame (every missing piece already asked of
   * someone) also those asked of others but not of it: the first copy wins.
   */
  private candidatesFrom(n: Neighbor): number[] {
    const fresh = this.own.missingFrom(n.bitfield, this.inFlight);
    if (fresh.length > 0 || !this.settings.endgame || !this.inEndgame()) return fresh;
    return this.own.missingFrom(n.bitfield, this.writingBits()).filter((i) => !n.outstanding.has(i));
  }

  private inEndgame(): boolean {
    return this.own.count + this.inFlight.count === this.own.size;
  }

  private writingBits(): Bitfield {
    const bits = new Bitfield(this.own.size);
    for (const i of this.writing) bits.set(i);
    return bits;
  }

  private releaseRequests(n: Neighbor): void {
    for (const index of n.outstanding.keys()) this.forgetRequest(index, n.id);
    n.outstanding.clear();
  }

  private forgetRequest(index: number, peer: PeerId): void {
    const askedFrom = this.requested.get(index);
    if (!askedFrom) return;
    askedFrom.delete(peer);
    if (askedFrom.size > 0) return;
    this.requested.delete(index);
    if (!this.writing.has(index)) this.inFlight.clear(index);
  }

  /** Requests a neighbour sat on too long go back to the pool (a late answer is then discarded). */
  private expireRequests(): void {
    const cutoff = this.scheduler.now() - this.settings.requestTimeoutMs;
    let released = false;
    for (const n of this.neighbors.values()) {
      for (const [index, sentAt] of n.outstanding) {
        if (sentAt > cutoff) continue;
        n.outstanding.delete(index);
        this.forgetRequest(index, n.id);
        this.bus.emit({ kind: 'error', message: `request for piece ${index} to ${n.id} timed out; asking elsewhere` });
        released = true;
      }
    }
    if (released) this.fillAllRequests();
  }

  private onPiece(n: Neighbor, index: number, data: Uint8Array): void {
    if (!n.outstanding.delete(index)) {
      // Not asked of this neighbour (or already re-pooled after a choke): never written.
      this.bus.emit({ kind: 'piece-discarded', peer: n.id, index, bytes: data.length, reason: 'unrequested' });
      return;
    }
    this.forgetRequest(index, n.id);
    this.rates.record(n.id, 'down', data.length, this.scheduler.now());
    if (this.own.has(index) || this.writing.has(index)) {
      // In endgame the same piece may come from several neighbours: keep the first, count the rest.
      this.bus.emit({ kind: 'piece-discarded', peer: n.id, index, bytes: data.length, reason: 'duplicate' });
      this.fillRequests(n);
      return;
    }
    this.writing.add(index);
    this.inFlight.set(index);
    // Ask for the next piece before the disk write finishes, so the link stays busy.
    this.fillRequests(n);
    this.guard.store(`write(${index})`, () => this.store.write(index, data)).then(
      () => this.onPieceStored(n, index, data.length),
      (err) => {
        this.writing.delete(index);
        if (!this.requested.has(index)) this.inFlight.clear(index);
        this.bus.emit({ kind: 'error', message: `cannot store piece ${index}: ${errorText(err)}` });
        this.fillAllRequests();
      },
    );
  }

  private onPieceStored(from: Neighbor, index: number, bytes: number): void {
    this.writing.delete(index);
    if (!this.requested.has(index)) this.inFlight.clear(index);
    if (this.finished) return;
    this.own.set(index);
    this.bus.emit({ kind: 'piece-downloaded', peer: from.id, index, bytes, have: this.own.count, total: this.own.size });
    this.announce(index);
    if (this.own.isComplete) {
      this.guard.store('complete()', () => this.store.complete(), this.wholeFileTimeoutMs()).then(
        () => {
          this.bus.emit({ kind: 'file-complete' });
          this.completePeers.add(this.settings.self.id);
          this.checkDone();
        },
        (err) => this.fail(new Error(`cannot finish the file: ${errorText(err)}`)),
      );
    }
  }

  /** Tells every neighbour about a new piece, then (as the protocol orders it) updates our interest in each. */
  private announce(index: number): void {
    const have = msg.have(index); // messages are never changed: one for everybody
    for (const n of this.neighbors.values()) {
      void n.link.send(have);
      this.updateInterest(n);
    }
  }

  // ------------------------------------------------------------------ uploading

  private onRequest(n: Neighbor, index: number): void {
    // Requests from a choked neighbour, or for pieces we lack, are ignored as the classic peers do.
    if (n.amChoking || !this.own.has(index) || n.serveQueue.includes(index)) return;
    n.serveQueue.push(index);
    void this.serve(n);
  }

  private async serve(n: Neighbor): Promise<void> {
    if (n.serving) return;
    n.serving = true;
    try {
      while (n.serveQueue.length > 0 && !n.closed && !n.amChoking && !this.finished) {
        const index = n.serveQueue.shift()!;
        const data = await this.guard.store(`read(${index})`, () => this.store.read(index));
        if (n.closed || n.amChoking) break;
        await n.link.send(msg.piece(index, data));
        this.rates.record(n.id, 'up', data.length, this.scheduler.now());
        this.bus.emit({ kind: 'piece-uploaded', peer: n.id, index, bytes: data.length });
      }
    } catch (err) {
      this.bus.emit({ kind: 'error', message: `cannot serve ${n.id}: ${errorText(err)}` });
      // Its request would otherwise wait forever: a choke tells it to ask again (the next rechoke unchokes it).
      if (!n.closed && !n.amChoking) {
        n.amChoking = true;
        n.serveQueue.length = 0;
        void n.link.send(msg.choke());
      }
    } finally {
      n.serving = false;
    }
  }

  // ------------------------------------------------------------------ choking

  /** A neighbour became interested: fill a free upload slot now rather than at the next interval. */
  private fillFreeSlots(n: Neighbor): void {
    if (this.preferred.size < this.settings.common.numberOfPreferredNeighbors && !this.preferred.has(n.id)) this.rechoke('slot-free');
    if (this.optimistic === undefined) this.reoptimize();
  }

  private rechoke(trigger: ChokeView['trigger']): void {
    if (this.finished) return;
    const view = this.chokeView(trigger);
    const chosen = this.guard.choosePreferred(this.chokePolicy, view);
    const next = new Set(chosen);
    const changed = next.size !== this.preferred.size || chosen.some((id) => !this.preferred.has(id));
    this.preferred = next;
    this.applyChokes();
    if (changed && next.size > 0) this.bus.emit({ kind: 'preferred-changed', neighbors: chosen });
    if (trigger === 'interval') {
      this.rates.intervalEnded(this.scheduler.now());
      this.expireRequests();
    }
  }

  private reoptimize(): void {
    if (this.finished) return;
    const pick = this.guard.chooseOptimistic(this.chokePolicy, this.chokeView('interval'));
    if (pick === this.optimistic) return;
    this.optimistic = pick;
    this.applyChokes();
    if (pick !== undefined) this.bus.emit({ kind: 'optimistic-changed', neighbor: pick });
  }

  private chokeView(trigger: ChokeView['trigger']): ChokeView {
    const now = this.scheduler.now();
    return {
      trigger,
      selfComplete: this.own.isComplete,
      slots: this.settings.common.numberOfPreferredNeighbors,
      neighbors: [...this.neighbors.values()].map((n) => ({
        id: n.id,
        interested: n.peerInterested,
        chokedByUs: n.amChoking,
        preferred: this.preferred.has(n.id),
        optimistic: this.optimistic === n.id,
        downloadRate: this.rates.rate(n.id, 'down', now),
        uploadRate: this.rates.rate(n.id, 'up', now),
        piecesHeld: n.bitfield.count,
      })),
    };
  }

  private applyChokes(): void {
    for (const n of this.neighbors.values()) {
      const unchoke = this.preferred.has(n.id) || this.optimistic === n.id;
      if (unchoke && n.amChoking) {
        n.amChoking = false;
        void n.link.send(msg.unchoke());
      } else if (!unchoke && !n.amChoking) {
        n.amChoking = true;
        n.serveQueue.length = 0;
        void n.link.send(msg.choke());
      }
    }
  }

  // ------------------------------------------------------------------ termination

  private checkDone(): void {
    if (this.finished) return;
    const everyone = this.settings.peers.every((p) => this.completePeers.has(p.id));
    if (!everyone) return;
    this.bus.emit({ kind: 'swarm-complete' });
    this.shutdown().then(() => this.resolveRun(), (err) => this.rejectRun(err));
  }

  private fail(err: Error): void {
    this.bus.emit({ kind: 'error', message: err.message });
    this.shutdown().then(() => this.rejectRun(err), () => this.rejectRun(err));
  }

  private async shutdown(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.subscriptions.unsubscribe();
    // Some implementations exit only when their sockets close: close ours rather than linger.
    await this.transport.stop();
    // A store that stopped answering may never close either: give it a bounded time.
    await new Promise<void>((resolve) => {
      const timer = this.scheduler.schedule(() => resolve(), this.settings.storeTimeoutMs);
      this.store.close().then(
        () => {
          timer.unsubscribe();
          resolve();
        },
        (err) => {
          timer.unsubscribe();
          this.bus.emit({ kind: 'error', message: `closing the store: ${errorText(err)}` });
          resolve();
        },
      );
    });
  }
}
