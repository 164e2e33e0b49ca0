import * as net from 'node:net';
import { Observable, ReplaySubject } from 'rxjs';
import { PeerId } from '../events';
import { decodeBody, encodeMessage, encodePieceHeader } from '../protocol/codec';
import { FrameReader } from '../protocol/frame-reader';
import { PieceGeometry } from '../protocol/geometry';
import { decodeHandshake, encodeHandshake } from '../protocol/handshake';
import { Message, MessageType } from '../protocol/messages';
import { ProtocolError } from '../protocol/protocol-error';
import { Inbox } from './inbox';
import { LinkClosed, NeighborLink } from './link';
import { RateLimiter } from '../plugin/contracts';
import { ByteWriter, SocketWriter } from './byte-writer';
import { looksLikeTls, SecurityMismatchError } from './connection-security';
import { DelayedReader, DelayedWriter } from './delay-stage';
import { readIntoOwnBuffer } from './socket-reads';
import { BufferPool } from '../util/buffer-pool';
import { Scavenger } from '../util/scavenger';

/** How one side of a link behaves, beyond the handshake itself. */
export interface LinkOptions {
  /** Shapes piece traffic to the peer's bandwidth limits. */
  readonly limiter?: RateLimiter;
  /** One-way delay of this peer's access link (ms), applied to what it sends and what it receives. */
  readonly latencyMs?: number;
  /** What this side speaks ('plain' or 'tls'): names the mismatch when the other side opens with TLS. */
  readonly security?: string;
  /**
   * Where whole-piece frames that span socket reads are reassembled: the engine hands each
   * piece back (NeighborLink.recycle) once nothing holds it, and a later piece reuses the
   * memory. Shared by the peer's links. Without it every such piece gets a fresh buffer.
   */
  readonly pieceBuffers?: BufferPool;
  /** Told the size of every socket read (Node allocates a buffer for each): frees them early. */
  readonly scavenger?: Scavenger;
}

/**
 * Runs the handshake on a fresh socket and then becomes a NeighborLink.
 * `accept` decides whether the remote id is acceptable (returns a reason to reject).
 */
