import { expect } from 'chai';
import { expectThrown } from '../../helpers/expect-error';
import { decodeHandshake, encodeHandshake, HANDSHAKE_HEADER, HANDSHAKE_LENGTH } from '../../../core/protocol/handshake';
import { ProtocolError } from '../../../core/protocol/protocol-error';

function expectProtocolError(fn: () => unknown, message: string): ProtocolError {
  return expectThrown(fn, ProtocolError, message);
}

const HEADER_HEX = Buffer.from('P2PFILESHARINGPROJ', 'ascii').toString('hex');
const ZEROS_HEX = '00'.repeat(10);

describe('core/protocol/handshake', () => {
  it('exports the classic header and length', () => {
    expect(HANDSHAKE_HEADER).to.equal('P2PFILESHARINGPROJ');
    expect(HANDSHAKE_HEADER.length).to.equal(18);
    expect(HANDSHAKE_LENGTH).to.equal(32);
  });

  it('encodes peer 1001 as header, ten zero bytes, big-endian id (exactly 32 bytes)', () => {
    const hs = encodeHandshake(1001);
    expect(hs.length).to.equal(32);
    expect(hs.subarray(0, 18).toString('latin1')).to.equal('P2PFILESHARINGPROJ');
    expect([...hs.subarray(18, 28)]).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...hs.subarray(28)]).to.deep.equal([0x00, 0x00, 0x03, 0xe9]);
    expect(hs.toString('hex')).to.equal(HEADER_HEX + ZEROS_HEX + '000003e9');
  });

  it('encodes the id big-endian across the whole 32-bit range', () => {
    expect(encodeHandshake(0).subarray(28).toString('hex')).to.equal('00000000');
    expect(encodeHandshake(0x01020304).subarray(28).toString('hex')).to.equal('01020304');
    expect(encodeHandshake(0x80000000).subarray(28).toString('hex')).to.equal('80000000');
    expect(encodeHandshake(0xffffffff).subarray(28).toString('hex')).to.equal('ffffffff');
  });

  it('refuses to encode an id that does not fit in 4 unsigned bytes', () => {
    expect(() => encodeHandshake(-1)).to.throw(RangeError);
    expect(() => encodeHandshake(0x100000000)).to.throw(RangeError);
  });

  it('decodes the bytes it encodes', () => {
    for (const id of [0, 1, 1001, 1002, 65535, 0x7fffffff, 0x80000000, 0xffffffff]) {
      expect(decodeHandshake(encodeHandshake(id)), `id ${id}`).to.equal(id);
    }
  });

  it('decodes hand-built bytes from another implementation', () => {
    const bytes = Buffer.concat([Buffer.from('P2PFILESHARINGPROJ', 'ascii'), Buffer.alloc(10), Buffer.from([0, 0, 0x03, 0xea])]);
    expect(decodeHandshake(bytes)).to.equal(1002);
    expect(decodeHandshake(new Uint8Array(bytes))).to.equal(1002);
  });

  it('decodes a 32-byte view into a larger buffer, honouring its offset', () => {
    const big = Buffer.concat([Buffer.from([0xaa, 0xbb, 0xcc]), encodeHandshake(4242), Buffer.from([0xdd])]);
    expect(decodeHandshake(big.subarray(3, 35))).to.equal(4242);
    const u8 = new Uint8Array(big.buffer, big.byteOffset + 3, 32);
    expect(decodeHandshake(u8)).to.equal(4242);
  });

  it('rejects a bad header, quoting it', () => {
    const bad = encodeHandshake(1001);
    bad[17] = 'K'.charCodeAt(0);
    expectProtocolError(() => decodeHandshake(bad), 'bad handshake header "P2PFILESHARINGPROK"');
    const lower = encodeHandshake(1001);
    lower.write('p2pfilesharingproj', 0, 'ascii');
    expectProtocolError(() => decodeHandshake(lower), 'bad handshake header "p2pfilesharingproj"');
    const bitTorrent = Buffer.alloc(32);
    bitTorrent[0] = 19;
    bitTorrent.write('BitTorrent protocol', 1, 'ascii');
    expect(() => decodeHandshake(bitTorrent)).to.throw(ProtocolError, /^bad handshake header /);
  });

  it('rejects non-zero padding, naming the byte', () => {
    for (let i = 18; i < 28; i++) {
      const bad = encodeHandshake(1001);
      bad[i] = 1;
      expectProtocolError(() => decodeHandshake(bad), `handshake byte ${i} must be zero, got 1`);
    }
    const bad = encodeHandshake(1001);
    bad[27] = 0xff;
    expectProtocolError(() => decodeHandshake(bad), 'handshake byte 27 must be zero, got 255');
  });

  it('rejects the wrong length', () => {
    const good = encodeHandshake(1001);
    expectProtocolError(() => decodeHandshake(good.subarray(0, 31)), 'handshake must be 32 bytes, got 31');
    expectProtocolError(() => decodeHandshake(Buffer.concat([good, Buffer.alloc(1)])), 'handshake must be 32 bytes, got 33');
    expectProtocolError(() => decodeHandshake(Buffer.alloc(0)), 'handshake must be 32 bytes, got 0');
    expectProtocolError(() => decodeHandshake(good.subarray(0, 18)), 'handshake must be 32 bytes, got 18');
  });
});
