import * as fs from 'node:fs';
import * as path from 'node:path';
import { Bitfield } from '../../core/bitfield';
import { ConfigError } from '../../core/config/config-error';
import { PieceStore, PluginContext, PluginDefinition } from '../../core/plugin/contracts';
import { checkPieceData, checkPieceIndex, checkSeedFile, sharedFilePath } from './store-checks';

/**
 * The whole file in one buffer in memory (tests, simulations, tmpfs-like
 * speed). A peer with `hasFile 1` loads `peer_<id>/<FileName>` at open; a
 * downloading peer touches the disk only once, on complete(), when it writes
 * the assembled file to `peer_<id>/<FileName>` (through `<name>.part` and a
 * rename, so a file under the final name is always complete) so the copies
 * of a swarm can still be verified. A download that does not finish leaves
 * nothing on disk.
 */
export class MemoryStore implements PieceStore {
  readonly finalPath: string;
  readonly partPath: string;
  private data: Buffer | undefined;
  /** Pieces in `data`. */
  private held: Bitfield | undefined;
  private completed = false;
  /** write() copies the piece into the store's own buffer and keeps no reference to the one it was given. */
  readonly copiesOnWrite = true;

  constructor(private readonly ctx: PluginContext) {
    this.finalPath = sharedFilePath(ctx);
    this.partPath = `${this.finalPath}.part`;
  }

  async open(): Promise<Bitfield> {
    const { geometry, self, common } = this.ctx;
    if (self.hasFile) {
      await checkSeedFile(this.ctx, this.finalPath);
      const data = await fs.promises.readFile(this.finalPath);
      // The file may have changed between the check and the read.
      if (data.length !== common.fileSize) {
        throw new ConfigError(this.ctx.commonFile, 'FileSize', `FileSize is ${common.fileSize} but ${this.finalPath} is ${data.length} bytes`);
      }
      this.data = data;
      this.held = Bitfield.full(geometry.numPieces);
      return Bitfield.full(geometry.numPieces);
    }
    this.data = Buffer.alloc(common.fileSize);
    this.held = new Bitfield(geometry.numPieces);
    return new Bitfield(geometry.numPieces);
  }

  async read(index: number): Promise<Uint8Array> {
    const { data, held } = this.requireOpen();
    checkPieceIndex(this.ctx.geometry, index);
    if (!held.has(index)) throw new Error(`piece ${index} is not held (memory store of peer ${this.ctx.selfId})`);
    const offset = this.ctx.geometry.offsetOf(index);
    // A view, not a copy: held pieces never change.
    return data.subarray(offset, offset + this.ctx.geometry.lengthOf(index));
  }

  async write(index: number, piece: Uint8Array): Promise<void> {
    const { data, held } = this.requireOpen();
    checkPieceData(this.ctx.geometry, index, piece);
    if (this.ctx.self.hasFile) throw new Error(`peer ${this.ctx.selfId} has the complete file: nothing to write`);
    // Copied: the caller's buffer may be a view into a socket buffer that is reused.
    data.set(piece, this.ctx.geometry.offsetOf(index));
    held.set(index);
  }

  async complete(): Promise<void> {
    const { data, held } = this.requireOpen();
    if (this.completed) return;
    if (!held.isComplete) throw new Error(`cannot complete: ${held.count} of ${held.size} pieces held`);
    await fs.promises.mkdir(path.dirname(this.finalPath), { recursive: true });
    try {
      const out = await fs.promises.open(this.partPath, 'w');
      try {
        await out.writeFile(data);
        await out.sync();
      } finally {
        await out.close();
      }
      await fs.promises.rename(this.partPath, this.finalPath);
    } catch (err) {
      await fs.promises.rm(this.partPath, { force: true });
      throw err;
    }
    this.completed = true;
  }

  async close(): Promise<void> {
    this.data = undefined;
    this.held = undefined;
  }

  private requireOpen(): { data: Buffer; held: Bitfield } {
    if (!this.data || !this.held) throw new Error(`the memory store of peer ${this.ctx.selfId} is not open`);
    return { data: this.data, held: this.held };
  }
}

const memory: PluginDefinition<'storage'> = {
  kind: 'storage',
  name: 'memory',
  description: 'the whole file in memory; a finished download is written once to peer_<id>/<name> (via .part + rename) so copies can be verified',
  create: (ctx) => new MemoryStore(ctx),
};
export default memory;
