import { SchedulerLike } from 'rxjs';
import { Bitfield } from '../bitfield';
import { PeerId } from '../events';
import { Strategy } from '../plugin/contracts';
import { Neighbor } from './neighbor';

export interface RequestBookSettings {
  readonly numPieces: number;
  /** Requests kept outstanding per neighbour; the classic protocol uses 1. */
  readonly pipeline: number;
  /** In endgame, also request pieces already asked of others (the first copy wins). */
  readonly endgame: boolean;
  /** A request unanswered this long (ms) goes back to the pool. */
  readonly requestTimeoutMs: number;
}

/** What became of a piece that arrived. */
export type Arrival = 'accepted' | 'unrequested' | 'duplicate';

/**
 * The download side's bookkeeping, like libtorrent's piece picker: which
 * pieces we hold, how many neighbours hold each, which are requested from
 * whom (and since when), which are being written, and whether we are in
 * endgame. It decides what to request next (asking the strategy among the
 * legal choices) but sends nothing: the engine does. No sockets, no timers:
 * time comes from the scheduler it is given.
 */
export class RequestBook {
  private ownBits!: Bitfield;
  /** How many connected neighbours hold each piece. */
  private readonly availability: Int32Array;
  /** For each piece being fetched, the neighbours it was requested from. */
  private readonly requested = new Map<number, Set<PeerId>>();
  /** Pieces received and being written (or checked) before they count as ours. */
  private readonly writing = new Set<number>();
  /** Pieces requested from someone or being written: not to be requested again. */
  private inFlight: Bitfield;
  private readonly availabilityOf = (i: number): number => this.availability[i] ?? 0;

  constructor(private readonly settings: RequestBookSettings, private readonly strategy: Strategy, private readonly scheduler: SchedulerLike) {
    this.availability = new Int32Array(settings.numPieces);
    this.inFlight = new Bitfield(settings.numPieces);
  }

  /** Starts from the pieces the store already holds. */
  open(own: Bitfield): void {
    this.ownBits = own;
  }

  /** The pieces we hold (the engine reads it for bitfields and interest; only the book changes it). */
  get own(): Bitfield {
    return this.ownBits;
  }

  holders(index: number): number {
    return this.availabilityOf(index);
  }

  // ------------------------------------------------------------ what neighbours hold

  /** A `have`: returns false if the neighbour already had it. */
  gained(n: Neighbor, index: number): boolean {
    if (!n.bitfield.set(index)) return false;
    this.availability[index]!++;
    return true;
  }

  /** A `bitfield`: adds every piece it announces. */
  gainedAll(n: Neighbor, incoming: Bitfield): void {
    for (const i of incoming.indices()) if (n.bitfield.set(i)) this.availability[i]!++;
  }

  /** The neighbour is gone: its pieces no longer count, its requests go back to the pool. */
  lost(n: Neighbor): void {
    for (const i of n.bitfield.indices()) this.availability[i]!--;
    this.release(n);
  }

  // ------------------------------------------------------------ requests

  /**
   * The next piece to request from this neighbour, recorded as requested, or
   * undefined when its pipeline is full, it chokes us, or nothing fits.
   */
  next(n: Neighbor): number | undefined {
    if (n.peerChoking || n.closed || n.outstanding.size >= this.settings.pipeline || this.ownBits.isComplete) return undefined;
    if (n.stalledUntil > this.scheduler.now()) return undefined;
    const candidates = this.candidatesFrom(n);
    if (candidates.length === 0) return undefined;
    const index = this.strategy.select({
      neighbor: n.id,
      numPieces: this.settings.numPieces,
      ownedCount: this.ownBits.count,
      candidates,
      availability: this.availabilityOf,
    });
    if (index === undefined) return undefined;
    n.outstanding.set(index, this.scheduler.now());
    let askedFrom = this.requested.get(index);
    if (!askedFrom) this.requested.set(index, (askedFrom = new Set()));
    this.inFlight.set(index);
    askedFrom.add(n.id);
    return index;
  }

