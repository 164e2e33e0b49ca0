import * as net from 'node:net';
import { encodeMessage, decodeBody } from '../../core/protocol/codec';
import { FrameReader } from '../../core/protocol/frame-reader';
import { PieceGeometry } from '../../core/protocol/geometry';
import { decodeHandshake, encodeHandshake } from '../../core/protocol/handshake';
import { Message, MessageType } from '../../core/protocol/messages';

/**
 * A remote peer driven by the test, byte by byte: it records exactly what the
 * peer under test puts on the wire.
 */
export class ScriptedPeer {
  private readonly reader: FrameReader;
  private readonly inbox: Message[] = [];
  private waiters: Array<() => void> = [];
  remoteId: number | undefined;
  ended = false;
  private handshakeWaiters: Array<() => void> = [];

  private constructor(readonly socket: net.Socket, private readonly geometry: PieceGeometry) {
    this.reader = new FrameReader(geometry.maxFrameLength);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(
        chunk,
        (hs) => {
          this.remoteId = decodeHandshake(hs);
          this.handshakeWaiters.forEach((w) => w());
        },
        (body) => {
          this.inbox.push(decodeBody(body, this.geometry));
          this.wake();
        },
      );
    });
    const onEnd = (): void => {
      this.ended = true;
      this.wake();
    };
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onEnd);
  }

  /** Listens on `port` and resolves with the first connection. */
  static listen(port: number, geometry: PieceGeometry): { accepted: Promise<ScriptedPeer>; close: () => Promise<void> } {
    const server = net.createServer();
    const accepted = new Promise<ScriptedPeer>((resolve) => {
      server.once('connection', (socket) => resolve(new ScriptedPeer(socket, geometry)));
    });
    server.listen(port, '127.0.0.1');
    return { accepted, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  static async connect(port: number, geometry: PieceGeometry): Promise<ScriptedPeer> {
    for (let attempt = 0; ; attempt++) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(port, '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        });
        return new ScriptedPeer(socket, geometry);
      } catch (err) {
        if (attempt > 50) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  sendHandshake(id: number): void {
    this.socket.write(encodeHandshake(id));
  }

  send(m: Message): void {
    this.socket.write(encodeMessage(m));
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async handshake(timeoutMs = 5000): Promise<number> {
    if (this.remoteId !== undefined) return this.remoteId;
    await withTimeout(new Promise<void>((r) => this.handshakeWaiters.push(r)), timeoutMs, 'handshake');
    return this.remoteId!;
  }

  /** The next message the peer under test sent; rejects after `timeoutMs` or if the connection ended first. */
  async next(timeoutMs = 5000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      if (this.ended) throw new Error('connection ended while waiting for a message');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms`);
      await withTimeout(new Promise<void>((r) => this.waiters.push(r)), left, 'message').catch(() => undefined);
    }
    return this.inbox.shift()!;
  }

  /** Skips messages until one of `type` arrives (returns it, and what was skipped). */
  async nextOfType<T extends MessageType>(type: T, timeoutMs = 5000): Promise<{ message: Extract<Message, { type: T }>; skipped: Message[] }> {
    const skipped: Message[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await this.next(Math.max(1, deadline - Date.now()));
      if (m.type === type) return { message: m as Extract<Message, { type: T }>, skipped };
      skipped.push(m);
    }
  }

  /** Resolves when the peer under test has closed the connection. */
  async closedByRemote(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`connection still open after ${timeoutMs} ms`);
      await withTimeout(new Promise<void>((r) => this.waiters.push(r)), left, 'close').catch(() => undefined);
    }
  }

  /** Messages received and not yet consumed. */
  drain(): Message[] {
    return this.inbox.splice(0);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
