import { encodeMessage } from '../../core/protocol/codec';
import { PieceGeometry } from '../../core/protocol/geometry';
import { encodeHandshake } from '../../core/protocol/handshake';
import { msg } from '../../core/protocol/messages';
import { Random } from '../../core/util/random';

/** One frame of the fuzz stream. */
export interface HostileFrame {
  readonly bytes: Buffer;
  /** What kind of frame it is, for the tally. */
  readonly kind: FrameKind;
  /**
   * A correct peer must close the connection on it (or the bytes after it no
   * longer line up as frames): nothing more is sent on this connection.
   */
  readonly last: boolean;
}

export type FrameKind = 'valid' | 'flood' | 'field-off' | 'length-off' | 'huge-length' | 'truncated' | 'garbage';

/**
 * Makes the frames a hostile neighbour sends: valid messages in any order
 * (choke games, haves and bitfields for anything, pieces nobody asked for),
 * floods of requests for pieces the peer has and has not, and now and then a
 * message with one field off, a wrong or huge length, a frame cut short, or
 * noise. Valid pieces carry the file's true bytes (`pieceBytes`), so whatever
 * the peer accepts from the fuzzer is still the right data.
 */
export class HostileFrames {
  constructor(
    private readonly geometry: PieceGeometry,
    private readonly random: Random,
    private readonly pieceBytes: (index: number) => Buffer,
    /** Share of frames that end the connection. */
    private readonly lastShare = 0.02,
  ) {}

  next(): HostileFrame {
    const r = this.random;
    if (r.next() < this.lastShare) return this.breaking();
    if (r.next() < 0.004) return { bytes: this.requestFlood(), kind: 'flood', last: false };
    return { bytes: encodeMessage(this.validMessage()), kind: 'valid', last: false };
  }

  /** How many frames `next()` returned in a flood count as: one request each. */
  static framesIn(frame: HostileFrame): number {
    return frame.kind === 'flood' ? frame.bytes.length / 9 : 1;
  }

  /** A handshake that must be refused, for the connections that test the handshake. */
  badHandshake(selfId: number, unknownId: number): Buffer {
    const h = encodeHandshake(unknownId);
    switch (this.random.int(5)) {
      case 0:
        return h; // an id not in the peer file
      case 1:
        return encodeHandshake(selfId); // the peer's own id
      case 2:
        h[this.random.int(18)] ^= 1 + this.random.int(255); // the header
        return h;
      case 3:
        h[18 + this.random.int(10)] = 1 + this.random.int(255); // the zero padding
        return h;
      default:
        return h.subarray(0, this.random.int(32)); // cut short, then the connection ends
    }
  }

  private validMessage() {
    const r = this.random;
    const index = r.int(this.geometry.numPieces);
    switch (r.int(9)) {
      case 0:
        return msg.choke();
      case 1:
        return msg.unchoke();
      case 2:
        return msg.interested();
      case 3:
        return msg.notInterested();
      case 4:
      case 5:
        return msg.have(index);
      case 6:
        return msg.bitfield(this.randomBits());
      case 7:
        return msg.request(index);
      default:
        return msg.piece(index, this.pieceBytes(index));
    }
  }

  private requestFlood(): Buffer {
    const count = 50 + this.random.int(250);
    const out = Buffer.allocUnsafe(count * 9);
    for (let i = 0; i < count; i++) encodeMessage(msg.request(this.random.int(this.geometry.numPieces))).copy(out, i * 9);
    return out;
  }

  private randomBits(): Uint8Array {
    const { numPieces, bitfieldBytes } = this.geometry;
    const bits = new Uint8Array(bitfieldBytes);
    const density = this.random.next();
    for (let i = 0; i < numPieces; i++) if (this.random.next() < density) bits[i >> 3]! |= 0x80 >> (i & 7);
    return bits;
  }

  private breaking(): HostileFrame {
    const r = this.random;
    const g = this.geometry;
    switch (r.int(5)) {
      case 0:
        return { bytes: this.fieldOff(), kind: 'field-off', last: true };
      case 1: {
        const f = encodeMessage(this.validMessage());
        f.writeUInt32BE(Math.max(1, f.readUInt32BE(0) + (r.next() < 0.5 ? -1 : 1) * (1 + r.int(3))), 0);
        return { bytes: f, kind: 'length-off', last: true };
      }
      case 2: {
        const f = encodeMessage(this.validMessage());
        f.writeUInt32BE(r.pick([0, g.maxFrameLength + 1, g.maxFrameLength + 1 + r.int(1 << 20), 0x7fffffff, 0xffffffff]), 0);
        return { bytes: f, kind: 'huge-length', last: true };
      }
      case 3: {
        const f = encodeMessage(this.validMessage());
        return { bytes: f.subarray(0, r.int(f.length)), kind: 'truncated', last: true };
      }
      default: {
        const noise = Buffer.allocUnsafe(1 + r.int(64));
        for (let i = 0; i < noise.length; i++) noise[i] = r.int(256);
        return { bytes: noise, kind: 'garbage', last: true };
      }
    }
  }

  /** A valid message with exactly one field wrong. */
  private fieldOff(): Buffer {
    const r = this.random;
    const g = this.geometry;
    const index = r.int(g.numPieces);
    switch (r.int(8)) {
      case 0: {
        const f = encodeMessage(msg.have(0));
        f.writeUInt32BE(g.numPieces + r.int(1000), 5); // index past the last piece
        return f;
      }
      case 1: {
        const f = encodeMessage(msg.request(0));
        f.writeUInt32BE(r.pick([g.numPieces, 0x7fffffff, 0xffffffff]), 5);
        return f;
      }
      case 2: {
        // a bitfield one byte short or long
        const bits = new Uint8Array(Math.max(0, g.bitfieldBytes + (r.next() < 0.5 ? -1 : 1)));
        return encodeMessage(msg.bitfield(bits));
      }
      case 3: {
        const spare = g.bitfieldBytes * 8 - g.numPieces;
        const bits = this.randomBits();
        // a spare bit set (or, when there are none, a byte too many)
        if (spare === 0) return encodeMessage(msg.bitfield(Uint8Array.from([...bits, 0])));
        bits[bits.length - 1]! |= 1 << r.int(spare);
        return encodeMessage(msg.bitfield(bits));
      }
      case 4: {
        // a piece one byte short or long
        const data = this.pieceBytes(index);
        return encodeMessage(msg.piece(index, r.next() < 0.5 ? data.subarray(0, data.length - 1) : Buffer.concat([data, Buffer.from([0])])));
      }
      case 5: {
        const f = encodeMessage(msg.piece(index, this.pieceBytes(index)));
        f.writeUInt32BE(g.numPieces + r.int(1 << 16), 5); // a piece for a piece that does not exist
        return f;
      }
      case 6: {
        // a message without payload that carries one
        const f = Buffer.from([0, 0, 0, 2, r.int(4), r.int(256)]);
        return f;
      }
      default: {
        // an unknown type
        const f = encodeMessage(msg.have(index));
        f[4] = 8 + r.int(248);
        return f;
      }
    }
  }
}

export const FRAME_KINDS: readonly FrameKind[] = ['valid', 'flood', 'field-off', 'length-off', 'huge-length', 'truncated', 'garbage'];
