import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hashFilePieces, HashFileError, parseHashFile, readHashFileIfPresent } from '../../../core/integrity/piece-hashes';
import { PieceGeometry } from '../../../core/protocol/geometry';

describe('piece-hash file', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-hashes-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('hashes a file piece by piece, the last piece shorter, matching a plain sha256 of each slice', async () => {
    const data = randomBytes(3 * 1000 + 17);
    const file = path.join(dir, 'f.dat');
    fs.writeFileSync(file, data);
    const hashes = await hashFilePieces(file, 1000);
    expect(hashes.count).to.equal(4);
    const lines = hashes.format().trimEnd().split('\n');
    for (let i = 0; i < 4; i++) {
      expect(lines[i]).to.equal(createHash('sha256').update(data.subarray(i * 1000, (i + 1) * 1000)).digest('hex'));
      expect(hashes.verify(i, data.subarray(i * 1000, (i + 1) * 1000))).to.equal(true);
    }
    expect(hashes.verify(1, data.subarray(0, 1000))).to.equal(false);
    expect(hashes.verify(9, data.subarray(0, 1000))).to.equal(false);
  });

  it('round-trips through its text form and reads it from the config folder', async () => {
    const file = path.join(dir, 'f.dat');
    fs.writeFileSync(file, randomBytes(2500));
    const hashes = await hashFilePieces(file, 1000);
    fs.writeFileSync(path.join(dir, 'f.dat.hashes'), hashes.format());
    const read = readHashFileIfPresent(dir, 'f.dat', new PieceGeometry(2500, 1000));
    expect(read?.format()).to.equal(hashes.format());
    expect(readHashFileIfPresent(dir, 'other.dat', new PieceGeometry(2500, 1000))).to.equal(undefined);
  });

  it('names the file and line of a bad digest, and a wrong piece count', () => {
    const geometry = new PieceGeometry(2000, 1000);
    const good = 'ab'.repeat(32);
    expect(() => parseHashFile(`${good}\nXYZ\n`, geometry, 'f.hashes')).to.throw(HashFileError, 'f.hashes:2: expected a lowercase hex SHA-256');
    expect(() => parseHashFile(`${good.toUpperCase()}\n${good}\n`, geometry, 'f.hashes')).to.throw(HashFileError, 'f.hashes:1:');
    expect(() => parseHashFile(`${good}\n`, geometry, 'f.hashes')).to.throw(HashFileError, 'has 1 piece hashes, but the file has 2 pieces');
  });
});
