import { expect } from 'chai';
import { FrameReader } from '../../../core/protocol/frame-reader';
import { BufferPool } from '../../../core/util/buffer-pool';

describe('core/util/BufferPool', () => {
  it('hands a buffer given back to the next take of its size, and allocates when none is free', () => {
    const pool = new BufferPool(2);
    const a = pool.take(1000);
    expect(a.length).to.equal(1000);
    expect(pool.take(1000).buffer, 'nothing was given back: a fresh buffer').to.not.equal(a.buffer);
    pool.give(a.subarray(5)); // any view into it brings the whole buffer back
    const b = pool.take(1000);
    expect(b.buffer).to.equal(a.buffer);
    expect(b.length).to.equal(1000);
    expect(pool.reused).to.equal(1);
    expect(pool.take(2000).buffer, 'another size has its own list').to.not.equal(a.buffer);
  });

  it('ignores buffers it did not lend, and a buffer given twice comes back once', () => {
    const pool = new BufferPool(4);
    pool.give(Buffer.allocUnsafeSlow(1000));
    expect(pool.freeCount(1000)).to.equal(0);
    const a = pool.take(1000);
    pool.give(a);
    pool.give(a);
    expect(pool.freeCount(1000)).to.equal(1);
    pool.take(1000);
    expect(pool.freeCount(1000)).to.equal(0);
  });

  it('keeps at most `perSize` free buffers of a size, and fewer (one at least) past `maxFreeBytes`', () => {
    const pool = new BufferPool(2, 1000);
    const lent = [pool.take(64), pool.take(64), pool.take(64)];
    for (const b of lent) pool.give(b);
    expect(pool.freeCount(64)).to.equal(2);
    const big = [pool.take(600), pool.take(600)];
    for (const b of big) pool.give(b);
    expect(pool.freeCount(600), 'two would hold 1200 bytes').to.equal(1);
    const huge = [pool.take(5000), pool.take(5000)];
    for (const b of huge) pool.give(b);
    expect(pool.freeCount(5000), 'one is kept whatever its size').to.equal(1);
  });
});

describe('core/protocol/FrameReader with a pool', () => {
  const frame = (body: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]);
  const handshake = Buffer.alloc(32, 7);

  it('reassembles a frame that spans chunks in a pooled buffer, and reuses it once given back', () => {
    const pool = new BufferPool(2);
    const reader = new FrameReader(1000, (n) => pool.take(n));
    const bodies: Buffer[] = [];
    const feed = (bytes: Buffer): void => {
      // Split in three so the frame spans chunks, as 64 KiB socket reads split a piece.
      const third = Math.floor(bytes.length / 3);
      for (const part of [bytes.subarray(0, third), bytes.subarray(third, 2 * third), bytes.subarray(2 * third)]) {
        reader.push(Buffer.from(part), () => undefined, (b) => bodies.push(b));
      }
    };
    const first = Buffer.alloc(200, 1);
    const second = Buffer.alloc(200, 2);
    feed(Buffer.concat([handshake, frame(first)]));
    expect(bodies[0]!.equals(first)).to.equal(true);
    pool.give(bodies[0]!);
    feed(frame(second));
    expect(bodies[1]!.buffer, 'the second frame was reassembled in the first one\'s buffer').to.equal(bodies[0]!.buffer);
    expect(bodies[1]!.equals(second)).to.equal(true);
    expect(pool.reused).to.equal(1);
  });
});