  /**
   * The pieces we may ask this neighbour for. Normally: those it has, we lack,
   * and nobody is fetching. In endgame (every missing piece already asked of
   * someone) also those asked of others but not of it: the first copy wins.
   */
  candidatesFrom(n: Neighbor): number[] {
    const fresh = this.ownBits.missingFrom(n.bitfield, this.inFlight);
    if (fresh.length > 0 || !this.settings.endgame || !this.inEndgame) return fresh;
    return this.ownBits.missingFrom(n.bitfield, this.writingBits()).filter((i) => !n.outstanding.has(i));
  }

  get inEndgame(): boolean {
    return this.ownBits.count + this.inFlight.count === this.ownBits.size;
  }

  /** Everything asked of this neighbour goes back to the pool (it choked us, or left). */
  release(n: Neighbor): void {
    for (const index of n.outstanding.keys()) this.forget(index, n.id);
    n.outstanding.clear();
  }

  /**
   * Requests unanswered for longer than the timeout go back to the pool, and
   * the neighbour gets no new request for another timeout; `onExpired` hears
   * of each, with how long it waited.
   */
  expire(neighbors: Iterable<Neighbor>, onExpired: (n: Neighbor, index: number, waitedMs: number) => void): boolean {
    const now = this.scheduler.now();
    const cutoff = now - this.settings.requestTimeoutMs;
    let released = false;
    for (const n of neighbors) {
      for (const [index, sentAt] of n.outstanding) {
        if (sentAt > cutoff) continue;
        n.outstanding.delete(index);
        this.forget(index, n.id);
        n.stalledUntil = now + this.settings.requestTimeoutMs;
        onExpired(n, index, now - sentAt);
        released = true;
      }
    }
    return released;
  }

  /** Neighbours whose pause after a stall is over: they may be asked again (the only source of a piece may just be slow). */
  stallsOver(neighbors: Iterable<Neighbor>): Neighbor[] {
    const now = this.scheduler.now();
    const over: Neighbor[] = [];
    for (const n of neighbors) {
      if (n.stalledUntil === 0 || n.stalledUntil > now) continue;
      n.stalledUntil = 0;
      over.push(n);
    }
    return over;
  }

  /** How often expire() should run to catch a request soon after its timeout. */
  get expiryCheckMs(): number {
    return Math.min(1000, Math.max(20, Math.floor(this.settings.requestTimeoutMs / 4)));
  }

  // ------------------------------------------------------------ arrivals

  /** A piece arrived from `n`: accepted (now being written), or to be discarded. */
  arrived(n: Neighbor, index: number): Arrival {
    // Whatever it sends, it is not stuck: a later stall is a new one.
    n.stallReported = false;
    n.stalledUntil = 0;
    // Not asked of this neighbour (or already re-pooled after a choke or a timeout).
    if (!n.outstanding.delete(index)) return 'unrequested';
    this.forget(index, n.id);
    // In endgame the same piece may come from several neighbours: the first copy wins.
    if (this.ownBits.has(index) || this.writing.has(index)) return 'duplicate';
    this.writing.add(index);
    this.inFlight.set(index);
    return 'accepted';
  }

  /** An accepted piece is safely stored: it is ours. */
  stored(index: number): void {
    this.settle(index);
    this.ownBits.set(index);
  }

  /** An accepted piece could not be stored (or failed a check): it may be requested again. */
  rejected(index: number): void {
    this.settle(index);
  }

  private settle(index: number): void {
    this.writing.delete(index);
    if (!this.requested.has(index)) this.inFlight.clear(index);
  }

  private forget(index: number, peer: PeerId): void {
    const askedFrom = this.requested.get(index);
    if (!askedFrom) return;
    askedFrom.delete(peer);
    if (askedFrom.size > 0) return;
    this.requested.delete(index);
    if (!this.writing.has(index)) this.inFlight.clear(index);
  }

  private writingBits(): Bitfield {
    const bits = new Bitfield(this.ownBits.size);
    for (const i of this.writing) bits.set(i);
    return bits;
  }
}
