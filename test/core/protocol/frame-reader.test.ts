import { expect } from 'chai';
import { expectThrown } from '../../helpers/expect-error';
import { encodeMessage } from '../../../core/protocol/codec';
import { FrameReader } from '../../../core/protocol/frame-reader';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { encodeHandshake, HANDSHAKE_LENGTH } from '../../../core/protocol/handshake';
import { msg } from '../../../core/protocol/messages';
import { ProtocolError } from '../../../core/protocol/protocol-error';

const GEOMETRY = new PieceGeometry(10 * 1024 + 100, 1024);
const MAX = GEOMETRY.maxFrameLength; // 1029

/** mulberry32, local to the test so it does not depend on code under edit. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pattern(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 17 + seed * 7 + 1) & 0xff;
  return out;
}

type Event = { kind: 'handshake' | 'frame'; bytes: Buffer };

/** Feeds `chunks` into a new reader and records everything it emits, copying each buffer as it comes out. */
function feed(chunks: readonly Buffer[], max = MAX): Event[] {
  const reader = new FrameReader(max);
  const events: Event[] = [];
  for (const c of chunks) {
    reader.push(
      c,
      (b) => events.push({ kind: 'handshake', bytes: Buffer.from(b) }),
      (b) => events.push({ kind: 'frame', bytes: Buffer.from(b) }),
    );
  }
  expect(reader.pendingBytes, 'bytes left over after the whole stream').to.equal(0);
  return events;
}

/** Splits `stream` at the given (sorted, in-range) cut positions. */
function cut(stream: Buffer, positions: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of positions) {
    out.push(stream.subarray(prev, p));
    prev = p;
  }
  out.push(stream.subarray(prev));
  return out;
}

function expectSameEvents(actual: readonly Event[], expected: readonly Event[], label: string): void {
  expect(actual.length, `${label}: number of events`).to.equal(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(actual[i]!.kind, `${label}: event ${i} kind`).to.equal(expected[i]!.kind);
    expect(actual[i]!.bytes.equals(expected[i]!.bytes), `${label}: event ${i} bytes`).to.equal(true);
  }
}

function expectProtocolError(fn: () => unknown, message: string): ProtocolError {
  return expectThrown(fn, ProtocolError, message);
}

// The stream a peer would see: handshake, bitfield, interested, a full piece, have, the short last piece, choke.
const HANDSHAKE = encodeHandshake(1002);
const FRAMES: Buffer[] = [
  encodeMessage(msg.bitfield(Uint8Array.of(0xa5, 0x40))),
  encodeMessage(msg.interested()),
  encodeMessage(msg.unchoke()),
  encodeMessage(msg.request(3)),
  encodeMessage(msg.piece(3, pattern(1024, 3))),
  encodeMessage(msg.have(3)),
  encodeMessage(msg.piece(10, pattern(100, 10))),
  encodeMessage(msg.notInterested()),
  encodeMessage(msg.choke()),
];
const STREAM = Buffer.concat([HANDSHAKE, ...FRAMES]);
const EXPECTED: Event[] = [
  { kind: 'handshake', bytes: HANDSHAKE },
  ...FRAMES.map((f): Event => ({ kind: 'frame', bytes: f.subarray(4) })),
];

// A smaller stream (no 1024-byte piece) for the quadratic two-cut test.
const SMALL_FRAMES: Buffer[] = [
  encodeMessage(msg.bitfield(Uint8Array.of(0xff, 0xe0))),
  encodeMessage(msg.have(0)),
  encodeMessage(msg.choke()),
  encodeMessage(msg.piece(10, pattern(100, 1))),
  encodeMessage(msg.request(7)),
];
const SMALL_STREAM = Buffer.concat([encodeHandshake(0xfffffffe), ...SMALL_FRAMES]);
const SMALL_EXPECTED: Event[] = [
  { kind: 'handshake', bytes: encodeHandshake(0xfffffffe) },
  ...SMALL_FRAMES.map((f): Event => ({ kind: 'frame', bytes: f.subarray(4) })),
];

