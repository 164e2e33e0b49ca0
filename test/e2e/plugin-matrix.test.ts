import { expect } from 'chai';
import * as fs from 'node:fs';
import { DEFAULT_MANIFEST } from '../../core/paths';
import { loadPlugin, readManifest } from '../../core/plugin/plugin-registry';
import { PluginKind } from '../../core/plugin/contracts';
import { freePorts } from '../helpers/ports';
import { SwarmFixture } from '../helpers/swarm-fixture';

/**
 * Every piece strategy x choke policy x storage of the manifest completes a
 * 5-peer swarm over real sockets (peers in this process, to stay inside the
 * CI budget) with byte-identical copies.
 */
describe('plugin matrix: 5-peer swarms over real sockets', function () {
  this.timeout(30000);
  const manifest = readManifest(DEFAULT_MANIFEST);
  // Simulation-only plugins (a store that keeps no bytes) cannot serve real peers: not part of this matrix.
  const names = (kind: PluginKind): string[] => manifest.filter((e) => e.kind === kind && !loadPlugin(kind, e.name, manifest).simulationOnly).map((e) => e.name);

  for (const strategy of names('strategy')) {
    for (const choke of names('choke')) {
      for (const storage of names('storage')) {
        it(`${strategy} x ${choke} x ${storage}`, async () => {
          const ports = await freePorts(5);
          const fx = new SwarmFixture({
            peers: ports.map((port, i) => ({ id: 1001 + i, port, hasFile: i === 0 })),
            fileSize: 60 * 1024 - 100,
            pieceSize: 1024,
            preferred: 2,
            unchokingInterval: 0.05,
            optimisticInterval: 0.1,
          });
          const peers = fx.startAll(() => ({ strategy, choke, storage }));
          try {
            await Promise.all(peers.map((p) => p.done));
            for (const id of [1002, 1003, 1004, 1005]) expect(fs.readFileSync(fx.fileOf(id)).equals(fx.content), `peer ${id}`).to.equal(true);
            for (const p of peers) expect(p.of('plugin-error'), 'no plugin misbehaved').to.deep.equal([]);
          } finally {
            await Promise.all(peers.map((p) => p.stop()));
            fx.cleanup();
          }
        });
      }
    }
  }
});
