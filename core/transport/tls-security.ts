import * as net from 'node:net';
import * as tls from 'node:tls';
import { PeerInfo } from '../config/peer-info';
import { HANDSHAKE_HEADER, HANDSHAKE_LENGTH, decodeHandshake } from '../protocol/handshake';
import { ProtocolError } from '../protocol/protocol-error';
import { ConnectionSecurity, SecuredConnection, SecurityMismatchError } from './connection-security';
import { peerIdOfCertificate, TlsCredentials } from './tls-files';

const CLASSIC_HEADER = Buffer.from(HANDSHAKE_HEADER, 'ascii');
/** A fatal TLS alert (protocol_version): lets a classic peer that dialled us see that we speak TLS. */
const PROTOCOL_VERSION_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]);
/** OpenSSL's complaints when the bytes it reads are not TLS records at all. */
const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_UNKNOWN_PROTOCOL', 'ERR_SSL_RECORD_LENGTH_MISMATCH']);

/**
 * Mutual TLS with the swarm's CA: each side presents its peer certificate and
 * accepts only certificates the CA signed. The id the peer's certificate
 * names is handed on, and the transport checks it against the classic
 * handshake, so nobody can claim another peer's id.
 */
export class TlsSecurity implements ConnectionSecurity {
  readonly name = 'tls';
  private readonly options: tls.SecureContextOptions;
  private readonly context: tls.SecureContext;

  constructor(credentials: TlsCredentials) {
    this.options = { ca: credentials.ca, cert: credentials.cert, key: credentials.key, minVersion: 'TLSv1.2' };
    // Parses the PEM files now, so a broken key or certificate stops the peer at start.
    this.context = tls.createSecureContext(this.options);
  }

  inbound(raw: net.Socket): Promise<SecuredConnection> {
    return new Promise((resolve, reject) => {
      const onFirstData = (chunk: Buffer): void => {
        raw.off('error', onEarlyError);
        raw.off('close', onEarlyClose);
        raw.pause();
        if (startsLikeClassic(chunk)) {
          const who = chunk.length >= HANDSHAKE_LENGTH ? idOrUndefined(chunk.subarray(0, HANDSHAKE_LENGTH)) : undefined;
          raw.end(PROTOCOL_VERSION_ALERT);
          setTimeout(() => raw.destroy(), 1000).unref();
          reject(new SecurityMismatchError('connected without TLS: it does not run with --tls and this peer does', who));
          return;
        }
        raw.unshift(chunk);
        // A tls.Server that never listens: it only turns this socket into a verified TLSSocket.
        const server = tls.createServer({ ...this.options, requestCert: true, rejectUnauthorized: true });
        server.once('secureConnection', (socket: tls.TLSSocket) => {
          server.removeAllListeners('tlsClientError');
          settle(() => this.certified(socket), resolve, reject);
        });
        server.once('tlsClientError', (err: NodeJS.ErrnoException) => {
          raw.destroy();
          reject(new ProtocolError(`TLS handshake failed: ${tlsReason(err)}`));
        });
        server.emit('connection', raw);
      };
      const onEarlyError = (err: Error): void => {
        raw.off('data', onFirstData);
        reject(new ProtocolError(`socket error before TLS: ${err.message}`));
      };
      const onEarlyClose = (): void => {
        raw.off('data', onFirstData);
        reject(new ProtocolError('connection closed before TLS'));
      };
      raw.once('data', onFirstData);
      raw.once('error', onEarlyError);
      raw.once('close', onEarlyClose);
    });
  }

  outbound(raw: net.Socket, peer: PeerInfo): Promise<SecuredConnection> {
    return new Promise((resolve, reject) => {
      // Identity is the certificate's peer id, checked against the handshake: host names play no part.
      const socket = tls.connect({ socket: raw, secureContext: this.context, checkServerIdentity: () => undefined });
      const onError = (err: NodeJS.ErrnoException): void => {
        socket.destroy();
        if (err.code !== undefined && NOT_TLS_CODES.has(err.code)) {
          reject(new SecurityMismatchError('answered without TLS: it does not run with --tls and this peer does'));
        } else {
          reject(new ProtocolError(`TLS handshake with peer ${peer.id} failed: ${tlsReason(err)}`));
        }
      };
      socket.once('error', onError);
      socket.once('secureConnect', () => {
        socket.off('error', onError);
        settle(() => this.certified(socket), resolve, reject);
      });
    });
  }

  private certified(socket: tls.TLSSocket): SecuredConnection {
    const id = peerIdOfCertificate(socket.getPeerCertificate());
    if (id === undefined) {
      socket.destroy();
      throw new ProtocolError('its certificate names no peer id');
    }
    return { socket, certifiedId: id };
  }
}

function settle<T>(get: () => T, resolve: (value: T) => void, reject: (err: unknown) => void): void {
  try {
    resolve(get());
  } catch (err) {
    reject(err);
  }
}

function startsLikeClassic(chunk: Buffer): boolean {
  const n = Math.min(chunk.length, CLASSIC_HEADER.length);
  return n > 0 && chunk.subarray(0, n).equals(CLASSIC_HEADER.subarray(0, n));
}

function idOrUndefined(handshake: Buffer): number | undefined {
  try {
    return decodeHandshake(handshake);
  } catch {
    return undefined;
  }
}

/** OpenSSL messages carry a file and line; the reason is the part after "routines:". */
function tlsReason(err: NodeJS.ErrnoException): string {
  const m = /routines:[^:]*:([^:]+)/.exec(err.message);
  return m ? m[1]!.trim() : err.message;
}
