import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../../core/config/config-error';
import { hashFilePieces, PieceHashes } from '../../../core/integrity/piece-hashes';
import file, { FileStore } from '../../../plugins/storage/file';
import { readJournal, RECORD_BYTES } from '../../../plugins/storage/piece-journal';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { contentOf, LEECHER, SEEDER, storeContext } from '../../helpers/store-context';

const PIECE = 1000;
const SIZE = 10 * PIECE + 123; // 11 pieces
const content = contentOf(SIZE, 9);
const piece = (i: number): Buffer => content.subarray(i * PIECE, Math.min(SIZE, (i + 1) * PIECE));

describe('file store: resume after any stop', () => {
  let dir: string;
  let hashes: PieceHashes;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-resume-'));
    fs.writeFileSync(path.join(dir, 'original'), content);
    hashes = await hashFilePieces(path.join(dir, 'original'), PIECE);
  });
  const opened: FileStore[] = [];
  afterEach(async () => {
    // What a killed process leaves open, the test closes (without the store's own tidying, which a kill skips).
    await Promise.all(opened.splice(0).map((s) => s.close().catch(() => undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const store = (id = LEECHER, withHashes = false): FileStore => {
    const s = file.create(storeContext(dir, id, SIZE, PIECE, withHashes ? hashes : undefined)) as FileStore;
    opened.push(s);
    return s;
  };
  const held = async (s: FileStore): Promise<number[]> => [...(await s.open()).indices()];
  /** A run that writes `indices` and then stops without closing anything, as kill -9 would leave it. */
  async function killedAfterWriting(indices: number[]): Promise<FileStore> {
    const s = store();
    expect(await held(s)).to.deep.equal([]);
    for (const i of indices) await s.write(i, piece(i));
    return s;
  }

  it('picks up exactly the pieces written before a kill, and a resumed download finishes with the original bytes', async () => {
    const first = await killedAfterWriting([3, 0, 10, 7]);
    const second = store();
    expect(await held(second)).to.deep.equal([0, 3, 7, 10]);
    for (const i of [1, 2, 4, 5, 6, 8, 9]) await second.write(i, piece(i));
    await second.complete();
    await second.close();
    await first.close().catch(() => undefined);
    expect(fs.readFileSync(second.finalPath).equals(content)).to.equal(true);
    expect(fs.readdirSync(path.join(dir, `peer_${LEECHER}`))).to.deep.equal(['TheFile.dat']);
  });

  it('ignores a journal record torn by the kill', async () => {
    const s = await killedAfterWriting([1, 2, 4]);
    const journal = fs.readFileSync(s.journalPath);
    fs.writeFileSync(s.journalPath, journal.subarray(0, journal.length - RECORD_BYTES / 2));
    expect(await held(store())).to.deep.equal([1, 2]);
  });

  it('after the machine restarted (a power cut may have lost unsynced writes), trusts only what was synced: all of it after a clean stop', async () => {
    const geometry = new PieceGeometry(SIZE, PIECE);
    const killed = await killedAfterWriting([1, 2, 4]);
    // Same boot: the kernel kept every write of the killed process.
    expect(readJournal(killed.journalPath, geometry).pieces).to.deep.equal([1, 2, 4]);
    expect(readJournal(killed.journalPath, geometry, 'another boot').pieces).to.deep.equal([]);
    // A clean stop syncs the .part file and marks the journal: a restart of the machine after it loses nothing.
    const s = store();
    expect(await held(s)).to.deep.equal([1, 2, 4]);
    await s.write(7, piece(7));
    await s.close();
    expect(readJournal(s.journalPath, geometry, 'another boot').pieces).to.deep.equal([1, 2, 4, 7]);
    await killed.close().catch(() => undefined);
  });

  it('trusts nothing in a .part file without a journal', async () => {
    const s = await killedAfterWriting([1, 2]);
    fs.rmSync(s.journalPath);
    expect(await held(store())).to.deep.equal([]);
  });

  it('with a hash file, keeps every piece of the .part file that matches its hash, journal or not', async () => {
    const s = await killedAfterWriting([1, 2, 5]);
    fs.rmSync(s.journalPath);
    const part = fs.openSync(s.partPath, 'r+');
    fs.writeSync(part, piece(8), 0, PIECE, 8 * PIECE); // written, but the kill came before its record
    fs.writeSync(part, Buffer.alloc(PIECE, 7), 0, PIECE, 2 * PIECE); // garbage
    fs.closeSync(part);
    expect(await held(store(LEECHER, true))).to.deep.equal([1, 5, 8]);
  });

  it('killed between writing the last piece and the rename: finishes the rename when it starts again', async () => {
    await killedAfterWriting([...Array(11).keys()]);
    const s = store();
    expect(await held(s)).to.have.length(11);
    expect(fs.readFileSync(s.finalPath).equals(content)).to.equal(true);
    expect(fs.existsSync(s.partPath) || fs.existsSync(s.journalPath)).to.equal(false);
  });

  it('killed between the rename and removing the journal: seeds the finished file and tidies up', async () => {
    const s = await killedAfterWriting([...Array(11).keys()].filter((i) => i !== 4));
    await s.write(4, piece(4));
    fs.renameSync(s.partPath, s.finalPath); // the rename happened, the journal removal did not
    expect(await held(store())).to.have.length(11);
    expect(fs.readFileSync(s.finalPath).equals(content)).to.equal(true);
    expect(fs.existsSync(s.journalPath)).to.equal(false);
  });

  it('seeds a complete file it finds under the final name although its line says 0, and never writes to it', async () => {
    const final = path.join(dir, `peer_${LEECHER}`, 'TheFile.dat');
    fs.mkdirSync(path.dirname(final));
    fs.writeFileSync(final, content);
    const mtime = fs.statSync(final).mtimeMs;
    for (const withHashes of [false, true]) {
      const s = store(LEECHER, withHashes);
      expect(await held(s)).to.have.length(11);
      expect(Buffer.from(await s.read(10)).equals(piece(10))).to.equal(true);
      await s.close();
    }
    expect(fs.readFileSync(final).equals(content)).to.equal(true);
    expect(fs.statSync(final).mtimeMs).to.equal(mtime);
  });

  it('refuses, without touching it, a file under the final name that is short or (with hashes) not the original', async () => {
    const final = path.join(dir, `peer_${LEECHER}`, 'TheFile.dat');
    fs.mkdirSync(path.dirname(final));
    fs.writeFileSync(final, content.subarray(0, 5000));
    let err = await store().open().then(() => undefined, (e: Error) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect(err!.message).to.equal(`${final}: already exists with 5000 bytes, but FileSize is ${SIZE}; not overwriting it: move it away to download the file again`);
    const wrong = Buffer.from(content);
    wrong[3 * PIECE + 17]! ^= 1;
    fs.writeFileSync(final, wrong);
    err = await store(LEECHER, true).open().then(() => undefined, (e: Error) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect(err!.message).to.contain('piece 3 of 11 does not match TheFile.dat.hashes');
    expect(fs.readFileSync(final).equals(wrong)).to.equal(true);
  });

  it('a seeder checks its file against the hashes before serving: a flipped bit is refused, naming the piece', async () => {
    const seed = path.join(dir, `peer_${SEEDER}`, 'TheFile.dat');
    fs.mkdirSync(path.dirname(seed));
    const wrong = Buffer.from(content);
    wrong[SIZE - 1]! ^= 0x80;
    fs.writeFileSync(seed, wrong);
    const err = await store(SEEDER, true).open().then(() => undefined, (e: Error) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect(err!.message).to.equal(`${seed}: piece 10 of 11 does not match TheFile.dat.hashes (the file is corrupt or not the one the hashes describe); refusing to seed it`);
    fs.writeFileSync(seed, content);
    expect(await held(store(SEEDER, true))).to.have.length(11);
  });
});
