import { expect } from 'chai';
import * as fs from 'node:fs';
import { DEFAULT_MANIFEST } from '../../../core/paths';
import { readManifest } from '../../../core/plugin/plugin-registry';
import { composePeer } from '../../../app/compose/compose-peer';
import { freePorts } from '../../helpers/ports';
import { RunningPeer, SwarmFixture } from '../../helpers/swarm-fixture';

describe('bandwidth limits (token-bucket rate limiter in the transport)', function () {
  this.timeout(20000);

  async function transfer(limits: { upload?: number; download?: number }, on: 'seeder' | 'leecher'): Promise<number> {
    const ports = await freePorts(2);
    const fx = new SwarmFixture({
      peers: [
        { id: 1001, port: ports[0]!, hasFile: true },
        { id: 1002, port: ports[1]!, hasFile: false },
      ],
      fileSize: 600 * 1024,
      pieceSize: 16 * 1024,
    });
    const start = (id: number, withLimits: boolean): RunningPeer =>
      new RunningPeer(
        composePeer({
          id,
          configDir: fx.dir,
          dataDir: fx.dir,
          logDir: fx.dir,
          manifest: readManifest(DEFAULT_MANIFEST),
          selection: { loggers: ['silent'] },
          pipeline: 4,
          verbose: false,
          listenHost: '127.0.0.1',
          limits: withLimits ? limits : {},
        }),
      );
    const began = Date.now();
    const peers = [start(1001, on === 'seeder'), start(1002, on === 'leecher')];
    try {
      await Promise.all(peers.map((p) => p.done));
      expect(fs.readFileSync(fx.fileOf(1002)).equals(fx.content)).to.equal(true);
      return Date.now() - began;
    } finally {
      await Promise.all(peers.map((p) => p.stop()));
      fx.cleanup();
    }
  }

  it("holds the seeder's uploads to --upload-rate", async () => {
    // 600 KiB at 300 KiB/s: about 2 s (the first 32 KiB burst is free).
    const ms = await transfer({ upload: 300 * 1024 }, 'seeder');
    expect(ms).to.be.within(1700, 4000);
  });

  it("holds the leecher's downloads to --download-rate", async () => {
    const ms = await transfer({ download: 300 * 1024 }, 'leecher');
    expect(ms).to.be.within(1500, 4500);
  });

  it('is unlimited without a rate', async () => {
    expect(await transfer({}, 'seeder')).to.be.below(1500);
  });
});
