import { LENGTH_PREFIX_BYTES } from './codec';
import { HANDSHAKE_LENGTH } from './handshake';
import { ProtocolError } from './protocol-error';

/** Where a frame body that spans chunks is reassembled: a buffer of exactly `length` bytes. */
export type FrameAllocator = (length: number) => Buffer;

/**
 * Reassembles the byte stream of one connection into the 32-byte handshake
 * and then whole frame bodies, whatever the TCP chunking. A length field is
 * checked against `maxFrameLength` before anything is allocated for it.
 * A body that lies within one chunk is a view into it; one that spans chunks
 * is copied into a buffer from `allocate` (the transport passes a pool for
 * piece frames, which it gets back once the engine is done with the piece).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private handshakeDone = false;

  constructor(
    private readonly maxFrameLength: number,
    private readonly allocate: FrameAllocator = Buffer.allocUnsafe,
  ) {}

  /** Feeds bytes; calls `onHandshake` once, then `onFrame` per complete frame body. Throws ProtocolError. */
  push(chunk: Buffer, onHandshake: (bytes: Buffer) => void, onFrame: (body: Buffer) => void): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (!this.handshakeDone) {
      if (this.buffered < HANDSHAKE_LENGTH) return;
      this.handshakeDone = true;
      onHandshake(this.take(HANDSHAKE_LENGTH));
    }
    while (this.buffered >= LENGTH_PREFIX_BYTES) {
      const length = this.peekLength();
      if (length === 0) throw new ProtocolError('frame length 0');
      if (length > this.maxFrameLength) throw new ProtocolError(`frame length ${length} exceeds the largest possible message (${this.maxFrameLength})`);
      if (this.buffered < LENGTH_PREFIX_BYTES + length) return;
      this.take(LENGTH_PREFIX_BYTES);
      onFrame(this.take(length, this.allocate));
    }
  }

  get pendingBytes(): number {
    return this.buffered;
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= LENGTH_PREFIX_BYTES) return first.readUInt32BE(0);
    const head = Buffer.alloc(LENGTH_PREFIX_BYTES);
    let filled = 0;
    for (const c of this.chunks) {
      filled += c.copy(head, filled, 0, Math.min(c.length, LENGTH_PREFIX_BYTES - filled));
      if (filled === LENGTH_PREFIX_BYTES) break;
    }
    return head.readUInt32BE(0);
  }

  /** Removes and returns the next n buffered bytes, copying only when they span chunks. */
  private take(n: number, allocate: FrameAllocator = Buffer.allocUnsafe): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    const out = allocate(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const want = n - filled;
      if (c.length <= want) {
        c.copy(out, filled);
        filled += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, filled, 0, want);
        this.chunks[0] = c.subarray(want);
        filled += want;
      }
    }
    return out;
  }
}
