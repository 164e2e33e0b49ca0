import * as fs from 'node:fs';
import * as path from 'node:path';
import { Bitfield } from '../../core/bitfield';
import { PieceStore, PluginContext, PluginDefinition } from '../../core/plugin/contracts';
import { checkPieceData, checkPieceIndex, checkSeedFile, sharedFilePath } from './store-checks';

/**
 * One file per piece, `peer_<id>/pieces/<index>.piece`, as the original
 * Python project kept them. Each piece file is written under a temporary name
 * and renamed, so a crashed process never leaves a truncated piece under its
 * final name (the pieces are not fsynced one by one: a power cut may still
 * lose the last ones; the merged file is synced). On complete() the pieces
 * are merged in order into `peer_<id>/<FileName>` (through `<name>.part` and
 * a rename) and the pieces folder is removed; reads then come from the merged
 * file. A peer with `hasFile 1` serves from its complete file.
 *
 * A download starts afresh: pieces left by an earlier run are removed at open
 * (as the file store truncates its `.part`), and a download that never got a
 * piece leaves no pieces folder behind.
 *
 * Piece files are read and written synchronously, as the file store does:
 * for 16 KiB files that is several times faster than the promise API, and it
 * means no read or write is ever in flight when the folder is removed.
 */
/** Pieces merged between two turns of the event loop on complete(). */
const MERGE_SLICE = 64;

export class PiecesStore implements PieceStore {
  readonly finalPath: string;
  readonly partPath: string;
  readonly piecesDir: string;
  /** Pieces held: on disk as piece files, or in the complete file. */
  private held: Bitfield | undefined;
  /** The complete file, for a seeder or once the pieces are merged. */
  private whole: fs.promises.FileHandle | undefined;
  private piecesWritten = 0;
  private completed = false;
  private completing: Promise<void> | undefined;
  /** write() copies the piece into its file (writeFileSync) before it resolves and keeps nothing. */
  readonly copiesOnWrite = true;

  constructor(private readonly ctx: PluginContext) {
    this.finalPath = sharedFilePath(ctx);
    this.partPath = `${this.finalPath}.part`;
    this.piecesDir = path.join(path.dirname(this.finalPath), 'pieces');
  }

  pieceFile(index: number): string {
    return path.join(this.piecesDir, `${index}.piece`);
  }

  async open(): Promise<Bitfield> {
    const { geometry, self } = this.ctx;
    if (self.hasFile) {
      await checkSeedFile(this.ctx, this.finalPath);
      this.whole = await fs.promises.open(this.finalPath, 'r');
      this.held = Bitfield.full(geometry.numPieces);
      return Bitfield.full(geometry.numPieces);
    }
    await fs.promises.rm(this.piecesDir, { recursive: true, force: true });
    await fs.promises.mkdir(this.piecesDir, { recursive: true });
    this.held = new Bitfield(geometry.numPieces);
    return new Bitfield(geometry.numPieces);
  }

  async read(index: number): Promise<Uint8Array> {
    const { geometry } = this.ctx;
    const held = this.requireOpen();
    checkPieceIndex(geometry, index);
    if (!held.has(index)) throw new Error(`piece ${index} is not held (pieces store of peer ${this.ctx.selfId})`);
    const length = geometry.lengthOf(index);
    if (this.whole) {
      const buf = Buffer.allocUnsafe(length);
      const bytesRead = fs.readSync(this.whole.fd, buf, 0, length, geometry.offsetOf(index));
      if (bytesRead !== length) throw new Error(`${this.finalPath}: short read of piece ${index} (${bytesRead} of ${length} bytes)`);
      return buf;
    }
    return this.readPieceFile(index);
  }

  async write(index: number, data: Uint8Array): Promise<void> {
    const held = this.requireOpen();
    checkPieceData(this.ctx.geometry, index, data);
    if (this.whole) throw new Error(`peer ${this.ctx.selfId} has the complete file: nothing to write`);
    const file = this.pieceFile(index);
    const temp = `${file}.tmp`;
    try {
      fs.writeFileSync(temp, data);
      fs.renameSync(temp, file);
    } catch (err) {
      fs.rmSync(temp, { force: true });
      throw err;
    }
    held.set(index);
    this.piecesWritten++;
  }

  async complete(): Promise<void> {
    const held = this.requireOpen();
    if (this.completed || this.whole) return;
    if (!held.isComplete) throw new Error(`cannot merge ${this.piecesDir}: ${held.count} of ${held.size} pieces held`);
    this.completing ??= this.mergeAndSwitch();
    return this.completing;
  }

  async close(): Promise<void> {
    await this.completing?.catch(() => undefined);
    const whole = this.whole;
    this.whole = undefined;
    this.held = undefined;
    await whole?.close();
    // A download that never got a single piece leaves nothing behind (e.g. the port was taken).
    if (!this.ctx.self.hasFile && !this.completed && this.piecesWritten === 0) await fs.promises.rm(this.piecesDir, { recursive: true, force: true });
  }

  private async mergeAndSwitch(): Promise<void> {
    await this.merge();
    try {
      await fs.promises.rename(this.partPath, this.finalPath);
    } catch (err) {
      await fs.promises.rm(this.partPath, { force: true });
      throw err;
    }
    // From here on reads come from the merged file (piece-file reads are synchronous: none is running).
    this.whole = await fs.promises.open(this.finalPath, 'r');
    this.completed = true;
    await fs.promises.rm(this.piecesDir, { recursive: true, force: true });
  }

  /**
   * Concatenates the piece files, in order, into `<name>.part` (synced);
   * removes the `.part` on failure. Small synchronous reads and writes are
   * several times faster than their promise forms here, so the merge runs
   * synchronously in slices of MERGE_SLICE pieces and lets the event loop
   * serve neighbours between slices.
   */
  private async merge(): Promise<void> {
    const { geometry } = this.ctx;
    const fd = fs.openSync(this.partPath, 'w');
    try {
      for (let i = 0; i < geometry.numPieces; i++) {
        const data = this.readPieceFile(i);
        fs.writeSync(fd, data, 0, data.length, geometry.offsetOf(i));
        if ((i + 1) % MERGE_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
      fs.closeSync(fd);
    } catch (err) {
      try {
        fs.closeSync(fd);
      } catch {
        // Already closed.
      }
      await fs.promises.rm(this.partPath, { force: true });
      throw err;
    }
  }

  private readPieceFile(index: number): Buffer {
    const file = this.pieceFile(index);
    const data = fs.readFileSync(file);
    const length = this.ctx.geometry.lengthOf(index);
    if (data.length !== length) throw new Error(`${file}: has ${data.length} bytes, expected ${length}`);
    return data;
  }

  private requireOpen(): Bitfield {
    if (!this.held) throw new Error(`the pieces store of peer ${this.ctx.selfId} is not open`);
    return this.held;
  }
}

const pieces: PluginDefinition<'storage'> = {
  kind: 'storage',
  name: 'pieces',
  description: 'one file per piece in peer_<id>/pieces/ (temp name + rename); merged into peer_<id>/<name> on completion',
  create: (ctx) => new PiecesStore(ctx),
};
export default pieces;
