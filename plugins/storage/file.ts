import * as fs from 'node:fs';
import * as path from 'node:path';
import { Bitfield } from '../../core/bitfield';
import { PieceStore, PluginContext, PluginDefinition } from '../../core/plugin/contracts';
import { ConfigError } from '../../core/config/config-error';
import { hashFileName, hashFilePieces } from '../../core/integrity/piece-hashes';
import { checkPieceData, checkSeedFile, fileSize, sharedFilePath } from './store-checks';
import { PieceJournal, readJournal } from './piece-journal';
import { preallocate } from './preallocate';
import { BufferPool } from '../../core/util/buffer-pool';

/**
 * The shared file itself, in `peer_<id>/`, read and written piece by piece at
 * its offset (never whole in memory). A downloading peer writes into
 * `<name>.part` and renames it to `<name>` only once every piece is in, so a
 * file under the final name is always complete.
 *
 * Resume: every piece written is recorded in `<name>.part.journal`
 * (piece-journal.ts), and a peer started again picks up the pieces the journal
 * vouches for, or, when the config folder has a hash file, every piece of the
 * `.part` file that matches its hash. A complete file under the final name is
 * seeded (after checking it against the hashes, when there are some),
 * whatever the peer file says, and never overwritten. docs/resume.md.
 */
export class FileStore implements PieceStore {
  readonly finalPath: string;
  readonly partPath: string;
  readonly journalPath: string;
  private handle: fs.promises.FileHandle | undefined;
  private journal: PieceJournal | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> = Promise.resolve();
  private syncedPieces = -1;
  private completed = false;
  /** Pieces held in the `.part` file (resumed or written this run). */
  private piecesHeld = 0;
  private slab: Buffer | undefined;
  private slabUsed = 0;
  /** Read buffers of big pieces, back from the peer once sent (recycle()). */
  private readonly readBuffers = new BufferPool(READ_BUFFERS_PER_SIZE, READ_BUFFERS_MAX_FREE_BYTES);
  /** write() copies the piece into the file (writeSync) before it resolves and keeps nothing. */
  readonly copiesOnWrite = true;

  constructor(private readonly ctx: PluginContext) {
    this.finalPath = sharedFilePath(ctx);
    this.partPath = `${this.finalPath}.part`;
    this.journalPath = `${this.partPath}.journal`;
  }

  async open(): Promise<Bitfield> {
    const { geometry, self } = this.ctx;
    if (self.hasFile) {
      await checkSeedFile(this.ctx, this.finalPath);
      await this.verifyWholeFile(this.finalPath, 'refusing to seed it');
      this.handle = await fs.promises.open(this.finalPath, 'r');
      return Bitfield.full(geometry.numPieces);
    }
    if (await this.openFinishedFile()) return Bitfield.full(geometry.numPieces);
    await fs.promises.mkdir(path.dirname(this.partPath), { recursive: true });
    const held = await this.openPartFile();
    if (held.isComplete) await this.complete(); // every piece was in: only the rename was missing
    return held;
  }

  /**
   * A leecher whose folder already holds the file under its final name seeds
   * it (a finished download, or a copy the user put there): checked against
   * FileSize and the hashes, and never overwritten; a file that fails a check
   * stops the peer so the user can look at it.
   */
  private async openFinishedFile(): Promise<boolean> {
    const size = await fileSize(this.finalPath);
    if (size === undefined) return false;
    if (size !== this.ctx.common.fileSize) {
      throw new ConfigError(this.finalPath, undefined, `already exists with ${size} bytes, but FileSize is ${this.ctx.common.fileSize}; not overwriting it: move it away to download the file again`);
    }
    await this.verifyWholeFile(this.finalPath, 'not overwriting it: move it away to download the file again');
    this.handle = await fs.promises.open(this.finalPath, 'r');
    this.completed = true;
    // A download killed between its rename and removing its journal left these behind.
    await fs.promises.rm(this.journalPath, { force: true });
    await fs.promises.rm(this.partPath, { force: true });
    return true;
  }

