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
  limiter?: RateLimiter,
): Promise<TcpLink> {
  return new Promise((resolve, reject) => {
    socket.setNoDelay(true);
    const reader = new FrameReader(geometry.maxFrameLength);
    let link: TcpLink | undefined;
    const fail = (reason: string): void => {
      cleanup();
      socket.destroy();
      reject(new ProtocolError(reason));
    };
    const timer = setTimeout(() => fail(`no handshake within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer): void => {
      if (link && limiter) throttleDownload(socket, limiter, chunk.length);
      try {
        reader.push(
          chunk,
          (bytes) => {
            const remoteId = decodeHandshake(bytes);
            const refusal = accept(remoteId);
            if (refusal) throw new ProtocolError(refusal);
            cleanup();
            link = new TcpLink(socket, remoteId, direction, geometry, limiter);
            resolve(link);
          },
          (body) => link!.deliver(body),
        );
      } catch (err) {
        if (link) link.fail(err);
        else fail(err instanceof Error ? err.message : String(err));
      }
    };
    const onClose = (): void => fail('connection closed during handshake');
    const onError = (err: Error): void => fail(`socket error during handshake: ${err.message}`);
    function cleanup(): void {
      clearTimeout(timer);
      socket.off('close', onClose);
      socket.off('error', onError);
    }
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onError);
    socket.write(encodeHandshake(selfId));
  });
}

/** Holds further reads back (TCP then slows the sender) until the download budget has room again. */
function throttleDownload(socket: net.Socket, limiter: RateLimiter, bytes: number): void {
  const wait = limiter.reserve('down', bytes, Date.now());
  if (wait <= 0 || socket.isPaused()) return;
  socket.pause();
  setTimeout(() => {
    if (!socket.destroyed) socket.resume();
  }, wait).unref();
}

interface Delayed {
  readonly message: Message;
  reserved: boolean;
  readonly done: () => void;
}

export class TcpLink implements NeighborLink {
  /** Frames that arrived in the same chunk as the handshake wait here until the engine subscribes. */
  private readonly inbox = new Inbox<Message>();
  private readonly closed = new ReplaySubject<LinkClosed>(1);
  private drained: Promise<void> | undefined;
  private isClosed = false;
  private corked = false;
  private readonly delayed: Delayed[] = [];
  readonly messages$: Observable<Message> = this.inbox.messages$;
  readonly closed$ = this.closed.asObservable();

  constructor(
    private readonly socket: net.Socket,
    readonly remoteId: PeerId,
    readonly direction: 'outbound' | 'inbound',
    private readonly geometry: PieceGeometry,
    private readonly limiter?: RateLimiter,
  ) {
    socket.on('close', () => this.finish({ reason: 'connection closed by peer', violation: false }));
    socket.on('error', (err) => this.finish({ reason: `socket error: ${err.message}`, violation: false }));
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

  send(message: Message): Promise<void> {
    if (this.isClosed || this.socket.destroyed) return Promise.resolve();
    if (this.limiter) {
      // Piece data waits for the upload budget; whatever is sent after it waits behind it,
      // so the neighbour sees messages in the order they were sent.
      if (this.delayed.length > 0) return this.enqueue(message, false);
      if (message.type === MessageType.Piece) {
        const wait = this.limiter.reserve('up', message.data.length, Date.now());
        if (wait > 0) {
          const queued = this.enqueue(message, true);
          setTimeout(() => this.drainDelayed(), wait).unref();
          return queued;
        }
      }
    }
    return this.write(message);
  }

  private enqueue(message: Message, reserved: boolean): Promise<void> {
    return new Promise<void>((resolve) => this.delayed.push({ message, reserved, done: resolve }));
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
      void this.write(head.message).then(head.done);
    }
  }

  private write(message: Message): Promise<void> {
    // Everything sent in one turn of the event loop (e.g. a `have` and the next request) leaves in one
    // writev: on loopback the per-write system call, not the bytes, is what costs.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    let accepted: boolean;
    if (message.type === MessageType.Piece) {
      // Header and data as two buffers of one writev: the piece's bytes are never copied. Both are
      // written whatever the first write returns (false only asks us to wait after this message).
      this.socket.write(encodePieceHeader(message.index, message.data.length));
      accepted = this.socket.write(message.data);
    } else {
      accepted = this.socket.write(encodeMessage(message));
    }
    if (accepted) return Promise.resolve();
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

  close(reason: string): void {
    this.finish({ reason, violation: false });
    this.socket.end();
    // A peer that never reads would keep the socket half-open forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private finish(closed: LinkClosed): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closed.next(closed);
    this.closed.complete();
    this.inbox.end();
  }
}
