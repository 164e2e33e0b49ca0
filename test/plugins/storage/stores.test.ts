import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../../core/config/config-error';
import { PieceStore, PluginContext, PluginDefinition } from '../../../core/plugin/contracts';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { SeededRandom } from '../../../core/util/random';
import { contentOf, FILE_NAME, LEECHER, SEEDER, storeContext } from '../../helpers/store-context';
import file from '../../../plugins/storage/file';
import memory from '../../../plugins/storage/memory';
import pieces from '../../../plugins/storage/pieces';

const PIECE_SIZE = 1000;
const FILE_SIZE = 10 * PIECE_SIZE + 123; // 11 pieces, the last one 123 bytes

function contextFor(dataDir: string, id: number, fileSize = FILE_SIZE): PluginContext {
  return storeContext(dataDir, id, fileSize, PIECE_SIZE);
}

/** Every file below `dir`, relative to it, sorted. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath ?? d.path, d.name)))
    .sort();
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(Error);
    return err as Error;
  }
  throw new Error('expected a rejection');
}

const STORES: readonly PluginDefinition<'storage'>[] = [file, memory, pieces];

describe('plugins/storage (every store)', () => {
  const content = contentOf(FILE_SIZE);
  const geometry = new PieceGeometry(FILE_SIZE, PIECE_SIZE);
  const pieceOf = (i: number): Buffer => content.subarray(geometry.offsetOf(i), geometry.offsetOf(i) + geometry.lengthOf(i));
  let dir: string;
  let open: PieceStore[];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-stores-'));
    open = [];
  });

  afterEach(async () => {
    for (const s of open) await s.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const create = (def: PluginDefinition<'storage'>, id: number, fileSize = FILE_SIZE): PieceStore => {
    const store = def.create(contextFor(dir, id, fileSize));
    open.push(store);
    return store;
  };
  const finalFile = (id: number): string => path.join(dir, `peer_${id}`, FILE_NAME);
  const placeSeedFile = (bytes: Buffer): void => {
    fs.mkdirSync(path.dirname(finalFile(SEEDER)), { recursive: true });
    fs.writeFileSync(finalFile(SEEDER), bytes);
  };

  for (const def of STORES) {
    describe(def.name, () => {
      it('is a storage plugin with a description', () => {
        expect(def.kind).to.equal('storage');
        expect(def.description).to.be.a('string').and.not.equal('');
      });

      it('downloads every piece in random order, completes, and leaves exactly the original file', async () => {
        const store = create(def, LEECHER);
        const held = await store.open();
        expect(held.size).to.equal(geometry.numPieces);
        expect(held.count).to.equal(0);
        const order = new SeededRandom(17).shuffle(Array.from({ length: geometry.numPieces }, (_, i) => i));
        for (const i of order) await store.write(i, pieceOf(i));
        // Nothing under the final name until complete().
        expect(fs.existsSync(finalFile(LEECHER))).to.equal(false);
        // Pieces read back before completion too.
        for (const i of order.slice(0, 3)) expect(Buffer.from(await store.read(i)).equals(pieceOf(i)), `piece ${i} before complete`).to.equal(true);
        await store.complete();
        expect(fs.readFileSync(finalFile(LEECHER)).equals(content)).to.equal(true);
        // Reads after complete() still serve every piece.
        for (let i = 0; i < geometry.numPieces; i++) expect(Buffer.from(await store.read(i)).equals(pieceOf(i)), `piece ${i} after complete`).to.equal(true);
        await store.close();
        // Only the finished file remains: no .part, no pieces folder, no temp files.
        expect(filesUnder(path.join(dir, `peer_${LEECHER}`))).to.deep.equal([FILE_NAME]);
        expect(fs.readFileSync(finalFile(LEECHER)).equals(content)).to.equal(true);
      });

      it('copies written data: the caller may reuse its buffer', async () => {
        const store = create(def, LEECHER);
        await store.open();
        const scratch = Buffer.alloc(PIECE_SIZE);
        for (let i = 0; i < geometry.numPieces; i++) {
          const piece = scratch.subarray(0, geometry.lengthOf(i));
          pieceOf(i).copy(piece);
          await store.write(i, piece);
          scratch.fill(0xee);
        }
        await store.complete();
        expect(fs.readFileSync(finalFile(LEECHER)).equals(content)).to.equal(true);
      });

      it('serves a seeder from its complete file', async () => {
        placeSeedFile(content);
        const store = create(def, SEEDER);
        const held = await store.open();
        expect(held.isComplete).to.equal(true);
        for (let i = 0; i < geometry.numPieces; i++) expect(Buffer.from(await store.read(i)).equals(pieceOf(i)), `piece ${i}`).to.equal(true);
        await store.close();
        expect(filesUnder(path.join(dir, `peer_${SEEDER}`))).to.deep.equal([FILE_NAME]);
      });

      it('refuses a seeder file of the wrong size with a ConfigError naming FileSize', async () => {
        placeSeedFile(content.subarray(0, FILE_SIZE - 1));
        const err = await rejection(create(def, SEEDER).open());
        expect(err).to.be.instanceOf(ConfigError);
        expect(err.message).to.contain('FileSize');
        expect(err.message).to.contain(`FileSize is ${FILE_SIZE} but ${finalFile(SEEDER)} is ${FILE_SIZE - 1} bytes`);
      });

      it('refuses a seeder whose file is missing with a ConfigError naming the file', async () => {
        const err = await rejection(create(def, SEEDER).open());
        expect(err).to.be.instanceOf(ConfigError);
        expect(err.message).to.equal(`${finalFile(SEEDER)}: missing: the peer file says peer ${SEEDER} has the file`);
      });

      it('rejects a piece of the wrong length, or out of range, with a clear Error', async () => {
        const store = create(def, LEECHER);
        await store.open();
        expect((await rejection(store.write(3, Buffer.alloc(PIECE_SIZE - 1)))).message).to.equal(`piece 3 has ${PIECE_SIZE - 1} bytes, expected ${PIECE_SIZE}`);
        expect((await rejection(store.write(10, Buffer.alloc(PIECE_SIZE)))).message).to.equal(`piece 10 has ${PIECE_SIZE} bytes, expected 123`);
        expect((await rejection(store.write(11, Buffer.alloc(PIECE_SIZE)))).message).to.match(/piece 11 out of range 0\.\.10/);
        expect((await rejection(store.write(-1, Buffer.alloc(PIECE_SIZE)))).message).to.match(/out of range/);
      });

      it('leaves nothing behind when a download never got a piece', async () => {
        const store = create(def, LEECHER);
        await store.open();
        await store.close();
        expect(filesUnder(dir)).to.deep.equal([]);
      });

      it('works with a file of a single short piece', async () => {
        const small = content.subarray(0, 77);
        const store = create(def, LEECHER, 77);
        expect((await store.open()).size).to.equal(1);
        await store.write(0, small);
        await store.complete();
        expect(fs.readFileSync(finalFile(LEECHER)).equals(small)).to.equal(true);
        expect(Buffer.from(await store.read(0)).equals(small)).to.equal(true);
      });
    });
  }

  describe('pieces (its own rules)', () => {
    it('keeps one file per piece in peer_<id>/pieces/ until complete, and no temp files', async () => {
      const store = create(pieces, LEECHER);
      await store.open();
      await store.write(4, pieceOf(4));
      await store.write(10, pieceOf(10));
      const peerDir = path.join(dir, `peer_${LEECHER}`);
      expect(filesUnder(peerDir)).to.deep.equal([path.join('pieces', '10.piece'), path.join('pieces', '4.piece')]);
      expect(fs.readFileSync(path.join(peerDir, 'pieces', '10.piece')).equals(pieceOf(10))).to.equal(true);
    });

    it('starts a download afresh, removing pieces an earlier run left', async () => {
      const piecesDir = path.join(dir, `peer_${LEECHER}`, 'pieces');
      fs.mkdirSync(piecesDir, { recursive: true });
      fs.writeFileSync(path.join(piecesDir, '0.piece'), 'stale');
      fs.writeFileSync(path.join(piecesDir, '1.piece.tmp'), 'stale');
      const store = create(pieces, LEECHER);
      expect((await store.open()).count).to.equal(0);
      expect(filesUnder(piecesDir)).to.deep.equal([]);
    });

    it('refuses to complete with pieces missing', async () => {
      const store = create(pieces, LEECHER);
      await store.open();
      await store.write(0, pieceOf(0));
      expect((await rejection(store.complete())).message).to.match(/1 of 11 pieces/);
      expect(fs.existsSync(finalFile(LEECHER))).to.equal(false);
    });
  });

  describe('file (read buffers of big pieces)', () => {
    it('reuses a read buffer the peer gave back (recycle), and only that one, with the right bytes', async () => {
      const big = 64 * 1024;
      const bigContent = contentOf(4 * big + 10);
      const bigPiece = (i: number): Buffer => bigContent.subarray(i * big, Math.min(bigContent.length, (i + 1) * big));
      fs.mkdirSync(path.dirname(finalFile(SEEDER)), { recursive: true });
      fs.writeFileSync(finalFile(SEEDER), bigContent);
      const store = file.create(storeContext(dir, SEEDER, bigContent.length, big));
      open.push(store);
      await store.open();
      const first = await store.read(0);
      expect(Buffer.from(first).equals(bigPiece(0))).to.equal(true);
      const second = await store.read(1);
      expect(second.buffer, 'the first is still out: not reused').to.not.equal(first.buffer);
      store.recycle!(first);
      const third = await store.read(2);
      expect(third.buffer, 'the buffer given back serves the next read').to.equal(first.buffer);
      expect(Buffer.from(third).equals(bigPiece(2))).to.equal(true);
      expect(Buffer.from(second).equals(bigPiece(1)), 'a buffer still out is untouched').to.equal(true);
      store.recycle!(pieceOf(0)); // not one of its buffers: ignored
      const last = await store.read(4);
      expect(Buffer.from(last).equals(bigPiece(4))).to.equal(true);
    });
  });

  describe('memory (its own rules)', () => {
    it('touches the disk only on complete()', async () => {
      const store = create(memory, LEECHER);
      await store.open();
      for (let i = 0; i < geometry.numPieces; i++) await store.write(i, pieceOf(i));
      expect(filesUnder(dir)).to.deep.equal([]);
      await store.complete();
      expect(filesUnder(dir)).to.deep.equal([path.join(`peer_${LEECHER}`, FILE_NAME)]);
    });

    it('refuses to complete with pieces missing, and to read a piece it lacks', async () => {
      const store = create(memory, LEECHER);
      await store.open();
      await store.write(0, pieceOf(0));
      expect((await rejection(store.complete())).message).to.match(/1 of 11 pieces/);
      expect((await rejection(store.read(1))).message).to.match(/piece 1 is not held/);
    });
  });
});