  /** Opens (or creates) the `.part` file and finds the pieces it already holds. */
  private async openPartFile(): Promise<Bitfield> {
    const { geometry, common, pieceHashes } = this.ctx;
    const existing = await fileSize(this.partPath);
    this.handle = await fs.promises.open(this.partPath, existing === undefined ? 'w+' : 'r+');
    const held = new Bitfield(geometry.numPieces);
    if (existing !== undefined) {
      if (pieceHashes) {
        // With hashes, whatever the .part file holds is checked piece by piece: no journal needed.
        const buf = Buffer.allocUnsafe(geometry.pieceSize);
        for (let index = 0; index < geometry.numPieces; index++) {
          const length = geometry.lengthOf(index);
          const offset = geometry.offsetOf(index);
          if (offset + length > existing) break;
          const piece = buf.subarray(0, length);
          if (fs.readSync(this.handle.fd, piece, 0, length, offset) === length && pieceHashes.verify(index, piece)) held.set(index);
        }
      } else if (existing === common.fileSize) {
        const journal = readJournal(this.journalPath, geometry);
        if (journal.matchesGeometry) for (const index of journal.pieces) held.set(index);
      }
    }
    // A new file gets its blocks reserved up front (cheaper writes); an existing one keeps what it has.
    if (existing === undefined) await preallocate(this.partPath, common.fileSize);
    if (existing !== common.fileSize) await this.handle.truncate(common.fileSize);
    // What is trusted now is made durable before the new journal says so.
    if (!held.isEmpty) await this.handle.datasync();
    this.journal = PieceJournal.create(this.journalPath, geometry, [...held.indices()]);
    this.piecesHeld = held.count;
    this.syncTimer = setInterval(() => this.syncJournal(), JOURNAL_SYNC_MS);
    this.syncTimer.unref();
    return held;
  }

  /** Makes the pieces recorded so far survive a power cut (see piece-journal.ts); errors only cost resumability. */
  private syncJournal(): Promise<void> {
    const journal = this.journal;
    const handle = this.handle;
    if (!journal || !handle || journal.pieces === this.syncedPieces) return this.syncing;
    const covered = journal.pieces;
    this.syncing = this.syncing.then(() => journal.sync(handle.fd)).then(
      () => void (this.syncedPieces = covered),
      () => undefined,
    );
    return this.syncing;
  }

  /** Stops syncing and closes the journal (after a sync still under way). */
  private async closeJournal(finalSync: boolean): Promise<void> {
    if (this.syncTimer) clearInterval(this.syncTimer);
    this.syncTimer = undefined;
    if (finalSync) await this.syncJournal();
    await this.syncing;
    this.journal?.close();
    this.journal = undefined;
  }

  /** With a hash file, every piece of `file` must match it; `refusal` says what the peer will not do then. */
  private async verifyWholeFile(file: string, refusal: string): Promise<void> {
    const { pieceHashes, common, geometry } = this.ctx;
    if (!pieceHashes) return;
    const found = await hashFilePieces(file, common.pieceSize);
    for (let index = 0; index < geometry.numPieces; index++) {
      if (found.digestHex(index) !== pieceHashes.digestHex(index)) {
        throw new ConfigError(file, undefined, `piece ${index} of ${geometry.numPieces} does not match ${hashFileName(common.fileName)} (the file is corrupt or not the one the hashes describe); ${refusal}`);
      }
    }
  }

  async read(index: number): Promise<Uint8Array> {
    const { geometry } = this.ctx;
    const length = geometry.lengthOf(index);
    const buf = length >= POOLED_READ_BYTES ? this.readBuffers.take(length) : this.slice(length);
    const bytesRead = fs.readSync(this.requireHandle().fd, buf, 0, length, geometry.offsetOf(index));
    if (bytesRead !== length) throw new Error(`${this.currentPath()}: short read of piece ${index} (${bytesRead} of ${length} bytes)`);
    return buf;
  }

