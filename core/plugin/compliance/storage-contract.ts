import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { SeededRandom } from '../../util/random';
import { ContractCheck } from './compliance';

export const STORAGE_CONTRACT: readonly ContractCheck<'storage'>[] = [
  {
    name: 'a downloading peer starts empty, stores pieces in any order, reads them back, and completes the file',
    async run(def, scratch) {
      const store = def.create(scratch.context({ seeder: false }));
      const held = await store.open();
      assert.equal(held.size, scratch.geometry.numPieces);
      assert.equal(held.count, 0, 'a peer without the file must start with no pieces');
      const order = new SeededRandom(3).shuffle(Array.from({ length: scratch.geometry.numPieces }, (_, i) => i));
      for (const i of order) await store.write(i, scratch.piece(i));
      for (const i of order) assert.ok(Buffer.from(await store.read(i)).equals(scratch.piece(i)), `piece ${i} reads back different`);
      await store.complete();
      assert.ok(fs.readFileSync(scratch.finalFile(2)).equals(scratch.content), 'the completed file differs from the pieces written');
      for (const i of [0, scratch.geometry.numPieces - 1]) assert.ok(Buffer.from(await store.read(i)).equals(scratch.piece(i)), `piece ${i} unreadable after complete()`);
      await store.close();
    },
  },
  {
    name: 'a peer with the file holds every piece and serves the bytes of its file',
    async run(def, scratch) {
      const store = def.create(scratch.context({ seeder: true }));
      const held = await store.open();
      assert.equal(held.count, scratch.geometry.numPieces);
      for (let i = 0; i < scratch.geometry.numPieces; i++) assert.ok(Buffer.from(await store.read(i)).equals(scratch.piece(i)), `piece ${i}`);
      await store.close();
    },
  },
  {
    name: 'refuses a piece of the wrong length',
    async run(def, scratch) {
      const store = def.create(scratch.context({ seeder: false }));
      await store.open();
      await assert.rejects(async () => store.write(0, Buffer.alloc(10)));
      await assert.rejects(async () => store.write(scratch.geometry.numPieces - 1, Buffer.alloc(scratch.geometry.pieceSize)));
      await store.close();
    },
  },
  {
    name: 'keeps no buffer it declared it copies (copiesOnWrite), and a read buffer given back (recycle) changes no piece',
    async run(def, scratch) {
      const store = def.create(scratch.context({ seeder: false }));
      await store.open();
      const n = scratch.geometry.numPieces;
      for (let i = 0; i < n; i++) {
        const given = Buffer.from(scratch.piece(i));
        await store.write(i, given);
        // The peer reuses the buffer of a piece written by a store that copies it: the store must not see that.
        if (store.copiesOnWrite === true) given.fill(0xee);
      }
      for (let i = 0; i < n; i++) {
        const data = await store.read(i);
        assert.ok(Buffer.from(data).equals(scratch.piece(i)), `piece ${i} changed after the buffer it was written from was reused`);
        store.recycle?.(data);
      }
      // Pieces read after buffers came back must still be right, whatever buffers the store reuses for them.
      for (let i = n - 1; i >= 0; i--) assert.ok(Buffer.from(await store.read(i)).equals(scratch.piece(i)), `piece ${i} differs after read buffers were recycled`);
      await store.complete();
      assert.ok(fs.readFileSync(scratch.finalFile(2)).equals(scratch.content), 'the completed file differs from the pieces written');
      await store.close();
    },
  },
  {
    name: 'shows no file under the final name before the download is complete',
    async run(def, scratch) {
      const store = def.create(scratch.context({ seeder: false }));
      await store.open();
      await store.write(0, scratch.piece(0));
      assert.ok(!fs.existsSync(scratch.finalFile(2)), 'a partial download is visible under the final file name');
      await store.close();
    },
  },
];

/**
 * For a simulation-only store, which keeps no bytes: it must still know what
 * it holds, hand out pieces of the right length and refuse wrong ones.
 */
export const SIMULATED_STORAGE_CONTRACT: readonly ContractCheck<'storage'>[] = [
  {
    name: 'a downloading peer starts empty and can read back every piece it stored, at the right length',
    async run(def, scratch) {
      const store = def.create(scratch.context({ seeder: false }));
      const held = await store.open();
      assert.equal(held.count, 0);
      for (let i = 0; i < scratch.geometry.numPieces; i++) await store.write(i, scratch.piece(i));
      for (let i = 0; i < scratch.geometry.numPieces; i++) assert.equal((await store.read(i)).length, scratch.geometry.lengthOf(i));
      await store.complete();
      await store.close();
    },
  },
  {
    name: 'a peer with the file holds every piece',
    async run(def, scratch) {
      const store = def.create(scratch.context({ seeder: true }));
      assert.equal((await store.open()).count, scratch.geometry.numPieces);
      await store.close();
    },
  },
  STORAGE_CONTRACT[2]!,
];