export function handshakeSocket(
  socket: net.Socket,
  selfId: PeerId,
  geometry: PieceGeometry,
  direction: 'outbound' | 'inbound',
  accept: (remoteId: PeerId) => string | undefined,
  timeoutMs: number,
  options: LinkOptions = {},
): Promise<TcpLink> {
  return new Promise((resolve, reject) => {
    socket.setNoDelay(true);
    const { limiter } = options;
    const latencyMs = options.latencyMs ?? 0;
    const pool = options.pieceBuffers;
    // Only full-size piece frames (the bulk of the bytes) come from the pool; the last, shorter piece does not.
    const pieceFrameLength = 5 + geometry.pieceSize;
    const allocate = (n: number): Buffer => (pool && n === pieceFrameLength ? pool.take(n) : Buffer.allocUnsafe(n));
    // A plain socket reads into the process's one read buffer (no garbage per read): what is kept must be copied out.
    let ownBuffer: Buffer | undefined;
    const reader = new FrameReader(geometry.maxFrameLength, allocate, true);
    const gate = new ReadGate(socket);
    const socketWriter = new SocketWriter(socket);
    const writer: ByteWriter = latencyMs > 0 ? new DelayedWriter(socketWriter, latencyMs) : socketWriter;
    let link: TcpLink | undefined;
    let delayed: DelayedReader | undefined;
    let firstChunk = true;
    const fail = (err: unknown): void => {
      cleanup();
      socket.destroy();
      writer.abort();
      delayed?.clear();
      reject(err instanceof ProtocolError ? err : new ProtocolError(err instanceof Error ? err.message : String(err)));
    };
    const timer = setTimeout(() => fail(new ProtocolError(`no handshake within ${timeoutMs} ms`)), timeoutMs);
    const consume = (chunk: Buffer): void => {
      if (firstChunk) {
        firstChunk = false;
        // A classic handshake starts with 'P'; TLS records where it should be mean the other side runs with --tls.
        if (options.security !== 'tls' && looksLikeTls(chunk)) {
          fail(new SecurityMismatchError(direction === 'inbound' ? 'opened with a TLS ClientHello: it runs with --tls and this peer does not' : 'answered with TLS: it runs with --tls and this peer does not'));
          return;
        }
      }
      try {
        reader.push(
          chunk,
          (bytes) => {
            const remoteId = decodeHandshake(bytes);
            const refusal = accept(remoteId);
            if (refusal) throw new ProtocolError(refusal);
            cleanup();
            link = new TcpLink(socket, remoteId, direction, geometry, writer, limiter, delayed, pool);
            resolve(link);
          },
          // A piece that lay within one read is a view into the socket's buffer, which the next read overwrites.
          (body) => link!.deliver(body.buffer === ownBuffer?.buffer && body[0] === MessageType.Piece ? copyInto(allocate(body.length), body) : body),
        );
      } catch (err) {
        if (link) link.fail(err);
        else fail(err);
      }
    };
    delayed = latencyMs > 0 ? new DelayedReader(latencyMs, consume, () => gate.hold('window'), () => gate.release('window')) : undefined;
    const scavenger = options.scavenger;
    const onData = (chunk: Buffer): void => {
      if (!ownBuffer) scavenger?.allocated(chunk.length);
      if (link && limiter) throttleDownload(gate, limiter, chunk.length);
      // The delay stage holds bytes for a while: they must outlive the socket's buffer.
      if (delayed) delayed.push(ownBuffer ? Buffer.from(chunk) : chunk);
      else consume(chunk);
    };
    const onClose = (): void => fail(new ProtocolError('connection closed during handshake'));
    const onError = (err: Error): void => fail(new ProtocolError(`socket error during handshake: ${err.message}`));
    function cleanup(): void {
      clearTimeout(timer);
      socket.off('close', onClose);
      socket.off('error', onError);
    }
    ownBuffer = readIntoOwnBuffer(socket, onData);
    if (!ownBuffer) socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onError);
    void writer.write([encodeHandshake(selfId)]);
  });
}

function copyInto(out: Buffer, bytes: Buffer): Buffer {
  bytes.copy(out);
  return out;
}

/** Pauses the socket while anything (the download budget, a full delay window) holds reading back. */
class ReadGate {
  private readonly holds = new Set<string>();

  constructor(private readonly socket: net.Socket) {}

  isHeld(reason: string): boolean {
    return this.holds.has(reason);
  }

  hold(reason: string): void {
    this.holds.add(reason);
    this.socket.pause();
  }

  release(reason: string): void {
    this.holds.delete(reason);
    if (this.holds.size === 0 && !this.socket.destroyed) this.socket.resume();
  }
}

/** Holds further reads back (TCP then slows the sender) until the download budget has room again. */
function throttleDownload(gate: ReadGate, limiter: RateLimiter, bytes: number): void {
  const wait = limiter.reserve('down', bytes, Date.now());
  if (wait <= 0 || gate.isHeld('rate')) return;
  gate.hold('rate');
  setTimeout(() => gate.release('rate'), wait).unref();
}

interface Delayed {
  readonly message: Message;
  readonly onSent: (() => void) | undefined;
  reserved: boolean;
  readonly done: () => void;
}

export class TcpLink implements NeighborLink {
  /** Frames that arrived in the same chunk as the handshake wait here until the engine subscribes. */
  private readonly inbox = new Inbox<Message>();
  private readonly closed = new ReplaySubject<LinkClosed>(1);
  private isClosed = false;
  private readonly delayed: Delayed[] = [];
  readonly messages$: Observable<Message> = this.inbox.messages$;
  readonly closed$ = this.closed.asObservable();
  /** Settles when the socket has closed both ways: everything we wrote (the last haves) has left this process. */
  readonly socketClosed: Promise<void>;

