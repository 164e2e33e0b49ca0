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
 * is copied, as its bytes arrive, into a buffer from `allocate` (the
 * transport passes a pool for piece frames, which it gets back once the
 * engine is done with the piece): every byte is copied once, and no chunk is
 * held for a frame's sake.
 *
 * With `transientChunks` the caller reuses a chunk's memory once `push`
 * returns (a socket reading into one buffer of its own): the few bytes left
 * over that start no body yet (part of a length prefix, of the handshake)
 * are copied out before `push` returns, and a body delivered as a view is
 * valid only during `onFrame`.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private handshakeDone = false;
  /** The body being filled from chunks as they arrive, and how much of it is in. */
  private partial: Buffer | undefined;
  private partialFilled = 0;

  constructor(
    private readonly maxFrameLength: number,
    private readonly allocate: FrameAllocator = Buffer.allocUnsafe,
    private readonly transientChunks = false,
  ) {}

  /** Feeds bytes; calls `onHandshake` once, then `onFrame` per complete frame body. Throws ProtocolError. */
  push(chunk: Buffer, onHandshake: (bytes: Buffer) => void, onFrame: (body: Buffer) => void): void {
    if (this.partial) {
      const body = this.partial;
      const n = Math.min(chunk.length, body.length - this.partialFilled);
      chunk.copy(body, this.partialFilled, 0, n);
      this.partialFilled += n;
      if (this.partialFilled < body.length) return;
      this.partial = undefined;
      onFrame(body);
      if (n === chunk.length) return;
      chunk = chunk.subarray(n);
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    try {
      this.frames(onHandshake, onFrame);
    } finally {
      if (this.transientChunks) this.keepLeftovers();
    }
  }

  /** Bytes received that are not yet part of a delivered frame (a partial body counts with its length prefix). */
  get pendingBytes(): number {
    return this.buffered + (this.partial ? LENGTH_PREFIX_BYTES + this.partialFilled : 0);
  }

  private frames(onHandshake: (bytes: Buffer) => void, onFrame: (body: Buffer) => void): void {
    if (!this.handshakeDone) {
      if (this.buffered < HANDSHAKE_LENGTH) return;
      this.handshakeDone = true;
      onHandshake(this.take(HANDSHAKE_LENGTH));
    }
    while (this.buffered >= LENGTH_PREFIX_BYTES) {
      const length = this.peekLength();
      if (length === 0) throw new ProtocolError('frame length 0');
      if (length > this.maxFrameLength) throw new ProtocolError(`frame length ${length} exceeds the largest possible message (${this.maxFrameLength})`);
      this.take(LENGTH_PREFIX_BYTES);
      if (this.buffered < length) {
        // The rest of the body is still on its way: start filling its buffer with what is here.
        const body = this.allocate(length);
        this.partialFilled = this.copyAll(body);
        this.partial = body;
        return;
      }
      onFrame(this.take(length, this.allocate));
    }
  }

  /** Moves every buffered byte into `out` (which has room for them); returns how many. */
  private copyAll(out: Buffer): number {
    let filled = 0;
    for (const c of this.chunks) filled += c.copy(out, filled);
    this.chunks = [];
    this.buffered = 0;
    return filled;
  }

  /** The bytes still buffered may live in memory the caller reuses: copy them (a few bytes at most). */
  private keepLeftovers(): void {
    if (this.buffered === 0) return;
    const own = Buffer.allocUnsafe(this.buffered);
    this.copyAll(own);
    this.chunks = [own];
    this.buffered = own.length;
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
