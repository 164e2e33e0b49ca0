import * as net from 'node:net';

/** Where a link's outgoing bytes go: straight into the socket, or through a delay stage first. */
export interface ByteWriter {
  /**
   * Queues the buffers, in order; resolves when the writer can take more (backpressure).
   * `onWritten` is called once every buffer has been handed to the operating system (never if
   * they are dropped): only then may the caller reuse them.
   */
  write(buffers: readonly Uint8Array[], onWritten?: () => void): Promise<void>;
  /** Ends the stream once everything written so far has gone out. */
  end(): void;
  /** The connection is gone: drop what is queued and release every waiting writer. */
  abort(): void;
}

const RESOLVED = Promise.resolve();

/** Writers corked in this turn of the event loop: one setImmediate uncorks them all, after the reads. */
let toUncork: SocketWriter[] = [];
function uncorkAll(): void {
  const writers = toUncork;
  toUncork = [];
  for (const w of writers) w.flushCorked();
}

/** Writes to a socket, corked per event-loop turn, resolving on 'drain' when the socket's buffer is full. */
export class SocketWriter implements ByteWriter {
  private corked = false;
  private drained: Promise<void> | undefined;

  constructor(private readonly socket: net.Socket) {}

  write(buffers: readonly Uint8Array[], onWritten?: () => void): Promise<void> {
    if (this.socket.destroyed) return RESOLVED;
    // Everything sent while the event loop handles one batch of reads (e.g. the `have`s for pieces that
    // arrived on several sockets, and the next requests) leaves in one writev per socket: on loopback
    // the per-write system call, not the bytes, is what costs. The batch ends in the check phase.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      if (toUncork.length === 0) setImmediate(uncorkAll);
      toUncork.push(this);
    }
    // Several buffers (a piece's header and its data) go out as parts of one writev: no copy.
    let accepted = true;
    const last = buffers.length - 1;
    for (let i = 0; i < last; i++) accepted = this.socket.write(buffers[i]!);
    // A stream completes its writes in order: the last buffer's callback means all of them are out.
    // With an error (the socket was destroyed) the bytes may still be in a pending write: not reusable.
    if (last >= 0) accepted = onWritten ? this.socket.write(buffers[last]!, (err) => void (err || onWritten())) : this.socket.write(buffers[last]!);
    if (accepted) return RESOLVED;
    if (!this.drained) {
      this.drained = new Promise((resolve) => {
        const done = (): void => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          this.drained = undefined;
          resolve();
        };
        this.socket.on('drain', done);
        this.socket.on('close', done);
      });
    }
    return this.drained;
  }

  /** Sends what was written since the cork (see write()). */
  flushCorked(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  end(): void {
    this.flushCorked();
    this.socket.end();
  }

  abort(): void {
    // A destroyed socket emits 'close', which releases a pending drain.
  }
}
