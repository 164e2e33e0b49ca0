import { Bitfield } from '../../core/bitfield';
import { PieceStore, PluginContext, PluginDefinition } from '../../core/plugin/contracts';
import { checkPieceData, checkPieceIndex } from './store-checks';

/**
 * Zeros shared by every virtual store of the process: a simulated swarm of a
 * thousand peers holding 64 MiB each keeps one piece-sized buffer, not 64 GiB.
 * Grown (never shrunk) to the largest piece asked for; views handed out
 * earlier stay valid (they keep the older buffer alive, and it is zeros too).
 */
let zeros: Uint8Array = new Uint8Array(0);

function zeroView(length: number): Uint8Array {
  if (zeros.length < length) zeros = new Uint8Array(length);
  return zeros.subarray(0, length);
}

/**
 * Simulation only: remembers which pieces it holds and stores no bytes. A
 * read returns zeros of the piece's length, a write checks the index and the
 * length and keeps nothing, complete() writes nothing: the disk is never
 * touched, not even for a peer with `hasFile 1`. Its pieces are not the file's
 * bytes, so it must never serve real peers.
 */
export class VirtualStore implements PieceStore {
  private held: Bitfield | undefined;
  private fullPiece: Uint8Array = zeros;
  private lastPiece: Uint8Array = zeros;

  constructor(private readonly ctx: PluginContext) {}

  async open(): Promise<Bitfield> {
    const { geometry, self } = this.ctx;
    // Two views, made once: a read allocates nothing.
    this.fullPiece = zeroView(geometry.lengthOf(0));
    this.lastPiece = zeroView(geometry.lengthOf(geometry.numPieces - 1));
    this.held = self.hasFile ? Bitfield.full(geometry.numPieces) : new Bitfield(geometry.numPieces);
    return self.hasFile ? Bitfield.full(geometry.numPieces) : new Bitfield(geometry.numPieces);
  }

  async read(index: number): Promise<Uint8Array> {
    const held = this.requireOpen();
    checkPieceIndex(this.ctx.geometry, index);
    if (!held.has(index)) throw new Error(`piece ${index} is not held (virtual store of peer ${this.ctx.selfId})`);
    return index === this.ctx.geometry.numPieces - 1 ? this.lastPiece : this.fullPiece;
  }

  async write(index: number, data: Uint8Array): Promise<void> {
    const held = this.requireOpen();
    checkPieceData(this.ctx.geometry, index, data);
    if (this.ctx.self.hasFile) throw new Error(`peer ${this.ctx.selfId} has the complete file: nothing to write`);
    held.set(index);
  }

  async complete(): Promise<void> {
    const held = this.requireOpen();
    if (!held.isComplete) throw new Error(`cannot complete: ${held.count} of ${held.size} pieces held`);
  }

  async close(): Promise<void> {
    this.held = undefined;
  }

  /** Pieces held (for tests and metrics). */
  get count(): number {
    return this.held?.count ?? 0;
  }

  private requireOpen(): Bitfield {
    if (!this.held) throw new Error(`the virtual store of peer ${this.ctx.selfId} is not open`);
    return this.held;
  }
}

/** `simulationOnly`: composePeer refuses it for a peer on real sockets, and the contract suite checks it as a model. */
const virtual: PluginDefinition<'storage'> = {
  kind: 'storage',
  name: 'virtual',
  description: 'simulation only: remembers which pieces it holds, stores no bytes',
  simulationOnly: true,
  create: (ctx) => new VirtualStore(ctx),
};
export default virtual;
