import * as net from 'node:net';
import { Observable, Subject } from 'rxjs';
import { PeerInfo } from '../config/peer-info';
import { EventBus } from '../event-bus';
import { PeerId } from '../events';
import { PieceGeometry } from '../protocol/geometry';
import { ProtocolError } from '../protocol/protocol-error';
import { NeighborLink, Transport } from './link';
import { RateLimiter } from '../plugin/contracts';
import { BufferPool } from '../util/buffer-pool';
import { Scavenger } from '../util/scavenger';
import { handshakeSocket, TcpLink } from './tcp-link';
import { TcpListener } from './tcp-listener';
import { ConnectionSecurity, PLAIN_SECURITY, SecurityMismatchError } from './connection-security';

const DEFAULT_MAX_PENDING_HANDSHAKES = 128;

export interface TcpTransportOptions {
  readonly self: PeerInfo;
  /** Every peer of the peer file, in file order. */
  readonly peers: readonly PeerInfo[];
  readonly geometry: PieceGeometry;
  readonly events: EventBus;
  /** Host to listen on; defaults to all interfaces. */
  readonly listenHost?: string;
  readonly handshakeTimeoutMs?: number;
  /**
   * Inbound connections allowed to be still in the handshake at once; when
   * another arrives the oldest is dropped. Real neighbours handshake within a
   * round trip, so only stalled ones (half-open, a byte a second) are dropped.
   */
  readonly maxPendingHandshakes?: number;
  readonly firstRetryMs?: number;
  readonly maxRetryMs?: number;
  /** Shapes piece traffic to the peer's bandwidth limits. */
  readonly limiter?: RateLimiter;
  /** The port, already bound (a peer binds it before touching any file); otherwise start() binds it. */
  readonly listener?: TcpListener;
  /** One-way latency of this peer's access link (ms), added in user space on every link. */
  readonly latencyMs?: number;
  /** Plain TCP (the classic protocol as is) or mutual TLS around it. Default plain. */
  readonly security?: ConnectionSecurity;
  /** Reusable buffers for reassembling received pieces, shared by every link (see LinkOptions). */
  readonly pieceBuffers?: BufferPool;
  /** Frees Node's socket read buffers early (see Scavenger); shared by every link. */
  readonly scavenger?: Scavenger;
}

/**
 * Dials every peer listed before us (in file order, retrying with back-off,
 * since they may not be up yet) and accepts the peers listed after us.
 * `security` turns each new TCP connection into the stream the handshake
 * runs on (itself, or a TLS socket); everything after that is shared.
 */
export class TcpTransport implements Transport {
  private readonly links = new Subject<NeighborLink>();
  readonly links$: Observable<NeighborLink> = this.links.asObservable();
  private listener: TcpListener | undefined;
  private readonly connected = new Map<PeerId, TcpLink>();
  /** Sockets still in the handshake: the only ones stop() may cut without losing data. */
  private readonly handshaking = new Set<net.Socket>();
  /** The inbound ones among them, oldest first. */
  private readonly pendingInbound = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** Neighbours we have had a link with: dialling them again is a redial, subject to the policy. */
  private readonly met = new Set<PeerId>();
  private shouldRedial: (peer: PeerId) => boolean = () => true;
  private readonly security: ConnectionSecurity;

  constructor(private readonly options: TcpTransportOptions) {
    this.security = options.security ?? PLAIN_SECURITY;
  }

  async start(): Promise<void> {
    const { self } = this.options;
    const listener = this.options.listener ?? (await TcpListener.bind(self.port, this.options.listenHost, `peer ${self.id}`));
    this.listener = listener;
    listener.server.on('error', (err) => this.options.events.emit({ kind: 'error', message: `listener: ${err.message}` }));
    listener.adopt((socket) => this.onInbound(socket));
    this.options.events.emit({ kind: 'listening', port: self.port });
    for (const peer of this.earlierPeers()) this.dial(peer, 0);
  }

