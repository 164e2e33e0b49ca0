import { expect } from 'chai';
import { expectThrown } from '../../helpers/expect-error';
import { decodeBody, encodeMessage, LENGTH_PREFIX_BYTES } from '../../../core/protocol/codec';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { Message, MESSAGE_NAMES, MessageType, msg } from '../../../core/protocol/messages';
import { ProtocolError } from '../../../core/protocol/protocol-error';

/** 10*1024+100 bytes in 1024-byte pieces: 11 pieces, the last one 100 bytes; bitfield is 2 bytes with 5 spare bits. */
const GEOMETRY = new PieceGeometry(10 * 1024 + 100, 1024);
const LAST = GEOMETRY.numPieces - 1;

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

function body(...bytes: number[]): Buffer {
  return Buffer.from(bytes);
}

function pattern(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function expectProtocolError(fn: () => unknown, message: string): ProtocolError {
  return expectThrown(fn, ProtocolError, message);
}

/** Encodes, checks the length prefix, strips it and decodes. */
function roundTrip(m: Message, geometry: PieceGeometry = GEOMETRY): Message {
  const frame = encodeMessage(m);
  expect(frame.length).to.be.at.least(LENGTH_PREFIX_BYTES + 1);
  expect(frame.readUInt32BE(0)).to.equal(frame.length - LENGTH_PREFIX_BYTES);
  return decodeBody(frame.subarray(LENGTH_PREFIX_BYTES), geometry);
}

describe('core/protocol/messages', () => {
  it('numbers the eight types 0..7 as in the spec', () => {
    expect(MessageType.Choke).to.equal(0);
    expect(MessageType.Unchoke).to.equal(1);
    expect(MessageType.Interested).to.equal(2);
    expect(MessageType.NotInterested).to.equal(3);
    expect(MessageType.Have).to.equal(4);
    expect(MessageType.Bitfield).to.equal(5);
    expect(MessageType.Request).to.equal(6);
    expect(MessageType.Piece).to.equal(7);
  });

  it('names every type as the classic log lines do', () => {
    expect(MESSAGE_NAMES).to.deep.equal({
      0: 'choke',
      1: 'unchoke',
      2: 'interested',
      3: 'not interested',
      4: 'have',
      5: 'bitfield',
      6: 'request',
      7: 'piece',
    });
  });

  it('shares one have per piece index (a value: the same bytes on the wire), and still makes odd ones', () => {
    expect(msg.have(9)).to.equal(msg.have(9));
    expect(msg.have(10)).to.deep.equal({ type: MessageType.Have, index: 10 });
    expect([...encodeMessage(msg.have(9))]).to.deep.equal([0, 0, 0, 5, 4, 0, 0, 0, 9]);
    // Out of the shared range: a fresh value, encoded all the same.
    expect(msg.have(2 ** 20)).to.deep.equal({ type: MessageType.Have, index: 2 ** 20 });
    expect(msg.have(-1).index).to.equal(-1);
  });

  it('builds message values with the msg helpers', () => {
    const bits = Uint8Array.of(0x80, 0);
    const data = Uint8Array.of(1, 2, 3);
    expect(msg.choke()).to.deep.equal({ type: MessageType.Choke });
    expect(msg.unchoke()).to.deep.equal({ type: MessageType.Unchoke });
    expect(msg.interested()).to.deep.equal({ type: MessageType.Interested });
    expect(msg.notInterested()).to.deep.equal({ type: MessageType.NotInterested });
    expect(msg.have(7)).to.deep.equal({ type: MessageType.Have, index: 7 });
    expect(msg.request(3)).to.deep.equal({ type: MessageType.Request, index: 3 });
    const bf = msg.bitfield(bits);
    expect(bf.type).to.equal(MessageType.Bitfield);
    expect(bf.bits).to.equal(bits);
    const piece = msg.piece(2, data);
    expect(piece.type).to.equal(MessageType.Piece);
    expect(piece.index).to.equal(2);
    expect(piece.data).to.equal(data);
  });
});

describe('core/protocol/geometry', () => {
  it('splits 10*1024+100 bytes into 11 pieces with a 100-byte last piece', () => {
    const g = new PieceGeometry(10 * 1024 + 100, 1024);
    expect(g.fileSize).to.equal(10340);
    expect(g.pieceSize).to.equal(1024);
    expect(g.numPieces).to.equal(11);
    for (let i = 0; i < 10; i++) {
      expect(g.lengthOf(i), `piece ${i}`).to.equal(1024);
      expect(g.offsetOf(i), `piece ${i}`).to.equal(i * 1024);
    }
    expect(g.lengthOf(10)).to.equal(100);
    expect(g.offsetOf(10)).to.equal(10240);
    expect(g.offsetOf(10) + g.lengthOf(10)).to.equal(g.fileSize);
    expect(g.bitfieldBytes).to.equal(2);
    expect(g.maxFrameLength).to.equal(1 + 4 + 1024);
  });

  it('gives a full-size last piece when the size divides evenly', () => {
    const g = new PieceGeometry(4096, 1024);
    expect(g.numPieces).to.equal(4);
    expect(g.lengthOf(3)).to.equal(1024);
    expect(g.bitfieldBytes).to.equal(1);
  });

  it('handles a file smaller than one piece', () => {
    const g = new PieceGeometry(10, 1024);
    expect(g.numPieces).to.equal(1);
    expect(g.lengthOf(0)).to.equal(10);
    expect(g.bitfieldBytes).to.equal(1);
  });

  it('uses the classic defaults: 20971520 / 16384 = 1280 pieces, 160-byte bitfield', () => {
    const g = new PieceGeometry(20971520, 16384);
    expect(g.numPieces).to.equal(1280);
    expect(g.lengthOf(1279)).to.equal(16384);
    expect(g.bitfieldBytes).to.equal(160);
    expect(g.maxFrameLength).to.equal(16389);
  });

  it('sizes bitfields as ceil(numPieces / 8)', () => {
    expect(new PieceGeometry(8, 1).bitfieldBytes).to.equal(1);
    expect(new PieceGeometry(9, 1).bitfieldBytes).to.equal(2);
    expect(new PieceGeometry(16, 1).bitfieldBytes).to.equal(2);
    expect(new PieceGeometry(17, 1).bitfieldBytes).to.equal(3);
  });

  it('keeps maxFrameLength large enough for the bitfield when pieces are tiny', () => {
    // 1000 pieces of 1 byte: the bitfield body (1 + 125) outgrows a piece body (1 + 4 + 1).
    const g = new PieceGeometry(1000, 1);
    expect(g.bitfieldBytes).to.equal(125);
    expect(g.maxFrameLength).to.be.at.least(1 + g.bitfieldBytes);
    expect(g.maxFrameLength).to.be.at.least(1 + 4 + g.pieceSize);
  });

  it('rejects sizes that are not positive integers', () => {
    expect(() => new PieceGeometry(0, 1024)).to.throw(RangeError, 'file size must be a positive integer, got 0');
    expect(() => new PieceGeometry(-5, 1024)).to.throw(RangeError, 'file size must be a positive integer, got -5');
    expect(() => new PieceGeometry(1.5, 1024)).to.throw(RangeError, 'file size must be a positive integer, got 1.5');
    expect(() => new PieceGeometry(Number.NaN, 1024)).to.throw(RangeError, 'file size must be a positive integer, got NaN');
    expect(() => new PieceGeometry(1024, 0)).to.throw(RangeError, 'piece size must be a positive integer, got 0');
    expect(() => new PieceGeometry(1024, -1)).to.throw(RangeError, 'piece size must be a positive integer, got -1');
    expect(() => new PieceGeometry(1024, 2.5)).to.throw(RangeError, 'piece size must be a positive integer, got 2.5');
    expect(() => new PieceGeometry(1024, Infinity)).to.throw(RangeError, 'piece size must be a positive integer, got Infinity');
  });
});

describe('core/protocol/codec encodeMessage: exact bytes', () => {
  it('encodes the four payload-less messages as length 1 + type', () => {
    expect(hex(encodeMessage(msg.choke()))).to.equal('0000000100');
    expect(hex(encodeMessage(msg.unchoke()))).to.equal('0000000101');
    expect(hex(encodeMessage(msg.interested()))).to.equal('0000000102');
    expect(hex(encodeMessage(msg.notInterested()))).to.equal('0000000103');
  });

  it('encodes have 5 as 00 00 00 05 04 00 00 00 05 (the length counts the type byte)', () => {
    expect([...encodeMessage(msg.have(5))]).to.deep.equal([0, 0, 0, 5, 4, 0, 0, 0, 5]);
  });

  it('encodes request with a big-endian 4-byte index', () => {
    expect(hex(encodeMessage(msg.request(0x01020304)))).to.equal('00000005' + '06' + '01020304');
    expect(hex(encodeMessage(msg.request(0xffffffff)))).to.equal('00000005' + '06' + 'ffffffff');
    expect(hex(encodeMessage(msg.have(258)))).to.equal('00000005' + '04' + '00000102');
  });

  it('encodes bitfield as length 1 + n, type 5, the raw bytes', () => {
    expect(hex(encodeMessage(msg.bitfield(Uint8Array.of(0xff, 0xe0))))).to.equal('00000003' + '05' + 'ffe0');
    expect(hex(encodeMessage(msg.bitfield(Uint8Array.of(0x80))))).to.equal('00000002' + '05' + '80');
  });

  it('encodes piece as length 5 + data, type 7, big-endian index, data', () => {
    const data = Uint8Array.of(0xde, 0xad, 0xbe, 0xef);
    expect(hex(encodeMessage(msg.piece(10, data)))).to.equal('00000009' + '07' + '0000000a' + 'deadbeef');
  });

  it('encodes a full 1024-byte piece with length 1029', () => {
    const data = pattern(1024, 3);
    const frame = encodeMessage(msg.piece(2, data));
    expect(frame.length).to.equal(4 + 1 + 4 + 1024);
    expect(hex(frame.subarray(0, 9))).to.equal('00000405' + '07' + '00000002');
    expect(frame.subarray(9).equals(data)).to.equal(true);
  });

  it('encodes the bitfield/piece bytes of a Uint8Array that is a view into a larger buffer', () => {
    const backing = Uint8Array.of(9, 9, 0xaa, 0xbb, 9);
    const view = backing.subarray(2, 4);
    expect(hex(encodeMessage(msg.bitfield(view)))).to.equal('00000003' + '05' + 'aabb');
    expect(hex(encodeMessage(msg.piece(1, view)))).to.equal('00000007' + '07' + '00000001' + 'aabb');
  });
});

describe('core/protocol/codec round trip', () => {
  it('round-trips choke, unchoke, interested, not interested', () => {
    expect(roundTrip(msg.choke())).to.deep.equal({ type: MessageType.Choke });
    expect(roundTrip(msg.unchoke())).to.deep.equal({ type: MessageType.Unchoke });
    expect(roundTrip(msg.interested())).to.deep.equal({ type: MessageType.Interested });
    expect(roundTrip(msg.notInterested())).to.deep.equal({ type: MessageType.NotInterested });
  });

  it('round-trips have and request for every valid index', () => {
    for (let i = 0; i < GEOMETRY.numPieces; i++) {
      expect(roundTrip(msg.have(i))).to.deep.equal({ type: MessageType.Have, index: i });
      expect(roundTrip(msg.request(i))).to.deep.equal({ type: MessageType.Request, index: i });
    }
  });

  it('round-trips bitfields: empty, full, and a mixed pattern', () => {
    for (const bytes of [[0x00, 0x00], [0xff, 0xe0], [0xa5, 0x40], [0x01, 0x20], [0x80, 0x00]]) {
      const decoded = roundTrip(msg.bitfield(Uint8Array.from(bytes)));
      expect(decoded.type).to.equal(MessageType.Bitfield);
      if (decoded.type !== MessageType.Bitfield) return;
      expect([...decoded.bits]).to.deep.equal(bytes);
    }
  });

  it('round-trips a full-size piece and the short last piece', () => {
    const full = pattern(1024, 7);
    const decoded = roundTrip(msg.piece(3, full));
    expect(decoded.type).to.equal(MessageType.Piece);
    if (decoded.type !== MessageType.Piece) return;
    expect(decoded.index).to.equal(3);
    expect(Buffer.from(decoded.data).equals(full)).to.equal(true);

    const last = pattern(100, 11);
    const decodedLast = roundTrip(msg.piece(LAST, last));
    expect(decodedLast.type).to.equal(MessageType.Piece);
    if (decodedLast.type !== MessageType.Piece) return;
    expect(decodedLast.index).to.equal(10);
    expect(decodedLast.data.length).to.equal(100);
    expect(Buffer.from(decodedLast.data).equals(last)).to.equal(true);
  });

  it('round-trips every piece of a file whose size divides evenly', () => {
    const g = new PieceGeometry(4 * 16, 16);
    for (let i = 0; i < g.numPieces; i++) {
      const data = pattern(16, i);
      const decoded = roundTrip(msg.piece(i, data), g);
      if (decoded.type !== MessageType.Piece) throw new Error('not a piece');
      expect(decoded.index).to.equal(i);
      expect(Buffer.from(decoded.data).equals(data)).to.equal(true);
    }
  });

  it('decodes a bitfield into a copy that does not alias the frame', () => {
    const frame = body(5, 0xff, 0xe0);
    const decoded = decodeBody(frame, GEOMETRY);
    if (decoded.type !== MessageType.Bitfield) throw new Error('not a bitfield');
    frame[1] = 0;
    expect([...decoded.bits]).to.deep.equal([0xff, 0xe0]);
  });

  it('decodes a body that is a view into a larger buffer (as FrameReader delivers)', () => {
    const stream = Buffer.concat([encodeMessage(msg.have(1)), encodeMessage(msg.request(9))]);
    const second = stream.subarray(9 + 4);
    expect(decodeBody(second, GEOMETRY)).to.deep.equal({ type: MessageType.Request, index: 9 });
    const first = stream.subarray(4, 9);
    expect(decodeBody(first, GEOMETRY)).to.deep.equal({ type: MessageType.Have, index: 1 });
  });
});

describe('core/protocol/codec decodeBody: protocol violations', () => {
  it('rejects an empty frame', () => {
    expectProtocolError(() => decodeBody(Buffer.alloc(0), GEOMETRY), 'empty frame');
  });

  it('rejects unknown message types 8..255', () => {
    expectProtocolError(() => decodeBody(body(8), GEOMETRY), 'unknown message type 8');
    expectProtocolError(() => decodeBody(body(9, 0, 0, 0, 1), GEOMETRY), 'unknown message type 9');
    expectProtocolError(() => decodeBody(body(20), GEOMETRY), 'unknown message type 20');
    expectProtocolError(() => decodeBody(body(255), GEOMETRY), 'unknown message type 255');
    for (let t = 8; t <= 255; t++) {
      expect(() => decodeBody(body(t), GEOMETRY)).to.throw(ProtocolError, `unknown message type ${t}`);
    }
  });

  it('rejects a payload on choke, unchoke, interested, not interested', () => {
    expectProtocolError(() => decodeBody(body(0, 0), GEOMETRY), 'choke payload must be 0 bytes, got 1');
    expectProtocolError(() => decodeBody(body(1, 0, 0), GEOMETRY), 'unchoke payload must be 0 bytes, got 2');
    expectProtocolError(() => decodeBody(body(2, 0, 0, 0, 0), GEOMETRY), 'interested payload must be 0 bytes, got 4');
    expectProtocolError(() => decodeBody(body(3, 1), GEOMETRY), 'not interested payload must be 0 bytes, got 1');
  });

  it('rejects have and request whose payload is not exactly 4 bytes', () => {
    expectProtocolError(() => decodeBody(body(4), GEOMETRY), 'have payload must be 4 bytes, got 0');
    expectProtocolError(() => decodeBody(body(4, 0, 0, 1), GEOMETRY), 'have payload must be 4 bytes, got 3');
    expectProtocolError(() => decodeBody(body(4, 0, 0, 0, 1, 0), GEOMETRY), 'have payload must be 4 bytes, got 5');
    expectProtocolError(() => decodeBody(body(6), GEOMETRY), 'request payload must be 4 bytes, got 0');
    expectProtocolError(() => decodeBody(body(6, 0, 0, 0), GEOMETRY), 'request payload must be 4 bytes, got 3');
    expectProtocolError(() => decodeBody(body(6, 0, 0, 0, 0, 0, 0, 0, 0), GEOMETRY), 'request payload must be 4 bytes, got 8');
  });

  it('rejects have and request for a piece index out of range', () => {
    expect(decodeBody(body(4, 0, 0, 0, 10), GEOMETRY)).to.deep.equal({ type: MessageType.Have, index: 10 });
    expectProtocolError(() => decodeBody(body(4, 0, 0, 0, 11), GEOMETRY), 'have for piece 11, but there are only 11 pieces');
    expectProtocolError(() => decodeBody(body(4, 0xff, 0xff, 0xff, 0xff), GEOMETRY), 'have for piece 4294967295, but there are only 11 pieces');
    expectProtocolError(() => decodeBody(body(4, 0x80, 0, 0, 0), GEOMETRY), 'have for piece 2147483648, but there are only 11 pieces');
    expect(decodeBody(body(6, 0, 0, 0, 10), GEOMETRY)).to.deep.equal({ type: MessageType.Request, index: 10 });
    expectProtocolError(() => decodeBody(body(6, 0, 0, 0, 11), GEOMETRY), 'request for piece 11, but there are only 11 pieces');
    expectProtocolError(() => decodeBody(body(6, 0, 0, 1, 0), GEOMETRY), 'request for piece 256, but there are only 11 pieces');
  });

  it('rejects a bitfield of the wrong length', () => {
    expectProtocolError(() => decodeBody(body(5), GEOMETRY), 'bitfield payload must be 2 bytes, got 0');
    expectProtocolError(() => decodeBody(body(5, 0xff), GEOMETRY), 'bitfield payload must be 2 bytes, got 1');
    expectProtocolError(() => decodeBody(body(5, 0xff, 0xe0, 0x00), GEOMETRY), 'bitfield payload must be 2 bytes, got 3');
  });

  it('rejects a bitfield that sets any spare bit past the last piece', () => {
    // 11 pieces: piece 10 is 0x20 of byte 1; 0x10, 0x08, 0x04, 0x02, 0x01 are spare.
    expect(decodeBody(body(5, 0x00, 0x20), GEOMETRY).type).to.equal(MessageType.Bitfield);
    for (const spare of [0x10, 0x08, 0x04, 0x02, 0x01, 0x1f]) {
      expectProtocolError(() => decodeBody(body(5, 0xff, 0xe0 | spare), GEOMETRY), 'bitfield sets spare bits past the last piece');
      expectProtocolError(() => decodeBody(body(5, 0x00, spare), GEOMETRY), 'bitfield sets spare bits past the last piece');
    }
  });

  it('rejects a low-bit-first bitfield (a common bug elsewhere) for a single-piece file', () => {
    const g = new PieceGeometry(10, 1024);
    expect(decodeBody(body(5, 0x80), g).type).to.equal(MessageType.Bitfield);
    expectProtocolError(() => decodeBody(body(5, 0x01), g), 'bitfield sets spare bits past the last piece');
  });

  it('accepts every bit set when the piece count is a multiple of 8 (no spare bits)', () => {
    const g = new PieceGeometry(16 * 4, 4);
    expect(g.numPieces).to.equal(16);
    const decoded = decodeBody(body(5, 0xff, 0xff), g);
    if (decoded.type !== MessageType.Bitfield) throw new Error('not a bitfield');
    expect([...decoded.bits]).to.deep.equal([0xff, 0xff]);
    expectProtocolError(() => decodeBody(body(5, 0xff, 0xff, 0x00), g), 'bitfield payload must be 2 bytes, got 3');
  });

  it('rejects a piece whose payload cannot hold the 4-byte index', () => {
    expectProtocolError(() => decodeBody(body(7), GEOMETRY), 'piece payload must hold a 4-byte index, got 0 bytes');
    expectProtocolError(() => decodeBody(body(7, 0, 0, 0), GEOMETRY), 'piece payload must hold a 4-byte index, got 3 bytes');
  });

  it('rejects a piece for an index out of range', () => {
    const frame = encodeMessage(msg.piece(11, Buffer.alloc(1024)));
    expectProtocolError(() => decodeBody(frame.subarray(4), GEOMETRY), 'piece for piece 11, but there are only 11 pieces');
    const huge = encodeMessage(msg.piece(0xffffffff, Buffer.alloc(100)));
    expectProtocolError(() => decodeBody(huge.subarray(4), GEOMETRY), 'piece for piece 4294967295, but there are only 11 pieces');
  });

  it('rejects a full-size piece with the wrong data length', () => {
    const short = encodeMessage(msg.piece(0, Buffer.alloc(1023)));
    expectProtocolError(() => decodeBody(short.subarray(4), GEOMETRY), 'piece 0 must carry 1024 bytes, got 1023');
    const long = encodeMessage(msg.piece(9, Buffer.alloc(1025)));
    expectProtocolError(() => decodeBody(long.subarray(4), GEOMETRY), 'piece 9 must carry 1024 bytes, got 1025');
    const empty = encodeMessage(msg.piece(4, Buffer.alloc(0)));
    expectProtocolError(() => decodeBody(empty.subarray(4), GEOMETRY), 'piece 4 must carry 1024 bytes, got 0');
    const lastSized = encodeMessage(msg.piece(9, Buffer.alloc(100)));
    expectProtocolError(() => decodeBody(lastSized.subarray(4), GEOMETRY), 'piece 9 must carry 1024 bytes, got 100');
  });

  it('accepts the short last piece at exactly 100 bytes and rejects it at full size or off by one', () => {
    const ok = decodeBody(encodeMessage(msg.piece(LAST, Buffer.alloc(100, 1))).subarray(4), GEOMETRY);
    if (ok.type !== MessageType.Piece) throw new Error('not a piece');
    expect(ok.index).to.equal(10);
    expect(ok.data.length).to.equal(100);
    expect([...ok.data].every((b) => b === 1)).to.equal(true);

    const full = encodeMessage(msg.piece(LAST, Buffer.alloc(1024)));
    expectProtocolError(() => decodeBody(full.subarray(4), GEOMETRY), 'piece 10 must carry 100 bytes, got 1024');
    const short = encodeMessage(msg.piece(LAST, Buffer.alloc(99)));
    expectProtocolError(() => decodeBody(short.subarray(4), GEOMETRY), 'piece 10 must carry 100 bytes, got 99');
    const long = encodeMessage(msg.piece(LAST, Buffer.alloc(101)));
    expectProtocolError(() => decodeBody(long.subarray(4), GEOMETRY), 'piece 10 must carry 100 bytes, got 101');
  });
});
