import { expect } from 'chai';
import * as fs from 'node:fs';
import { TOKENS } from '../../core/plugin/tokens';
import { BufferPool } from '../../core/util/buffer-pool';
import { ArrayStore } from '../helpers/array-store';
import { freePorts } from '../helpers/ports';
import { SwarmFixture } from '../helpers/swarm-fixture';

/**
 * A store that keeps the very buffer it is given and serves it from `read`
 * (what the storage contract allows a store that does not declare
 * `copiesOnWrite`): if the peer reused a buffer it had written, this store's
 * pieces would change under it, and the copies it serves and writes out would
 * differ from the original.
 */
class KeepingStore extends ArrayStore {
  constructor(numPieces: number, private readonly file: string) {
    super(numPieces);
  }

  override async write(index: number, data: Uint8Array): Promise<void> {
    this.pieces[index] = data;
  }

  override async complete(): Promise<void> {
    fs.writeFileSync(this.file, Buffer.concat(this.pieces.map((p) => p!)));
  }
}

/**
 * Received pieces are reassembled in reused buffers (docs/performance.md, "Peak RSS"): over
 * real sockets, with big pieces (every piece frame spans socket reads), a swarm whose leechers
 * use the file store, the memory store and a store that keeps its buffers ends with identical
 * copies; the copying stores' peers reused buffers, the keeping store's peer never did.
 */
describe('piece buffers are reused only when nothing holds them (real sockets)', function () {
  this.timeout(30000);

  it('file, memory and a buffer-keeping store: identical copies; only the copying stores reuse buffers', async () => {
    const PIECE = 128 * 1024;
    const ports = await freePorts(4);
    const fx = new SwarmFixture({
      peers: ports.map((port, i) => ({ id: 1001 + i, port, hasFile: i === 0 })),
      fileSize: 24 * PIECE - 1000,
      pieceSize: PIECE,
      preferred: 3,
    });
    fs.mkdirSync(fx.fileOf(1004).replace(/TheFile\.dat$/, ''), { recursive: true });
    const keeping = new KeepingStore(24, fx.fileOf(1004));
    const peers = [
      fx.startPeer(1001),
      fx.startPeer(1002, { storage: 'file' }),
      fx.startPeer(1003, { storage: 'memory' }),
      fx.startPeer(1004, {}, { register: (c) => c.register(TOKENS.Storage, { useValue: keeping }) }),
    ];
    try {
      await Promise.all(peers.map((p) => p.done));
      for (const id of [1002, 1003, 1004]) expect(fs.readFileSync(fx.fileOf(id)).equals(fx.content), `peer ${id}`).to.equal(true);
      const reused = peers.map((p) => p.composed.container.resolve<BufferPool>(TOKENS.PieceBuffers).reused);
      expect(reused[1], 'the file store peer reused piece buffers').to.be.greaterThan(0);
      expect(reused[2], 'the memory store peer reused piece buffers').to.be.greaterThan(0);
      expect(reused[3], 'the keeping store peer never did').to.equal(0);
      for (const p of peers) expect(p.of('plugin-error')).to.deep.equal([]);
    } finally {
      await Promise.all(peers.map((p) => p.stop()));
      fx.cleanup();
    }
  });
});
