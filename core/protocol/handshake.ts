import { ProtocolError } from './protocol-error';

export const HANDSHAKE_HEADER = 'P2PFILESHARINGPROJ';
export const HANDSHAKE_LENGTH = 32;
const HEADER_BYTES = Buffer.from(HANDSHAKE_HEADER, 'ascii');

export function encodeHandshake(peerId: number): Buffer {
  const buf = Buffer.alloc(HANDSHAKE_LENGTH);
  HEADER_BYTES.copy(buf, 0);
  buf.writeUInt32BE(peerId, 28);
  return buf;
}

/** Parses exactly 32 bytes; returns the sender's peer id. */
export function decodeHandshake(buf: Uint8Array): number {
  if (buf.length !== HANDSHAKE_LENGTH) throw new ProtocolError(`handshake must be ${HANDSHAKE_LENGTH} bytes, got ${buf.length}`);
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  if (!b.subarray(0, 18).equals(HEADER_BYTES)) {
    throw new ProtocolError(`bad handshake header ${JSON.stringify(b.subarray(0, 18).toString('latin1'))}`);
  }
  for (let i = 18; i < 28; i++) {
    if (b[i] !== 0) throw new ProtocolError(`handshake byte ${i} must be zero, got ${b[i]}`);
  }
  return b.readUInt32BE(28);
}
