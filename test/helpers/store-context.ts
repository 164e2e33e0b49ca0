import * as path from 'node:path';
import { PieceHashes } from '../../core/integrity/piece-hashes';
import { PluginContext } from '../../core/plugin/contracts';
import { PieceGeometry } from '../../core/protocol/geometry';
import { SeededRandom } from '../../core/util/random';

export const FILE_NAME = 'TheFile.dat';
export const SEEDER = 1001;
export const LEECHER = 1002;

/** Deterministic bytes for a test file. */
export function contentOf(size: number, seed = 5): Buffer {
  const rng = new SeededRandom(seed);
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = rng.int(256);
  return b;
}

/** What a store plugin sees for peer `id` of a two-peer swarm (1001 seeds, 1002 downloads) keeping its folder in `dataDir`. */
export function storeContext(dataDir: string, id: number, fileSize: number, pieceSize: number, pieceHashes?: PieceHashes): PluginContext {
  const peers = [
    { id: SEEDER, host: 'localhost', port: 6001, hasFile: true },
    { id: LEECHER, host: 'localhost', port: 6002, hasFile: false },
  ];
  return {
    selfId: id,
    self: peers.find((p) => p.id === id)!,
    peers,
    common: { numberOfPreferredNeighbors: 1, unchokingInterval: 5, optimisticUnchokingInterval: 10, fileName: FILE_NAME, fileSize, pieceSize, plugins: {} },
    geometry: new PieceGeometry(fileSize, pieceSize),
    random: new SeededRandom(1),
    dataDir,
    logDir: dataDir,
    commonFile: path.join(dataDir, 'common.cfg'),
    verbose: false,
    pieceHashes,
  };
}
