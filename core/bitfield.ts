/**
 * Which pieces a peer has. Piece 0 is the high bit of byte 0, as on the wire,
 * so the bytes can be sent and received without conversion.
 */
export class Bitfield {
  private readonly bytes: Uint8Array;
  private ones = 0;

  constructor(readonly size: number, bytes?: Uint8Array) {
    this.bytes = new Uint8Array(Math.ceil(size / 8));
    if (bytes) {
      if (bytes.length !== this.bytes.length) throw new RangeError(`bitfield needs ${this.bytes.length} bytes, got ${bytes.length}`);
      if (Bitfield.hasSpareBitsSet(bytes, size)) throw new RangeError('bitfield sets bits past the last piece');
      this.bytes.set(bytes);
      for (let i = 0; i < size; i++) if (this.has(i)) this.ones++;
    }
  }

  static full(size: number): Bitfield {
    const b = new Bitfield(size);
    for (let i = 0; i < size; i++) b.set(i);
    return b;
  }

  /** Whether `bytes` sets any bit past the last piece (a protocol violation). */
  static hasSpareBitsSet(bytes: Uint8Array, size: number): boolean {
    const spare = bytes.length * 8 - size;
    if (spare <= 0) return false;
    const mask = (1 << spare) - 1;
    return (bytes[bytes.length - 1]! & mask) !== 0;
  }

  has(index: number): boolean {
    return (this.bytes[index >> 3]! & (0x80 >> (index & 7))) !== 0;
  }

  /** Sets the bit; returns false when it was already set. */
  set(index: number): boolean {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new RangeError(`piece ${index} out of range 0..${this.size - 1}`);
    if (this.has(index)) return false;
    this.bytes[index >> 3]! |= 0x80 >> (index & 7);
    this.ones++;
    return true;
  }

  /** Clears the bit; returns false when it was not set. */
  clear(index: number): boolean {
    if (!this.has(index)) return false;
    this.bytes[index >> 3]! &= ~(0x80 >> (index & 7));
    this.ones--;
    return true;
  }

  /**
   * The pieces `theirs` has that this lacks and `exclude` does not mark,
   * ascending. Works a byte at a time: it runs once per request.
   */
  missingFrom(theirs: Bitfield, exclude: Bitfield): number[] {
    const out: number[] = [];
    const mine = this.bytes;
    const other = theirs.bytes;
    const skip = exclude.bytes;
    for (let i = 0; i < mine.length; i++) {
      const wanted = other[i]! & ~mine[i]! & ~skip[i]! & 0xff;
      if (wanted === 0) continue;
      for (let bit = 0; bit < 8; bit++) if (wanted & (0x80 >> bit)) out.push(i * 8 + bit);
    }
    return out;
  }

  get count(): number {
    return this.ones;
  }

  get isComplete(): boolean {
    return this.ones === this.size;
  }

  get isEmpty(): boolean {
    return this.ones === 0;
  }

  /** Whether this has any piece that `other` lacks. */
  hasAnyMissingFrom(other: Bitfield): boolean {
    for (let i = 0; i < this.bytes.length; i++) {
      if ((this.bytes[i]! & ~other.bytes[i]!) !== 0) return true;
    }
    return false;
  }

  toBytes(): Uint8Array {
    return this.bytes.slice();
  }

  indices(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.has(i)) out.push(i);
    return out;
  }
}
