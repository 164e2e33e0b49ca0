import { expect } from 'chai';
import fc from 'fast-check';
import { decodeBody, encodeMessage, encodePieceHeader } from '../../../core/protocol/codec';
import { FrameReader } from '../../../core/protocol/frame-reader';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { decodeHandshake, encodeHandshake, HANDSHAKE_LENGTH } from '../../../core/protocol/handshake';
import { Message, MessageType } from '../../../core/protocol/messages';
import { ProtocolError } from '../../../core/protocol/protocol-error';

/**
 * Property tests over everything that reads remote bytes: whatever arrives,
 * however TCP splits it, the reader either yields the same messages as for
 * the unsplit stream or stops with a ProtocolError, never another exception.
 */

const RUNS = { numRuns: 300 };

const geometryArb = fc
  .record({ fileSize: fc.integer({ min: 1, max: 5000 }), pieceSize: fc.integer({ min: 1, max: 1500 }) })
  .map(({ fileSize, pieceSize }) => new PieceGeometry(fileSize, pieceSize));

/** A message a correct peer could send for this geometry. */
function messageArb(g: PieceGeometry): fc.Arbitrary<Message> {
  const index = fc.integer({ min: 0, max: g.numPieces - 1 });
  const bits = fc.array(fc.boolean(), { minLength: g.numPieces, maxLength: g.numPieces }).map((flags) => {
    const out = new Uint8Array(g.bitfieldBytes);
    flags.forEach((on, i) => {
      if (on) out[i >> 3]! |= 0x80 >> (i & 7);
    });
    return out;
  });
  return fc.oneof(
    fc.constantFrom<Message>({ type: MessageType.Choke }, { type: MessageType.Unchoke }, { type: MessageType.Interested }, { type: MessageType.NotInterested }),
    index.map((i): Message => ({ type: MessageType.Have, index: i })),
    index.map((i): Message => ({ type: MessageType.Request, index: i })),
    bits.map((b): Message => ({ type: MessageType.Bitfield, bits: b })),
    index.chain((i) => fc.uint8Array({ minLength: g.lengthOf(i), maxLength: g.lengthOf(i) }).map((data): Message => ({ type: MessageType.Piece, index: i, data }))),
  );
}

/** A frame as it may arrive from a hostile peer: valid, or valid with one thing off, or noise. */
function hostileFrameArb(g: PieceGeometry): fc.Arbitrary<Buffer> {
  const valid = messageArb(g).map((m) => encodeMessage(m));
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    // one byte flipped anywhere (length field, type, index or payload)
    { weight: 2, arbitrary: fc.tuple(valid, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([f, at, x]) => withByte(f, at % f.length, f[at % f.length]! ^ x)) },
    // the length field off by a little
    { weight: 1, arbitrary: fc.tuple(valid, fc.integer({ min: -3, max: 3 })).map(([f, d]) => withLength(f, f.readUInt32BE(0) + d)) },
    // a huge or impossible length
    { weight: 1, arbitrary: fc.tuple(valid, fc.constantFrom(0, g.maxFrameLength + 1, 0x7fffffff, 0xffffffff)).map(([f, n]) => withLength(f, n)) },
    // cut short
    { weight: 1, arbitrary: fc.tuple(valid, fc.nat()).map(([f, n]) => f.subarray(0, n % f.length)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)) },
  );
}

function handshakeArb(): fc.Arbitrary<Buffer> {
  const good = fc.nat().map((id) => encodeHandshake(id));
  return fc.oneof(
    { weight: 3, arbitrary: good },
    { weight: 1, arbitrary: fc.tuple(good, fc.integer({ min: 0, max: HANDSHAKE_LENGTH - 1 }), fc.integer({ min: 1, max: 255 })).map(([h, at, x]) => withByte(h, at, h[at]! ^ x)) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: HANDSHAKE_LENGTH, maxLength: HANDSHAKE_LENGTH }).map((b) => Buffer.from(b)) },
  );
}

const hostileStreamArb = geometryArb.chain((g) =>
  fc.record({
    geometry: fc.constant(g),
    bytes: fc.tuple(handshakeArb(), fc.array(hostileFrameArb(g), { maxLength: 12 })).map(([h, frames]) => Buffer.concat([h, ...frames])),
  }),
);

/** Split points inside a buffer of `length` bytes: the chunk boundaries TCP might choose. */
function chunked(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
}

interface Outcome {
  readonly peerId?: number;
  readonly messages: Message[];
  /** The ProtocolError's message, if the stream was rejected. */
  readonly error?: string;
  readonly pending: number;
}

