import { ByteWriter } from './byte-writer';

/**
 * User-space propagation delay for real sockets (this kernel has no netem):
 * each peer holds what it sends and what it receives for its one-way access
 * latency, so a message from A to B takes latencyA + latencyB, as in the
 * simulator. At most WINDOW_BYTES are in flight per direction of a link, as a
 * TCP window would allow: beyond it the writer waits and the reader stops
 * reading, so a fast sender cannot pile up unbounded memory.
 */
export const WINDOW_BYTES = 4 * 1024 * 1024;

const RESOLVED = Promise.resolve();

interface Held<T> {
  readonly due: number;
  readonly item: T;
  readonly bytes: number;
}

/** A FIFO that lets each item out `delayMs` after it came in, with one timer for the whole queue. */
class DelayQueue<T> {
  private readonly queue: Held<T>[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  heldBytes = 0;

  constructor(
    private readonly delayMs: number,
    /** Releases one item; a returned promise holds the next item back until it settles. */
    private readonly release: (item: T) => Promise<void> | void,
    private readonly onBelowWindow: () => void,
  ) {}

  get isEmpty(): boolean {
    return this.head === this.queue.length;
  }

  push(item: T, bytes: number): void {
    this.queue.push({ due: Date.now() + this.delayMs, item, bytes });
    this.heldBytes += bytes;
    this.arm();
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.head = 0;
    this.heldBytes = 0;
  }

  private arm(): void {
    if (this.timer || this.busy || this.isEmpty) return;
    this.timer = setTimeout(() => void this.flush(), Math.max(0, this.queue[this.head]!.due - Date.now()));
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    this.busy = true;
    try {
      while (!this.isEmpty && this.queue[this.head]!.due <= Date.now()) {
        const held = this.queue[this.head++]!;
        const wasAbove = this.heldBytes > WINDOW_BYTES;
        this.heldBytes -= held.bytes;
        if (wasAbove && this.heldBytes <= WINDOW_BYTES) this.onBelowWindow();
        const pending = this.release(held.item);
        if (pending) await pending;
      }
      if (this.isEmpty) {
        this.queue.length = 0;
        this.head = 0;
      }
    } finally {
      this.busy = false;
    }
    this.arm();
    if (this.isEmpty) this.onEmpty?.();
  }

  onEmpty: (() => void) | undefined;
}

/** Holds outgoing bytes for the delay, then hands them to the next writer (the socket). */
interface HeldWrite {
  readonly buffers: readonly Uint8Array[];
  readonly onWritten: (() => void) | undefined;
}

export class DelayedWriter implements ByteWriter {
  private readonly queue: DelayQueue<HeldWrite>;
  private waiting: Array<() => void> = [];
  private ending = false;
  private aborted = false;

  constructor(
    private readonly next: ByteWriter,
    delayMs: number,
  ) {
    // Dropped writes (abort) never call onWritten: their buffers are left to the garbage collector.
    this.queue = new DelayQueue<HeldWrite>(delayMs, (held) => (this.aborted ? undefined : this.next.write(held.buffers, held.onWritten)), () => this.wake());
    this.queue.onEmpty = () => {
      if (this.ending && !this.aborted) this.next.end();
    };
  }

  write(buffers: readonly Uint8Array[], onWritten?: () => void): Promise<void> {
    if (this.aborted) return RESOLVED;
    this.queue.push({ buffers, onWritten }, buffers.reduce((n, b) => n + b.length, 0));
    if (this.queue.heldBytes <= WINDOW_BYTES) return RESOLVED;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  end(): void {
    this.ending = true;
    if (this.queue.isEmpty) this.next.end();
  }

  abort(): void {
    this.aborted = true;
    this.queue.clear();
    this.wake();
    this.next.abort();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w();
  }
}

/**
 * Holds incoming chunks for the delay before the frame reader sees them.
 * `pause` / `resume` stop and restart reading the socket around the window.
 */
export class DelayedReader {
  private readonly queue: DelayQueue<Buffer | (() => void)>;

  constructor(
    delayMs: number,
    deliver: (chunk: Buffer) => void,
    private readonly pause: () => void,
    resume: () => void,
  ) {
    this.queue = new DelayQueue<Buffer | (() => void)>(delayMs, (item) => (typeof item === 'function' ? item() : deliver(item)), resume);
  }

  push(chunk: Buffer): void {
    this.queue.push(chunk, chunk.length);
    if (this.queue.heldBytes > WINDOW_BYTES) this.pause();
  }

  /**
   * Runs `fn` one delay from now, after every chunk received before it: the end of the stream
   * travels as late as its last bytes, so a neighbour's final messages are not lost to its close.
   */
  then(fn: () => void): void {
    this.queue.push(fn, 0);
  }

  clear(): void {
    this.queue.clear();
  }
}
