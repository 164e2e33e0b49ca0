import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkPlugin } from '../../../core/plugin/compliance';
import { PluginContext } from '../../../core/plugin/contracts';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { SeededRandom } from '../../../core/util/random';
import virtual, { VirtualStore } from '../../../plugins/storage/virtual';

function contextFor(dir: string, seeder: boolean, fileSize: number, pieceSize: number): PluginContext {
  const peers = [
    { id: 1, host: 'peer1.sim', port: 6881, hasFile: true },
    { id: 2, host: 'peer2.sim', port: 6881, hasFile: false },
  ];
  return {
    selfId: seeder ? 1 : 2,
    self: seeder ? peers[0]! : peers[1]!,
    peers,
    common: { numberOfPreferredNeighbors: 3, unchokingInterval: 5, optimisticUnchokingInterval: 10, fileName: 'TheFile.dat', fileSize, pieceSize, plugins: {} },
    geometry: new PieceGeometry(fileSize, pieceSize),
    random: new SeededRandom(1),
    dataDir: dir,
    logDir: dir,
    commonFile: path.join(dir, 'common.cfg'),
    verbose: false,
    limits: {},
  };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('plugins/storage/virtual', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-virtual-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is the storage plugin "virtual", marked simulation-only', () => {
    expect(virtual.kind).to.equal('storage');
    expect(virtual.name).to.equal('virtual');
    expect(virtual.simulationOnly).to.equal(true);
    expect(virtual.description).to.match(/^simulation only/);
  });

  it('a leecher remembers what it was given, reads back zeros of the right length, and touches no disk', async () => {
    const store = virtual.create(contextFor(dir, false, 10 * 1000 + 123, 1000));
    const held = await store.open();
    expect(held.count).to.equal(0);
    expect(held.size).to.equal(11);
    expect((await rejection(store.read(0))).message).to.match(/piece 0 is not held/);
    for (const i of new SeededRandom(2).shuffle([...Array(11).keys()])) await store.write(i, new Uint8Array(i === 10 ? 123 : 1000).fill(7));
    const first = await store.read(0);
    const last = await store.read(10);
    expect(first.length).to.equal(1000);
    expect(last.length).to.equal(123);
    expect(first.every((b) => b === 0) && last.every((b) => b === 0)).to.equal(true);
    await store.complete();
    await store.close();
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it('checks what it is given, as the other stores do', async () => {
    const store = virtual.create(contextFor(dir, false, 10 * 1000 + 123, 1000));
    await store.open();
    expect((await rejection(store.write(3, new Uint8Array(999)))).message).to.equal('piece 3 has 999 bytes, expected 1000');
    expect((await rejection(store.write(10, new Uint8Array(1000)))).message).to.equal('piece 10 has 1000 bytes, expected 123');
    expect((await rejection(store.write(11, new Uint8Array(1000)))).message).to.match(/piece 11 out of range 0\.\.10/);
    expect((await rejection(store.complete())).message).to.equal('cannot complete: 0 of 11 pieces held');
    await store.close();
    expect((await rejection(store.read(0))).message).to.match(/not open/);
  });

  it('a seeder holds every piece without any file on disk, and takes no writes', async () => {
    const store = virtual.create(contextFor(dir, true, 5000, 1000));
    expect((await store.open()).isComplete).to.equal(true);
    expect((await store.read(4)).length).to.equal(1000);
    expect((await rejection(store.write(0, new Uint8Array(1000)))).message).to.match(/has the complete file/);
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it('1,000 peers of a 64 MiB file share one piece-sized buffer', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const stores: VirtualStore[] = [];
    const buffers = new Set<ArrayBufferLike>();
    const incoming = new Uint8Array(256 * 1024);
    for (let i = 0; i < 1000; i++) {
      const store = new VirtualStore(contextFor(dir, i === 0, 64 * 1024 * 1024, 256 * 1024));
      await store.open();
      if (i > 0) await store.write(i % 256, incoming);
      buffers.add((await store.read(i % 256)).buffer);
      stores.push(store);
    }
    expect(buffers.size).to.equal(1);
    expect(process.memoryUsage().arrayBuffers - before).to.be.below(8 * 1024 * 1024);
    expect(stores[1]!.count).to.equal(1);
  });

  it('meets the contract of a simulation-only store', async () => {
    const results = await checkPlugin(virtual);
    expect(results.length).to.be.at.least(3);
    expect(results.filter((r) => r.error).map((r) => `${r.name}: ${r.error!.message}`)).to.deep.equal([]);
  });
});