  async write(index: number, data: Uint8Array): Promise<void> {
    const { geometry } = this.ctx;
    checkPieceData(geometry, index, data);
    try {
      const fd = this.requireHandle().fd;
      const offset = geometry.offsetOf(index);
      // A write may be cut short (a disk filling up): the rest goes in another call, and a piece
      // only counts as stored when all of it is.
      for (let done = 0; done < data.length; ) {
        const n = fs.writeSync(fd, data, done, data.length - done, offset + done);
        if (n <= 0) throw Object.assign(new Error(`wrote only ${done} of ${data.length} bytes of piece ${index}`), { code: 'EIO' });
        done += n;
      }
    } catch (err) {
      // Name the file (ENOSPC alone does not say which disk is full); keep the code for the caller.
      throw Object.assign(new Error(`${this.partPath}: ${err instanceof Error ? err.message : String(err)}`), { code: (err as NodeJS.ErrnoException).code });
    }
    // Recorded only once its bytes are in the file: the journal never vouches for a piece that is not.
    this.journal?.append(index);
    this.piecesHeld++;
  }

  async complete(): Promise<void> {
    const handle = this.requireHandle();
    await handle.sync();
    // The descriptor stays valid across the rename, so serving neighbours never sees a gap.
    await fs.promises.rename(this.partPath, this.finalPath);
    this.completed = true;
    await this.closeJournal(false);
    await fs.promises.rm(this.journalPath, { force: true });
  }

  async close(): Promise<void> {
    // A clean stop makes every recorded piece durable: a reboot after it loses nothing.
    await this.closeJournal(true);
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
    // A download that holds no piece at all leaves nothing behind; one with pieces keeps them for the next run.
    if (!this.ctx.self.hasFile && !this.completed && this.piecesHeld === 0) {
      await fs.promises.rm(this.partPath, { force: true });
      await fs.promises.rm(this.journalPath, { force: true });
    }
  }

  /**
   * A fresh buffer for one piece, carved from 1 MiB slabs: a separate
   * ArrayBuffer per 16 KiB piece made garbage collection a tenth of a busy
   * seeder's CPU. Each slice is handed out once; a slab is freed when no
   * piece sent from it is referenced any more.
   */
  private slice(length: number): Buffer {
    if (length > SLAB_BYTES) return Buffer.allocUnsafe(length);
    if (!this.slab || this.slabUsed + length > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.slabUsed = 0;
    }
    const buf = this.slab.subarray(this.slabUsed, this.slabUsed + length);
    this.slabUsed += length;
    return buf;
  }

  /** The peer has sent a piece read() returned: a big one's buffer serves a later read. */
  recycle(data: Uint8Array): void {
    this.readBuffers.give(data);
  }

  private requireHandle(): fs.promises.FileHandle {
    if (!this.handle) throw new Error(`${this.currentPath()} is not open`);
    return this.handle;
  }

  private currentPath(): string {
    return this.ctx.self.hasFile || this.completed ? this.finalPath : this.partPath;
  }
}

const SLAB_BYTES = 1 << 20;
/**
 * Pieces this big are read into reused buffers: each would otherwise be garbage the moment it
 * is sent, and V8 collects such external memory late (tens of MiB with 256 KiB pieces).
 * Smaller ones come from the slabs, which already keep the number of buffers down.
 */
const POOLED_READ_BYTES = 64 * 1024;
/** Enough for every piece being sent at once to the few neighbours we upload to. */
const READ_BUFFERS_PER_SIZE = 8;
/** ... holding at most this much (one buffer at least): huge pieces keep fewer. */
const READ_BUFFERS_MAX_FREE_BYTES = 4 * 1024 * 1024;
/** How often the pieces recorded since the last time are made durable (a power cut loses at most this much). */
const JOURNAL_SYNC_MS = 5000;

const file: PluginDefinition<'storage'> = {
  kind: 'storage',
  name: 'file',
  description: 'the single shared file in peer_<id>/, positional reads and writes; downloads go to <name>.part until complete and resume after any stop',
  create: (ctx) => new FileStore(ctx),
};
export default file;
