import { EventBus } from '../event-bus';
import { PeerId } from '../events';
import { PieceStore } from '../plugin/contracts';
import { errorText } from '../plugin/guard/guard-util';
import { msg } from '../protocol/messages';
import { PieceHashes } from '../integrity/piece-hashes';
import { IntegrityCheck } from './integrity-check';
import { Neighbor } from './neighbor';
import { RequestBook } from './request-book';

/** Writes failing one after the other that mean the store cannot take data any more. */
const MAX_FAILED_WRITES_IN_A_ROW = 3;
/** Error codes after which no later write can succeed either (full, read-only, gone, broken). */
const DISK_FAILURES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'EFBIG', 'ENODEV', 'ENXIO']);

function isDiskFailure(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && DISK_FAILURES.has(code);
}

/**
 * The download side's actions: tells neighbours whether we are interested,
 * sends the requests the request book decides on, and takes in the pieces
 * that arrive (store, announce, finish the file). The book decides; this
 * part talks and writes.
 */
export class Downloader {
  private stopped = false;
  /** Checks pieces against the hash file (if any) and bans neighbours that keep sending bad ones. */
  readonly integrity: IntegrityCheck;
  private failedWrites = 0;

  constructor(
    private readonly neighbors: ReadonlyMap<PeerId, Neighbor>,
    private readonly book: RequestBook,
    private readonly store: PieceStore,
    pieceHashes: PieceHashes | undefined,
    private readonly bus: EventBus,
    /** Piece data came from `n` (the rate meter's input). */
    private readonly onReceived: (n: Neighbor, bytes: number) => void,
    /** Every piece is stored and the file is complete. */
    private readonly onFileComplete: () => void,
    /** Something the peer cannot go on after (the file cannot be finished). */
    private readonly onFatal: (err: Error) => void,
  ) {
    this.integrity = new IntegrityCheck(pieceHashes, bus);
  }

  stop(): void {
    this.stopped = true;
  }

  /** Tells `n` whether we want something it has, when that changed. */
  updateInterest(n: Neighbor): void {
    const want = n.bitfield.hasAnyMissingFrom(this.book.own);
    if (want === n.interestSent) return;
    n.interestSent = want;
    void n.link.send(want ? msg.interested() : msg.notInterested());
  }

  fillAll(): void {
    for (const n of this.neighbors.values()) this.fill(n);
  }

  /** Keeps `pipeline` requests outstanding to a neighbour that unchokes us. */
  fill(n: Neighbor): void {
    for (let index = this.book.next(n); index !== undefined; index = this.book.next(n)) {
      void n.link.send(msg.request(index));
      this.bus.emit({ kind: 'request-sent', peer: n.id, index });
    }
  }

  /**
   * Requests a neighbour sat on too long go back to the pool (a late answer is
   * then discarded). A neighbour that stops answering is reported once, not
   * at every request it swallows.
   */
  expire(): void {
    const released = this.book.expire(this.neighbors.values(), (n, index, waitedMs) => {
      if (n.stallReported) return;
      n.stallReported = true;
      this.bus.emit({ kind: 'neighbor-stalled', peer: n.id, index, waitedMs });
    });
    if (released) this.fillAll();
    for (const n of this.book.stallsOver(this.neighbors.values())) this.fill(n);
  }

  /** A piece arrived from `n`. */
  received(n: Neighbor, index: number, data: Uint8Array): void {
    const arrival = this.book.arrived(n, index);
    if (arrival === 'unrequested') {
      this.bus.emit({ kind: 'piece-discarded', peer: n.id, index, bytes: data.length, reason: 'unrequested' });
      n.link.recycle?.(data);
      return;
    }
    this.onReceived(n, data.length);
    if (arrival === 'duplicate') {
      this.bus.emit({ kind: 'piece-discarded', peer: n.id, index, bytes: data.length, reason: 'duplicate' });
      n.link.recycle?.(data);
      this.fill(n);
      return;
    }
    if (!this.integrity.accept(n, index, data)) {
      // Wrong bytes: never written, counted or announced; another neighbour will be asked.
      n.link.recycle?.(data);
      this.book.corrupt(n, index);
      this.fillAll();
      return;
    }
    // Ask for the next piece before the disk write finishes, so the link stays busy.
    this.fill(n);
    const bytes = data.length;
    this.store.write(index, data).then(
      () => {
        this.failedWrites = 0;
        // The bytes go back to the link for a later piece only if the store copied them (and in time):
        // a store that keeps the buffer it was given would see it overwritten. A failed write keeps it too.
        if (this.store.copiesOnWrite === true) n.link.recycle?.(data);
        this.stored(n, index, bytes);
      },
      (err: unknown) => {
        this.book.rejected(index);
        if (this.stopped) return;
        const message = `cannot store piece ${index}: ${errorText(err)}`;
        // A full or read-only disk will fail every later write too: stop with one error rather than
        // fetch the same pieces again and again. A one-off failure is retried.
        if (isDiskFailure(err) || ++this.failedWrites >= MAX_FAILED_WRITES_IN_A_ROW) {
          this.stopped = true;
          this.onFatal(new Error(message));
          return;
        }
        this.bus.emit({ kind: 'error', message });
        this.fillAll();
      },
    );
  }

  private stored(from: Neighbor, index: number, bytes: number): void {
    if (this.stopped) return this.book.rejected(index);
    this.book.stored(index);
    const own = this.book.own;
    this.bus.emit({ kind: 'piece-downloaded', peer: from.id, index, bytes, have: own.count, total: own.size });
    // Tell every neighbour, then (as the protocol orders it) update our interest in each.
    const have = msg.have(index); // messages are never changed: one for everybody
    for (const n of this.neighbors.values()) {
      void n.link.send(have);
      // Holding more can only end an interest: one not sent (nothing of it wanted) stays unsent, unchecked.
      if (n.interestSent !== false) this.updateInterest(n);
    }
    if (!own.isComplete) return;
    this.store.complete().then(
      () => {
        this.bus.emit({ kind: 'file-complete' });
        this.onFileComplete();
      },
      (err) => this.onFatal(new Error(`cannot finish the file: ${errorText(err)}`)),
    );
  }
}
