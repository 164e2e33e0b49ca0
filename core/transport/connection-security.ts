import * as net from 'node:net';
import { PeerInfo } from '../config/peer-info';
import { PeerId } from '../events';
import { ProtocolError } from '../protocol/protocol-error';

/** A connection ready for the classic handshake, and the peer id its certificate proved (TLS only). */
export interface SecuredConnection {
  readonly socket: net.Socket;
  readonly certifiedId?: PeerId;
}

/**
 * How a fresh TCP connection becomes the byte stream the classic protocol
 * runs on: as it is, or inside mutual TLS. The transport's framing, handshake
 * and backpressure code is the same for both; only this step differs.
 */
export interface ConnectionSecurity {
  /** 'plain' or 'tls': what this peer speaks, for messages. */
  readonly name: string;
  /** An accepted connection. Rejects (ProtocolError) when the other side cannot be trusted or speaks the other mode. */
  inbound(raw: net.Socket): Promise<SecuredConnection>;
  /** A connection we dialled to `peer`. */
  outbound(raw: net.Socket, peer: PeerInfo): Promise<SecuredConnection>;
}

export const PLAIN_SECURITY: ConnectionSecurity = {
  name: 'plain',
  inbound: (socket) => Promise.resolve({ socket }),
  outbound: (socket) => Promise.resolve({ socket }),
};

/**
 * The two sides of a connection disagree on TLS (one runs with --tls, the
 * other without). Retrying cannot help, so a dialler does not redial.
 */
export class SecurityMismatchError extends ProtocolError {
  /** `detail` says what the other side did ("answered without TLS: ..."); the transport names who. */
  constructor(
    detail: string,
    /** The id the other side's classic handshake claimed, when it sent one. */
    readonly claimedId?: PeerId,
  ) {
    super(detail);
  }
}

/**
 * Whether the first bytes of a stream are a TLS record (a ClientHello or an
 * alert, version 3.x). The classic handshake starts with 'P' (0x50), so this
 * never mistakes a classic peer for a TLS one.
 */
export function looksLikeTls(firstBytes: Uint8Array): boolean {
  const type = firstBytes[0];
  if (type !== 0x15 && type !== 0x16) return false;
  return firstBytes.length < 2 || firstBytes[1] === 0x03;
}