/** What a connection would make of these chunks, as the TCP link does it: handshake, then decoded frames. */
function read(chunks: readonly Buffer[], g: PieceGeometry): Outcome {
  const reader = new FrameReader(g.maxFrameLength);
  const messages: Message[] = [];
  let peerId: number | undefined;
  try {
    for (const chunk of chunks) {
      reader.push(
        // The reader may keep a reference to the chunk: hand it a copy, as a socket hands fresh buffers.
        Buffer.from(chunk),
        (hs) => (peerId = decodeHandshake(hs)),
        (body) => messages.push(copyMessage(decodeBody(body, g))),
      );
    }
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw new Error(`not a ProtocolError: ${String(err)}`);
    return { peerId, messages, error: err.message, pending: -1 };
  }
  return { peerId, messages, pending: reader.pendingBytes };
}

function copyMessage(m: Message): Message {
  if (m.type === MessageType.Piece) return { ...m, data: Uint8Array.from(m.data) };
  if (m.type === MessageType.Bitfield) return { ...m, bits: Uint8Array.from(m.bits) };
  return m;
}

function withByte(buf: Buffer, at: number, value: number): Buffer {
  const out = Buffer.from(buf);
  out[at] = value;
  return out;
}

function withLength(frame: Buffer, length: number): Buffer {
  const out = Buffer.from(frame);
  out.writeUInt32BE(length >>> 0, 0);
  return out;
}

describe('wire properties (fast-check)', function () {
  this.timeout(60000);

  it('encode then decode gives back every message of every type', () => {
    fc.assert(
      fc.property(geometryArb.chain((g) => fc.tuple(fc.constant(g), messageArb(g))), ([g, m]) => {
        const frame = encodeMessage(m);
        expect(frame.readUInt32BE(0)).to.equal(frame.length - 4);
        expect(copyMessage(decodeBody(frame.subarray(4), g))).to.deep.equal(copyMessage(m));
        if (m.type === MessageType.Piece) expect(Buffer.concat([encodePieceHeader(m.index, m.data.length), m.data]).equals(frame)).to.equal(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('covers all eight message types in the round trip', () => {
    const seen = new Set<MessageType>();
    const g = new PieceGeometry(100, 10);
    fc.assert(fc.property(messageArb(g), (m) => void seen.add(m.type)), { numRuns: 500 });
    expect([...seen].sort()).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('a handshake round-trips for any 32-bit id; any other 32 bytes decode or fail with a ProtocolError', () => {
    fc.assert(fc.property(fc.nat({ max: 0xffffffff }), (id) => decodeHandshake(encodeHandshake(id)) === id), { numRuns: 1000 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          const id = decodeHandshake(bytes);
          expect(bytes.length).to.equal(HANDSHAKE_LENGTH);
          expect(Buffer.from(encodeHandshake(id)).equals(Buffer.from(bytes))).to.equal(true);
        } catch (err) {
          expect(err).to.be.instanceOf(ProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('any frame body decodes to a message that re-encodes to the same bytes, or fails with a ProtocolError', () => {
    fc.assert(
      fc.property(geometryArb, fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 0, max: 9 }), (g, payload, type) => {
        const body = Buffer.concat([Buffer.from([type]), payload]);
        let m: Message;
        try {
          m = decodeBody(body, g);
        } catch (err) {
          expect(err).to.be.instanceOf(ProtocolError);
          return;
        }
        expect(encodeMessage(m).subarray(4).equals(body)).to.equal(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('a valid stream split at any points decodes to the same messages as unsplit', () => {
    const validStream = geometryArb.chain((g) => fc.record({ g: fc.constant(g), id: fc.nat(), messages: fc.array(messageArb(g), { maxLength: 10 }) }));
    fc.assert(
      fc.property(validStream, fc.array(fc.nat(), { maxLength: 20 }), ({ g, id, messages }, cuts) => {
        const bytes = Buffer.concat([encodeHandshake(id), ...messages.map((m) => encodeMessage(m))]);
        const outcome = read(chunked(bytes, cuts), g);
        expect(outcome.error).to.equal(undefined);
        expect(outcome.peerId).to.equal(id);
        expect(outcome.messages).to.deep.equal(messages.map(copyMessage));
        expect(outcome.pending).to.equal(0);
      }),
      RUNS,
    );
  });

  it('a hostile stream split at any points gives the unsplit outcome: the same messages, then the same ProtocolError or none', () => {
    fc.assert(
      fc.property(hostileStreamArb, fc.array(fc.nat(), { maxLength: 30 }), ({ geometry, bytes }, cuts) => {
        const whole = read([bytes], geometry);
        expect(read(chunked(bytes, cuts), geometry)).to.deep.equal(whole);
        // One byte at a time is the worst split there is.
        expect(read(chunked(bytes, Array.from({ length: bytes.length }, (_, i) => i)), geometry)).to.deep.equal(whole);
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes after a handshake, split anywhere, never raise anything but a ProtocolError', () => {
    fc.assert(
      fc.property(geometryArb, fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 10 }), (g, raw, cuts) => {
        const bytes = Buffer.concat([encodeHandshake(1001), raw]);
        expect(read(chunked(bytes, cuts), g)).to.deep.equal(read([bytes], g));
      }),
      { numRuns: 1000 },
    );
  });
});