  constructor(
    private readonly socket: net.Socket,
    readonly remoteId: PeerId,
    readonly direction: 'outbound' | 'inbound',
    private readonly geometry: PieceGeometry,
    private readonly writer: ByteWriter,
    private readonly limiter?: RateLimiter,
    /** The delay stage incoming bytes pass through, if this peer has latency. */
    private readonly delayedReader?: DelayedReader,
    /** Where the reader got the buffers of reassembled pieces: recycle() gives them back. */
    private readonly pieceBuffers?: BufferPool,
  ) {
    // What arrived before the close is still in the delay stage: the close takes its turn behind it.
    const afterDelay = (fn: () => void): void => (delayedReader ? delayedReader.then(fn) : fn());
    this.socketClosed = socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('close', () => afterDelay(() => this.finish({ reason: 'connection closed by peer', violation: false })));
    socket.on('error', (err) => afterDelay(() => this.finish({ reason: `socket error: ${err.message}`, violation: false })));
  }

  /** Called by the frame reader with each frame body after the handshake. */
  deliver(body: Buffer): void {
    if (this.isClosed) return;
    this.inbox.push(decodeBody(body, this.geometry));
  }

  /** A protocol error while reading: close and report it. */
  fail(err: unknown): void {
    const reason = err instanceof Error ? err.message : String(err);
    this.finish({ reason, violation: err instanceof ProtocolError });
    this.socket.destroy();
  }

  /** Gives a reassembled piece's buffer back to the pool (ignored for any other buffer). */
  recycle(data: Uint8Array): void {
    this.pieceBuffers?.give(data);
  }

  send(message: Message, onSent?: () => void): Promise<void> {
    if (this.isClosed || this.socket.destroyed) return Promise.resolve();
    if (this.limiter) {
      // Piece data waits for the upload budget; whatever is sent after it waits behind it,
      // so the neighbour sees messages in the order they were sent.
      if (this.delayed.length > 0) return this.enqueue(message, onSent, false);
      if (message.type === MessageType.Piece) {
        const wait = this.limiter.reserve('up', message.data.length, Date.now());
        if (wait > 0) {
          const queued = this.enqueue(message, onSent, true);
          setTimeout(() => this.drainDelayed(), wait).unref();
          return queued;
        }
      }
    }
    return this.write(message, onSent);
  }

  private enqueue(message: Message, onSent: (() => void) | undefined, reserved: boolean): Promise<void> {
    return new Promise<void>((resolve) => this.delayed.push({ message, onSent, reserved, done: resolve }));
  }

  private drainDelayed(): void {
    while (this.delayed.length > 0) {
      const head = this.delayed[0]!;
      if (this.isClosed) {
        head.done();
        this.delayed.shift();
        continue;
      }
      if (head.message.type === MessageType.Piece && !head.reserved) {
        head.reserved = true;
        const wait = this.limiter!.reserve('up', head.message.data.length, Date.now());
        if (wait > 0) {
          setTimeout(() => this.drainDelayed(), wait).unref();
          return;
        }
      }
      this.delayed.shift();
      void this.write(head.message, head.onSent).then(head.done);
    }
  }

  private write(message: Message, onSent: (() => void) | undefined): Promise<void> {
    // A piece's header and data as two buffers of one writev: the piece's bytes are never copied.
    return this.writer.write(message.type === MessageType.Piece ? [encodePieceHeader(message.index, message.data.length), message.data] : [encodeMessage(message)], onSent);
  }


  close(reason: string): void {
    this.finish({ reason, violation: false });
    this.writer.end();
    // A peer that never reads would keep the socket half-open forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private finish(closed: LinkClosed): void {
    if (this.isClosed) return;
    this.isClosed = true;
    // Closing gracefully (close()) still sends what is queued; anything else drops it.
    if (this.socket.destroyed || closed.violation) this.writer.abort();
    if (closed.violation) this.delayedReader?.clear();
    this.closed.next(closed);
    this.closed.complete();
    this.inbox.end();
  }
}
