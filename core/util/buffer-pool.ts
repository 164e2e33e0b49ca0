/**
 * A few reusable buffers per size, for piece-sized memory that would
 * otherwise be garbage after every piece (the frame reader's reassembly
 * buffer, a store's read buffer). V8 collects external memory late: with
 * 256 KiB pieces tens of MiB of dead piece buffers waited for a collection
 * and set a peer's peak RSS. Reusing them keeps that flat.
 *
 * Only buffers this pool lent out come back (`give` ignores anything else,
 * and a buffer given twice counts once), so a caller may hand back any view
 * without knowing where it came from. A buffer that is never given back is
 * simply collected: the pool holds no reference to what it lent. When the
 * free list of a size is empty `take` allocates; when it is full `give`
 * drops the buffer.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  /** The memory of every buffer out on loan: weak, so a buffer that is kept for good costs nothing here. */
  private readonly lent = new WeakSet<ArrayBufferLike>();
  private reusedCount = 0;

  /**
   * `perSize`: free buffers kept per size (more are dropped); `maxFreeBytes`: fewer of a size
   * when they would hold more than this (but always one), so huge pieces do not pin much memory.
   */
  constructor(
    private readonly perSize = 4,
    private readonly maxFreeBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** A buffer of exactly `length` bytes (contents undefined), reused when one of that size is free. */
  take(length: number): Buffer {
    const list = this.free.get(length);
    let buf = list?.pop();
    if (buf) this.reusedCount++;
    // Its own ArrayBuffer (not a slice of Node's shared pool): the memory is what identifies it on return.
    else buf = Buffer.allocUnsafeSlow(length);
    this.lent.add(buf.buffer);
    return buf;
  }

  /**
   * The caller is done with `view` (a buffer `take` returned, or any view into
   * one): nothing reads or writes it any more. Ignored unless it is out on loan.
   */
  give(view: Uint8Array): void {
    const memory = view.buffer;
    if (!this.lent.delete(memory)) return;
    const length = memory.byteLength;
    let list = this.free.get(length);
    if (!list) this.free.set(length, (list = []));
    const keep = Math.max(1, Math.min(this.perSize, Math.floor(this.maxFreeBytes / length)));
    if (list.length < keep) list.push(Buffer.from(memory, 0, length));
  }

  /** How many `take`s were served from a free list (for tests and measurements). */
  get reused(): number {
    return this.reusedCount;
  }

  /** Free buffers of `length` bytes waiting to be reused. */
  freeCount(length: number): number {
    return this.free.get(length)?.length ?? 0;
  }
}