describe('core/protocol/frame-reader FrameReader', () => {
  it('the test stream is what we think it is', () => {
    expect(HANDSHAKE.length).to.equal(HANDSHAKE_LENGTH);
    expect(STREAM.length).to.equal(32 + 7 + 5 + 5 + 9 + 1033 + 9 + 109 + 5 + 5);
    expect(MAX).to.equal(1029);
  });

  it('(a) delivers the handshake and every frame from one chunk, in order', () => {
    expectSameEvents(feed([STREAM]), EXPECTED, 'one chunk');
  });

  it('(b) delivers the same when fed one byte at a time', () => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < STREAM.length; i++) chunks.push(STREAM.subarray(i, i + 1));
    expectSameEvents(feed(chunks), EXPECTED, 'one byte at a time');
  });

  it('(b) emits each frame exactly when its last byte arrives, not before', () => {
    const reader = new FrameReader(MAX);
    const boundaries = new Set<number>();
    let end = HANDSHAKE.length;
    boundaries.add(end);
    for (const f of FRAMES) boundaries.add((end += f.length));
    let emitted = 0;
    for (let i = 0; i < STREAM.length; i++) {
      const before = emitted;
      reader.push(
        STREAM.subarray(i, i + 1),
        () => emitted++,
        () => emitted++,
      );
      expect(emitted - before, `after byte ${i + 1}`).to.equal(boundaries.has(i + 1) ? 1 : 0);
    }
    expect(emitted).to.equal(1 + FRAMES.length);
    expect(reader.pendingBytes).to.equal(0);
  });

  it('(c) delivers the same when split into two chunks at every possible position', () => {
    for (let p = 0; p <= STREAM.length; p++) {
      expectSameEvents(feed(cut(STREAM, [p])), EXPECTED, `split at ${p}`);
    }
  });

  it('(c) delivers the same when split into three chunks at every pair of positions (small stream)', () => {
    for (let p = 0; p <= SMALL_STREAM.length; p++) {
      for (let q = p; q <= SMALL_STREAM.length; q++) {
        expectSameEvents(feed(cut(SMALL_STREAM, [p, q])), SMALL_EXPECTED, `split at ${p},${q}`);
      }
    }
  });

  it('(d) delivers the same under 500 seeded random chunkings', () => {
    const random = prng(0x5eed);
    for (let round = 0; round < 500; round++) {
      const positions: number[] = [];
      // Mix tiny and large chunks: sometimes 1..8 bytes, sometimes up to 1500.
      let pos = 0;
      while (pos < STREAM.length) {
        const step = random() < 0.5 ? 1 + Math.floor(random() * 8) : Math.floor(random() * 1500);
        pos = Math.min(STREAM.length, pos + step);
        positions.push(pos);
      }
      expectSameEvents(feed(cut(STREAM, positions)), EXPECTED, `round ${round}`);
    }
  });

  it('tolerates empty chunks anywhere', () => {
    const chunks: Buffer[] = [Buffer.alloc(0)];
    for (let i = 0; i < STREAM.length; i += 3) chunks.push(STREAM.subarray(i, i + 3), Buffer.alloc(0));
    expectSameEvents(feed(chunks), EXPECTED, 'with empty chunks');
  });

  it('emits nothing before the full 32-byte handshake, and then reports buffered bytes', () => {
    const reader = new FrameReader(MAX);
    let handshakes = 0;
    let frames = 0;
    reader.push(STREAM.subarray(0, 31), () => handshakes++, () => frames++);
    expect(handshakes).to.equal(0);
    expect(reader.pendingBytes).to.equal(31);
    reader.push(STREAM.subarray(31, 32 + 3), () => handshakes++, () => frames++);
    expect(handshakes).to.equal(1);
    expect(frames).to.equal(0);
    expect(reader.pendingBytes).to.equal(3);
  });

  it('does not treat later frames as a handshake: the handshake callback fires once', () => {
    const reader = new FrameReader(MAX);
    let handshakes = 0;
    const frames: Buffer[] = [];
    reader.push(HANDSHAKE, () => handshakes++, (b) => frames.push(Buffer.from(b)));
    reader.push(HANDSHAKE.subarray(0, 0), () => handshakes++, (b) => frames.push(Buffer.from(b)));
    // 32 more bytes: seven `choke` frames plus 4 bytes of an eighth header.
    const chokes = Buffer.concat(Array.from({ length: 7 }, () => encodeMessage(msg.choke())));
    reader.push(Buffer.concat([chokes, Buffer.from([0, 0, 0, 1])]), () => handshakes++, (b) => frames.push(Buffer.from(b)));
    expect(handshakes).to.equal(1);
    expect(frames.map((f) => f.toString('hex'))).to.deep.equal(Array(7).fill('00'));
    expect(reader.pendingBytes).to.equal(4);
  });

  it('with transient chunks, keeps what it needs when the caller reuses the chunk memory after each push', () => {
    // One buffer reused for every push, as a socket reading into a buffer of its own does; cuts at every 7 bytes.
    const reader = new FrameReader(MAX, Buffer.allocUnsafe, true);
    const scratch = Buffer.alloc(7);
    const events: Event[] = [];
    for (let i = 0; i < STREAM.length; i += 7) {
      const n = STREAM.subarray(i, i + 7).copy(scratch);
      reader.push(
        scratch.subarray(0, n),
        (b) => events.push({ kind: 'handshake', bytes: Buffer.from(b) }),
        (b) => events.push({ kind: 'frame', bytes: Buffer.from(b) }),
      );
      scratch.fill(0xaa); // the next read overwrites the memory
    }
    expect(reader.pendingBytes).to.equal(0);
    expectSameEvents(events, EXPECTED, 'transient chunks of 7');
  });

  it('accepts a frame whose length is exactly maxFrameLength', () => {
    const reader = new FrameReader(MAX);
    const frame = Buffer.alloc(4 + MAX);
    frame.writeUInt32BE(MAX, 0);
    frame[4] = 7;
    const frames: Buffer[] = [];
    reader.push(Buffer.concat([HANDSHAKE, frame]), () => undefined, (b) => frames.push(b));
    expect(frames).to.have.length(1);
    expect(frames[0]!.length).to.equal(MAX);
  });

  it('throws on a zero-length frame', () => {
    const reader = new FrameReader(MAX);
    reader.push(HANDSHAKE, () => undefined, () => undefined);
    expectProtocolError(() => reader.push(Buffer.from([0, 0, 0, 0]), () => undefined, () => undefined), 'frame length 0');
  });

  it('throws on a zero-length frame following good frames in the same chunk, after emitting those', () => {
    const reader = new FrameReader(MAX);
    const frames: Buffer[] = [];
    const chunk = Buffer.concat([HANDSHAKE, encodeMessage(msg.have(1)), Buffer.from([0, 0, 0, 0, 2])]);
    expectProtocolError(() => reader.push(chunk, () => undefined, (b) => frames.push(Buffer.from(b))), 'frame length 0');
    expect(frames.map((f) => f.toString('hex'))).to.deep.equal(['0400000001']);
  });

  it('throws on a zero-length frame whose header is split over chunks', () => {
    const reader = new FrameReader(MAX);
    reader.push(Buffer.concat([HANDSHAKE, Buffer.from([0, 0])]), () => undefined, () => undefined);
    reader.push(Buffer.from([0]), () => undefined, () => undefined);
    expectProtocolError(() => reader.push(Buffer.from([0]), () => undefined, () => undefined), 'frame length 0');
  });

  it('throws on a length of maxFrameLength + 1 as soon as the header is in', () => {
    const reader = new FrameReader(MAX);
    reader.push(HANDSHAKE, () => undefined, () => undefined);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX + 1, 0);
    expectProtocolError(
      () => reader.push(header, () => undefined, () => undefined),
      'frame length 1030 exceeds the largest possible message (1029)',
    );
  });

  it('throws on a 0xFFFFFFFF length immediately, with only the 4-byte header fed and nothing allocated for the body', () => {
    const reader = new FrameReader(MAX);
    reader.push(HANDSHAKE, () => undefined, () => undefined);
    const sizes: number[] = [];
    const origAlloc = Buffer.alloc;
    const origAllocUnsafe = Buffer.allocUnsafe;
    const origAllocUnsafeSlow = Buffer.allocUnsafeSlow;
    let caught: unknown;
    Buffer.alloc = ((size: number, fill?: string | Uint8Array | number, encoding?: BufferEncoding): Buffer => {
      sizes.push(size);
      return origAlloc(size, fill, encoding);
    }) as typeof Buffer.alloc;
    Buffer.allocUnsafe = ((size: number): Buffer => {
      sizes.push(size);
      return origAllocUnsafe(size);
    }) as typeof Buffer.allocUnsafe;
    Buffer.allocUnsafeSlow = ((size: number): Buffer => {
      sizes.push(size);
      return origAllocUnsafeSlow(size);
    }) as typeof Buffer.allocUnsafeSlow;
    try {
      reader.push(Buffer.from([0xff, 0xff, 0xff, 0xff]), () => undefined, () => undefined);
    } catch (e) {
      caught = e;
    } finally {
      Buffer.alloc = origAlloc;
      Buffer.allocUnsafe = origAllocUnsafe;
      Buffer.allocUnsafeSlow = origAllocUnsafeSlow;
    }
    expect(caught).to.be.instanceOf(ProtocolError);
    expect((caught as Error).message).to.equal('frame length 4294967295 exceeds the largest possible message (1029)');
    expect(sizes.every((s) => s <= 4), `allocations during push: ${sizes.join(', ')}`).to.equal(true);
    expect(reader.pendingBytes).to.equal(4);
  });

  it('throws on a huge length whose header arrives one byte at a time, on the 4th byte', () => {
    const reader = new FrameReader(MAX);
    reader.push(HANDSHAKE, () => undefined, () => undefined);
    for (let i = 0; i < 3; i++) reader.push(Buffer.from([0xff]), () => undefined, () => undefined);
    expect(reader.pendingBytes).to.equal(3);
    expectProtocolError(
      () => reader.push(Buffer.from([0xff]), () => undefined, () => undefined),
      'frame length 4294967295 exceeds the largest possible message (1029)',
    );
  });

  it('throws on a huge length arriving in the same chunk as the handshake', () => {
    const reader = new FrameReader(MAX);
    let handshakes = 0;
    expectProtocolError(
      () => reader.push(Buffer.concat([HANDSHAKE, Buffer.from([0x7f, 0, 0, 0])]), () => handshakes++, () => undefined),
      'frame length 2130706432 exceeds the largest possible message (1029)',
    );
    expect(handshakes).to.equal(1);
  });

  it('hands over the raw handshake bytes without checking them (that is decodeHandshake\'s job)', () => {
    const junk = Buffer.alloc(32, 0x41);
    const events = feed([Buffer.concat([junk, encodeMessage(msg.choke())])]);
    expect(events).to.have.length(2);
    expect(events[0]!.kind).to.equal('handshake');
    expect(events[0]!.bytes.equals(junk)).to.equal(true);
    expect(events[1]!.bytes.toString('hex')).to.equal('00');
  });
});
