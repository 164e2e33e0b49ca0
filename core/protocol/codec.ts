import { Bitfield } from '../bitfield';
import { PieceGeometry } from './geometry';
import { Message, MessageType } from './messages';
import { ProtocolError } from './protocol-error';

export const LENGTH_PREFIX_BYTES = 4;

/** Bytes of a frame's body: the type byte and the payload (what the length prefix counts). */
export function bodyLength(m: Message): number {
  switch (m.type) {
    case MessageType.Have:
    case MessageType.Request:
      return 5;
    case MessageType.Bitfield:
      return 1 + m.bits.length;
    case MessageType.Piece:
      return 5 + m.data.length;
    default:
      return 1;
  }
}

/** Bytes a message takes on the wire: the 4-byte length prefix and the body. Allocation-free (a simulator sizes every message). */
export function frameSize(m: Message): number {
  return LENGTH_PREFIX_BYTES + bodyLength(m);
}

/** Encodes a message as a whole frame: 4-byte length (type byte + payload), type, payload. */
export function encodeMessage(m: Message): Buffer {
  const buf = Buffer.allocUnsafe(LENGTH_PREFIX_BYTES + bodyLength(m));
  buf.writeUInt32BE(buf.length - LENGTH_PREFIX_BYTES, 0);
  buf.writeUInt8(m.type, 4);
  switch (m.type) {
    case MessageType.Have:
    case MessageType.Request:
      buf.writeUInt32BE(m.index, 5);
      break;
    case MessageType.Bitfield:
      buf.set(m.bits, 5);
      break;
    case MessageType.Piece:
      buf.writeUInt32BE(m.index, 5);
      buf.set(m.data, 9);
      break;
    default:
      break;
  }
  return buf;
}

/** The 9 bytes before a piece's data, so a sender can write header and data without copying the data. */
export function encodePieceHeader(index: number, dataLength: number): Buffer {
  const buf = Buffer.allocUnsafe(9);
  buf.writeUInt32BE(5 + dataLength, 0);
  buf.writeUInt8(MessageType.Piece, 4);
  buf.writeUInt32BE(index, 5);
  return buf;
}



/**
 * Decodes one frame body (type byte + payload, without the length prefix) and
 * checks it against the file's geometry. Throws ProtocolError on anything a
 * correct peer would never send.
 */
export function decodeBody(body: Buffer, geometry: PieceGeometry): Message {
  if (body.length === 0) throw new ProtocolError('empty frame');
  const type = body[0]!;
  const payloadLength = body.length - 1;
  const expectSize = (n: number, name: string): void => {
    if (payloadLength !== n) throw new ProtocolError(`${name} payload must be ${n} bytes, got ${payloadLength}`);
  };
  const readIndex = (name: string): number => {
    const index = body.readUInt32BE(1);
    if (index >= geometry.numPieces) throw new ProtocolError(`${name} for piece ${index}, but there are only ${geometry.numPieces} pieces`);
    return index;
  };
  switch (type) {
    case MessageType.Choke:
    case MessageType.Unchoke:
    case MessageType.Interested:
    case MessageType.NotInterested:
      expectSize(0, typeName(type));
      return { type } as Message;
    case MessageType.Have:
    case MessageType.Request:
      expectSize(4, typeName(type));
      return { type, index: readIndex(typeName(type)) } as Message;
    case MessageType.Bitfield: {
      expectSize(geometry.bitfieldBytes, 'bitfield');
      const bits = body.subarray(1);
      if (Bitfield.hasSpareBitsSet(bits, geometry.numPieces)) throw new ProtocolError('bitfield sets spare bits past the last piece');
      return { type: MessageType.Bitfield, bits: Uint8Array.prototype.slice.call(bits) };
    }
    case MessageType.Piece: {
      if (payloadLength < 4) throw new ProtocolError(`piece payload must hold a 4-byte index, got ${payloadLength} bytes`);
      const index = readIndex('piece');
      const expected = geometry.lengthOf(index);
      if (payloadLength - 4 !== expected) {
        throw new ProtocolError(`piece ${index} must carry ${expected} bytes, got ${payloadLength - 4}`);
      }
      return { type: MessageType.Piece, index, data: body.subarray(5) };
    }
    default:
      throw new ProtocolError(`unknown message type ${type}`);
  }
}

function typeName(type: MessageType): string {
  return ['choke', 'unchoke', 'interested', 'not interested', 'have', 'bitfield', 'request', 'piece'][type]!;
}
