import { Bitfield } from '../../core/bitfield';
import { PieceStore } from '../../core/plugin/contracts';

/**
 * The simplest PieceStore: pieces in an array, for tests of the engine's
 * parts. `failReads` / `failWrites` make the named operations reject, and
 * `holdWrites` keeps writes pending until `releaseWrites()`.
 */
export class ArrayStore implements PieceStore {
  readonly pieces: Array<Uint8Array | undefined>;
  readonly log: string[] = [];
  failReads = false;
  failWrites = false;
  holdWrites = false;
  private readonly heldWrites: Array<() => void> = [];

  constructor(numPieces: number, initial: Array<Uint8Array | undefined> = []) {
    this.pieces = Array.from({ length: numPieces }, (_, i) => initial[i]);
  }

  async open(): Promise<Bitfield> {
    this.log.push('open');
    const own = new Bitfield(this.pieces.length);
    this.pieces.forEach((p, i) => p && own.set(i));
    return own;
  }

  async read(index: number): Promise<Uint8Array> {
    this.log.push(`read ${index}`);
    if (this.failReads) throw new Error('disk on fire');
    const piece = this.pieces[index];
    if (!piece) throw new Error(`no piece ${index}`);
    return piece;
  }

  async write(index: number, data: Uint8Array): Promise<void> {
    this.log.push(`write ${index}`);
    if (this.holdWrites) await new Promise<void>((resolve) => this.heldWrites.push(resolve));
    if (this.failWrites) throw new Error('disk full');
    this.pieces[index] = Uint8Array.from(data);
  }

  releaseWrites(): void {
    for (const resolve of this.heldWrites.splice(0)) resolve();
  }

  async complete(): Promise<void> {
    this.log.push('complete');
  }

  async close(): Promise<void> {
    this.log.push('close');
  }
}
