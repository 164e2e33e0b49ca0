import * as fs from 'node:fs';
import * as path from 'node:path';
import { Bitfield } from '../../core/bitfield';
import { PieceStore, PluginContext, PluginDefinition } from '../../core/plugin/contracts';
import { checkPieceData, checkSeedFile, sharedFilePath } from './store-checks';

/**
 * The shared file itself, in `peer_<id>/`, read and written piece by piece at
 * its offset (never whole in memory). A downloading peer writes into
 * `<name>.part` and renames it to `<name>` only once every piece is in, so a
 * file under the final name is always complete.
 */
export class FileStore implements PieceStore {
  readonly finalPath: string;
  readonly partPath: string;
  private handle: fs.promises.FileHandle | undefined;
  private completed = false;
  private piecesWritten = 0;
  private slab: Buffer | undefined;
  private slabUsed = 0;

  constructor(private readonly ctx: PluginContext) {
    this.finalPath = sharedFilePath(ctx);
    this.partPath = `${this.finalPath}.part`;
  }

  async open(): Promise<Bitfield> {
    const { geometry, self, common } = this.ctx;
    if (self.hasFile) {
      await checkSeedFile(this.ctx, this.finalPath);
      this.handle = await fs.promises.open(this.finalPath, 'r');
      return Bitfield.full(geometry.numPieces);
    }
    await fs.promises.mkdir(path.dirname(this.partPath), { recursive: true });
    this.handle = await fs.promises.open(this.partPath, 'w+');
    await this.handle.truncate(common.fileSize);
    return new Bitfield(geometry.numPieces);
  }

  async read(index: number): Promise<Uint8Array> {
    const { geometry } = this.ctx;
    const length = geometry.lengthOf(index);
    const buf = this.slice(length);
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
    this.piecesWritten++;
  }

  async complete(): Promise<void> {
    const handle = this.requireHandle();
    await handle.sync();
    // The descriptor stays valid across the rename, so serving neighbours never sees a gap.
    await fs.promises.rename(this.partPath, this.finalPath);
    this.completed = true;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
    // A download that never got a single piece leaves nothing behind (e.g. the port was taken).
    if (!this.ctx.self.hasFile && !this.completed && this.piecesWritten === 0) await fs.promises.rm(this.partPath, { force: true });
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

  private requireHandle(): fs.promises.FileHandle {
    if (!this.handle) throw new Error(`${this.currentPath()} is not open`);
    return this.handle;
  }

  private currentPath(): string {
    return this.ctx.self.hasFile || this.completed ? this.finalPath : this.partPath;
  }
}

const SLAB_BYTES = 1 << 20;

const file: PluginDefinition<'storage'> = {
  kind: 'storage',
  name: 'file',
  description: 'the single shared file in peer_<id>/, positional reads and writes; downloads go to <name>.part until complete',
  create: (ctx) => new FileStore(ctx),
};
export default file;
