import { expect } from 'chai';
import { Bitfield } from '../../core/bitfield';

function bytesOf(b: Bitfield): number[] {
  return [...b.toBytes()];
}

describe('core/bitfield Bitfield', () => {
  describe('bit order (piece 0 = high bit of byte 0)', () => {
    it('maps piece 0 to 0x80 of byte 0', () => {
      const b = new Bitfield(11);
      b.set(0);
      expect(bytesOf(b)).to.deep.equal([0x80, 0x00]);
    });

    it('maps pieces 0..7 to 0x80..0x01 of byte 0 and piece 8 to 0x80 of byte 1', () => {
      const expected = [0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01];
      for (let i = 0; i < 8; i++) {
        const b = new Bitfield(11);
        b.set(i);
        expect(bytesOf(b), `piece ${i}`).to.deep.equal([expected[i], 0]);
      }
      const b = new Bitfield(11);
      b.set(8);
      expect(bytesOf(b)).to.deep.equal([0, 0x80]);
      const last = new Bitfield(11);
      last.set(10);
      expect(bytesOf(last)).to.deep.equal([0, 0x20]);
    });

    it('reads bytes in the same order', () => {
      const b = new Bitfield(11, Uint8Array.of(0xa0, 0x20));
      expect(b.indices()).to.deep.equal([0, 2, 10]);
      expect(b.has(0)).to.equal(true);
      expect(b.has(1)).to.equal(false);
      expect(b.has(2)).to.equal(true);
      expect(b.has(7)).to.equal(false);
      expect(b.has(10)).to.equal(true);
    });

    it('round-trips bytes unchanged, and toBytes returns a copy', () => {
      const input = Uint8Array.of(0x5a, 0xc0);
      const b = new Bitfield(11, input);
      const out = b.toBytes();
      expect([...out]).to.deep.equal([0x5a, 0xc0]);
      out[0] = 0;
      input[0] = 0;
      expect(bytesOf(b)).to.deep.equal([0x5a, 0xc0]);
    });
  });

  describe('sizes', () => {
    it('allocates ceil(size / 8) bytes', () => {
      expect(new Bitfield(1).toBytes().length).to.equal(1);
      expect(new Bitfield(8).toBytes().length).to.equal(1);
      expect(new Bitfield(9).toBytes().length).to.equal(2);
      expect(new Bitfield(1280).toBytes().length).to.equal(160);
      expect(new Bitfield(11).size).to.equal(11);
    });

    it('rejects initial bytes of the wrong length', () => {
      expect(() => new Bitfield(11, Uint8Array.of(0xff))).to.throw(RangeError, 'bitfield needs 2 bytes, got 1');
      expect(() => new Bitfield(11, new Uint8Array(3))).to.throw(RangeError, 'bitfield needs 2 bytes, got 3');
      expect(() => new Bitfield(8, new Uint8Array(0))).to.throw(RangeError, 'bitfield needs 1 bytes, got 0');
    });
  });

  describe('count, isEmpty, isComplete', () => {
    it('starts empty', () => {
      const b = new Bitfield(11);
      expect(b.count).to.equal(0);
      expect(b.isEmpty).to.equal(true);
      expect(b.isComplete).to.equal(false);
      expect(b.indices()).to.deep.equal([]);
      expect(bytesOf(b)).to.deep.equal([0, 0]);
    });

    it('counts set pieces and becomes complete with the last one', () => {
      const b = new Bitfield(11);
      for (let i = 0; i < 11; i++) {
        expect(b.set(i), `first set of ${i}`).to.equal(true);
        expect(b.count).to.equal(i + 1);
        expect(b.isEmpty).to.equal(false);
        expect(b.isComplete).to.equal(i === 10);
      }
      expect(bytesOf(b)).to.deep.equal([0xff, 0xe0]);
    });

    it('returns false and does not recount a piece set twice', () => {
      const b = new Bitfield(11);
      expect(b.set(4)).to.equal(true);
      expect(b.set(4)).to.equal(false);
      expect(b.count).to.equal(1);
      expect(bytesOf(b)).to.deep.equal([0x08, 0]);
    });

    it('counts the bits of initial bytes', () => {
      expect(new Bitfield(11, Uint8Array.of(0xff, 0xe0)).count).to.equal(11);
      expect(new Bitfield(11, Uint8Array.of(0xff, 0xe0)).isComplete).to.equal(true);
      expect(new Bitfield(11, Uint8Array.of(0x81, 0x20)).count).to.equal(3);
      expect(new Bitfield(11, Uint8Array.of(0, 0)).isEmpty).to.equal(true);
    });

    it('full(n) sets exactly n pieces and no spare bit', () => {
      const b = Bitfield.full(11);
      expect(b.count).to.equal(11);
      expect(b.isComplete).to.equal(true);
      expect(bytesOf(b)).to.deep.equal([0xff, 0xe0]);
      expect(Bitfield.hasSpareBitsSet(b.toBytes(), 11)).to.equal(false);
      expect(bytesOf(Bitfield.full(16))).to.deep.equal([0xff, 0xff]);
      expect(bytesOf(Bitfield.full(1))).to.deep.equal([0x80]);
      expect(Bitfield.full(1280).count).to.equal(1280);
    });
  });

  describe('hasAnyMissingFrom', () => {
    it('is true when this has a piece the other lacks, false otherwise', () => {
      const mine = new Bitfield(11);
      const theirs = new Bitfield(11);
      expect(theirs.hasAnyMissingFrom(mine)).to.equal(false);
      theirs.set(10);
      expect(theirs.hasAnyMissingFrom(mine)).to.equal(true);
      expect(mine.hasAnyMissingFrom(theirs)).to.equal(false);
      mine.set(10);
      expect(theirs.hasAnyMissingFrom(mine)).to.equal(false);
      mine.set(3);
      expect(theirs.hasAnyMissingFrom(mine)).to.equal(false);
      expect(mine.hasAnyMissingFrom(theirs)).to.equal(true);
    });

    it('handles disjoint and equal sets', () => {
      const a = new Bitfield(11, Uint8Array.of(0xaa, 0xa0));
      const b = new Bitfield(11, Uint8Array.of(0x55, 0x40));
      expect(a.hasAnyMissingFrom(b)).to.equal(true);
      expect(b.hasAnyMissingFrom(a)).to.equal(true);
      const c = new Bitfield(11, Uint8Array.of(0xaa, 0xa0));
      expect(a.hasAnyMissingFrom(c)).to.equal(false);
      expect(Bitfield.full(11).hasAnyMissingFrom(Bitfield.full(11))).to.equal(false);
      expect(Bitfield.full(11).hasAnyMissingFrom(new Bitfield(11))).to.equal(true);
      expect(new Bitfield(11).hasAnyMissingFrom(Bitfield.full(11))).to.equal(false);
    });
  });

  describe('hasSpareBitsSet', () => {
    it('detects any bit set past the last piece', () => {
      expect(Bitfield.hasSpareBitsSet(Uint8Array.of(0xff, 0xe0), 11)).to.equal(false);
      for (const spare of [0x10, 0x08, 0x04, 0x02, 0x01]) {
        expect(Bitfield.hasSpareBitsSet(Uint8Array.of(0x00, spare), 11), `spare 0x${spare.toString(16)}`).to.equal(true);
      }
      expect(Bitfield.hasSpareBitsSet(Uint8Array.of(0x80), 1)).to.equal(false);
      expect(Bitfield.hasSpareBitsSet(Uint8Array.of(0x40), 1)).to.equal(true);
      expect(Bitfield.hasSpareBitsSet(Uint8Array.of(0x01), 1)).to.equal(true);
      expect(Bitfield.hasSpareBitsSet(Uint8Array.of(0xfe), 7)).to.equal(false);
      expect(Bitfield.hasSpareBitsSet(Uint8Array.of(0xff), 7)).to.equal(true);
    });

    it('reports nothing when the size is a multiple of 8', () => {
      expect(Bitfield.hasSpareBitsSet(Uint8Array.of(0xff), 8)).to.equal(false);
      expect(Bitfield.hasSpareBitsSet(Uint8Array.of(0xff, 0xff), 16)).to.equal(false);
    });

    it('only looks at the spare bits, not at the pieces before them', () => {
      expect(Bitfield.hasSpareBitsSet(Uint8Array.of(0xff, 0xff, 0x80), 17)).to.equal(false);
      expect(Bitfield.hasSpareBitsSet(Uint8Array.of(0x00, 0x00, 0x40), 17)).to.equal(true);
    });
  });

  describe('set() out of range', () => {
    it('throws RangeError for a negative index or one >= size', () => {
      const b = new Bitfield(11);
      expect(() => b.set(-1)).to.throw(RangeError, 'piece -1 out of range 0..10');
      expect(() => b.set(11)).to.throw(RangeError, 'piece 11 out of range 0..10');
      expect(() => b.set(15)).to.throw(RangeError, 'piece 15 out of range 0..10');
      expect(() => b.set(16)).to.throw(RangeError, 'piece 16 out of range 0..10');
      expect(b.count).to.equal(0);
      expect(bytesOf(b)).to.deep.equal([0, 0]);
    });

    it('never sets a spare bit through set()', () => {
      const b = new Bitfield(11);
      for (let i = 11; i < 16; i++) expect(() => b.set(i)).to.throw(RangeError);
      expect(Bitfield.hasSpareBitsSet(b.toBytes(), 11)).to.equal(false);
    });
  });

  describe('rejects what no correct caller passes', () => {
    it('throws on a NaN or fractional index instead of setting a neighbouring piece', () => {
      const b = new Bitfield(11);
      expect(() => b.set(Number.NaN)).to.throw(RangeError);
      expect(() => b.set(1.5)).to.throw(RangeError);
      expect(b.count).to.equal(0);
    });

    it('refuses bytes that set bits past the last piece', () => {
      expect(() => new Bitfield(11, Uint8Array.of(0x00, 0x1f))).to.throw(RangeError, /past the last piece/);
      expect(new Bitfield(11, Uint8Array.of(0x00, 0xe0)).count).to.equal(3);
    });
  });
});