  setRedialPolicy(shouldRedial: (peer: PeerId) => boolean): void {
    this.shouldRedial = shouldRedial;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.handshaking) s.destroy();
    // Links close gracefully: what was sent on them (the last haves, a bitfield) still arrives. Wait for
    // every one to close (a link destroys its socket 2 s after close() at the latest): a peer that exits
    // first drops what its delay stage or socket still holds, and a neighbour that never gets our last
    // `have` waits for us forever. The listener waits only for the links we accepted, not those we dialled.
    const links = [...this.connected.values()];
    for (const link of links) link.close('shutting down');
    await Promise.all([(this.listener ?? this.options.listener)?.close(), ...links.map((l) => l.socketClosed)]);
    this.links.complete();
  }

  private earlierPeers(): PeerInfo[] {
    const { peers, self } = this.options;
    return peers.slice(0, peers.findIndex((p) => p.id === self.id));
  }

  private dial(peer: PeerInfo, attempt: number): void {
    if (this.stopped || this.connected.has(peer.id)) return;
    if (this.met.has(peer.id) && !this.shouldRedial(peer.id)) {
      // Neither side needs the other now (some implementations exit on an unexpected connection): look again later.
      this.schedule(() => this.dial(peer, attempt), this.backoff(Infinity));
      return;
    }
    const socket = net.connect({ host: peer.host, port: peer.port });
    this.track(socket);
    let settled = false;
    const retry = (err: NodeJS.ErrnoException): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      this.options.events.emit({ kind: 'dial-failed', peer: peer.id, address: `${peer.host}:${peer.port}`, code: err.code, reason: err.message });
      this.schedule(() => this.dial(peer, attempt + 1), this.backoff(attempt));
    };
    socket.once('error', retry);
    socket.once('connect', () => {
      socket.off('error', retry);
      settled = true;
      this.establish(socket, 'outbound', (id) => (id === peer.id ? undefined : `dialled peer ${peer.id} but it says it is ${id}`), peer);
    });
  }

  private onInbound(socket: net.Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    this.track(socket);
    this.limitPendingInbound(socket);
    this.establish(socket, 'inbound', (id) => {
      if (id === this.options.self.id) return `peer claims our own id ${id}`;
      if (!this.options.peers.some((p) => p.id === id)) return `peer ${id} is not in the peer file`;
      if (this.connected.has(id)) return `peer ${id} is already connected`;
      return undefined;
    });
  }

  private establish(raw: net.Socket, direction: 'outbound' | 'inbound', accept: (id: PeerId) => string | undefined, redialTo?: PeerInfo): void {
    const { self, geometry, events } = this.options;
    const timeoutMs = this.options.handshakeTimeoutMs ?? 10_000;
    const remote = this.describeRemote(raw, redialTo);
    const secured = withTimeout(redialTo ? this.security.outbound(raw, redialTo) : this.security.inbound(raw), timeoutMs, () => raw.destroy(), `no TLS handshake within ${timeoutMs} ms`);
    let securedSocket: net.Socket | undefined;
    secured
      .then(({ socket, certifiedId }) => {
        securedSocket = socket;
        if (socket !== raw) this.track(socket);
        // The certificate proves an id: the classic handshake must claim that same id.
        const acceptCertified = (id: PeerId): string | undefined =>
          certifiedId !== undefined && id !== certifiedId ? `peer says it is ${id} but its certificate names ${certifiedId}` : accept(id);
        return handshakeSocket(socket, self.id, geometry, direction, acceptCertified, timeoutMs, {
          limiter: this.options.limiter,
          latencyMs: this.options.latencyMs,
          security: this.security.name,
          pieceBuffers: this.options.pieceBuffers,
          scavenger: this.options.scavenger,
        });
      })
      .then(
        (link) => {
          this.handshaking.delete(raw);
          this.pendingInbound.delete(raw);
          if (securedSocket) this.handshaking.delete(securedSocket);
          if (this.stopped) {
            link.close('shutting down');
            return;
          }
          this.connected.set(link.remoteId, link);
          this.met.add(link.remoteId);
          link.closed$.subscribe(() => {
            if (this.connected.get(link.remoteId) === link) this.connected.delete(link.remoteId);
            // A neighbour we dial that drops out may come back: keep trying until we stop.
            if (redialTo && !this.stopped) this.schedule(() => this.dial(redialTo, 0), this.backoff(0));
          });
          this.links.next(link);
        },
        (err: Error) => {
          this.handshaking.delete(raw);
          this.pendingInbound.delete(raw);
          if (securedSocket) this.handshaking.delete(securedSocket);
          // stop() cuts the handshakes still going: that is not the remote's doing.
          if (this.stopped) return;
          const mismatch = err instanceof SecurityMismatchError;
          // Plain meeting TLS: say who the other side is (the id its handshake claimed, if it sent one).
          const who = mismatch && err.claimedId !== undefined ? { id: err.claimedId, label: `peer ${err.claimedId}` } : remote;
          const reason = mismatch ? `${who.label} ${err.message}` : err.message;
          events.emit({ kind: 'connection-rejected', peer: who.id, reason });
          // Plain against TLS cannot get better by retrying: report it once.
          if (redialTo && !mismatch) this.schedule(() => this.dial(redialTo, 1), this.backoff(1));
        },
      );
  }

  /**
   * Who is at the other end before any handshake: the peer we dialled, or, for an accepted
   * connection, the one peer of the peer file at that address (if just one is; else the address).
   */
  private describeRemote(raw: net.Socket, dialled?: PeerInfo): { id?: PeerId; label: string } {
    if (dialled) return { id: dialled.id, label: `peer ${dialled.id}` };
    const address = (raw.remoteAddress ?? '').replace(/^::ffff:/, '');
    const atAddress = this.options.peers.filter((p) => p.host === address && p.id !== this.options.self.id);
    if (atAddress.length === 1) return { id: atAddress[0]!.id, label: `peer ${atAddress[0]!.id} (${address})` };
    return { label: `the peer at ${address}:${raw.remotePort ?? '?'}` };
  }

  private limitPendingInbound(socket: net.Socket): void {
    const limit = this.options.maxPendingHandshakes ?? DEFAULT_MAX_PENDING_HANDSHAKES;
    if (this.pendingInbound.size >= limit) {
      const oldest = this.pendingInbound.values().next().value as net.Socket;
      this.pendingInbound.delete(oldest);
      oldest.destroy(new Error(`dropped: ${limit} inbound connections were already waiting for a handshake`));
    }
    this.pendingInbound.add(socket);
  }

  private track(socket: net.Socket): void {
    this.handshaking.add(socket);
    socket.once('close', () => this.handshaking.delete(socket));
    // Whoever owns the socket at the time reports its errors; this keeps a late one (say, on the
    // TCP socket under a TLS socket) from becoming an unhandled 'error' that would end the process.
    socket.on('error', () => undefined);
  }

  private backoff(attempt: number): number {
    const first = this.options.firstRetryMs ?? 100;
    return Math.min(first * 2 ** attempt, this.options.maxRetryMs ?? 2000);
  }

  private schedule(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}

/** Settles like `promise`, or rejects (after calling `onTimeout`) if it has not settled within `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(new ProtocolError(message));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
