import { expect } from 'chai';
import * as fs from 'node:fs';
import { Bitfield } from '../../../core/bitfield';
import { encodeMessage } from '../../../core/protocol/codec';
import { MessageType, msg } from '../../../core/protocol/messages';
import { PeerProcess } from '../../helpers/peer-process';
import { ScriptedPeer } from '../../helpers/scripted-peer';
import { SwarmFixture } from '../../helpers/swarm-fixture';

describe('fault: a request flood from one neighbour', function () {
  this.timeout(60000);
  let fx: SwarmFixture;
  let peers: PeerProcess[] = [];
  let flooders: ScriptedPeer[] = [];
  afterEach(async () => {
    flooders.forEach((f) => f.destroy());
    flooders = [];
    await Promise.all(peers.map((p) => p.stop('SIGKILL')));
    peers = [];
    fx?.cleanup();
  });

  it('keeps the seeder\'s memory bounded while another neighbour downloads the right bytes', async () => {
    fx = await SwarmFixture.onFreePorts({ peers: 3, fileSize: 2_000_000, pieceSize: 16384, preferred: 2 });
    const { ports, geometry } = fx;
    // The leecher downloads slowly enough that the whole transfer happens under the flood.
    const seeder = new PeerProcess(1001, fx.dir);
    peers = [seeder];
    // The flooder (1003) says it has everything, so the swarm can end; it is interested in the seeder
    // anyway and never reads what it asked for: the worst case for the seeder's send buffers.
    const full = msg.bitfield(Bitfield.full(geometry.numPieces).toBytes());
    const flooder = await ScriptedPeer.connect(ports[0]!, geometry);
    flooders.push(flooder);
    flooder.sendHandshake(1003);
    await flooder.handshake(10000);
    flooder.send(full);
    flooder.send(msg.interested());
    await flooder.nextOfType(MessageType.Unchoke, 10000);
    flooder.socket.pause();
    const rssBefore = seeder.rssKiB();

    let requests = 0;
    const batch = Buffer.concat(Array.from({ length: 50 }, (_, i) => encodeMessage(msg.request((i * 7) % geometry.numPieces))));
    const floodStarted = Date.now();
    // 500 requests every 2 ms or so, for as long as the leecher downloads.
    const flood = setInterval(() => {
      for (let k = 0; k < 10; k++) {
        flooder.socket.write(batch);
        requests += 50;
      }
    }, 2);
    let rssMax = rssBefore;
    const sampler = setInterval(() => {
      if (seeder.running) rssMax = Math.max(rssMax, seeder.rssKiB());
    }, 50);
    try {
      await new Promise((r) => setTimeout(r, 500));
      const leecher = new PeerProcess(1002, fx.dir, ['--download-rate', '1MiB']);
      peers.push(leecher);
      // The flooder also tells the leecher it has everything (and never unchokes it), so the leecher can finish.
      const toLeecher = await ScriptedPeer.connect(ports[1]!, geometry);
      flooders.push(toLeecher);
      toLeecher.sendHandshake(1003);
      await toLeecher.handshake(10000);
      toLeecher.send(full);
      const exit = await leecher.waitExit(30000);
      expect(exit.code, `leecher exit; stderr:\n${leecher.stderr}`).to.equal(0);
    } finally {
      clearInterval(flood);
      clearInterval(sampler);
    }
    const floodSeconds = (Date.now() - floodStarted) / 1000;
    expect(fs.readFileSync(fx.fileOf(1002)).equals(fx.content), 'leecher copy').to.equal(true);
    const rate = requests / floodSeconds;
    expect(rate, 'requests per second from the flooder').to.be.above(2000);
    const growthMiB = (rssMax - rssBefore) / 1024;
    expect(growthMiB, `seeder RSS growth under ${requests} requests`).to.be.below(48);
    expect(seeder.stderr).to.not.match(/while handling|internal error/);
    if (process.env.FAULTS_REPORT) {
      process.stdout.write(
        `      ${requests} requests in ${floodSeconds.toFixed(1)} s (${Math.round(rate)}/s) from one neighbour; seeder RSS ${(rssBefore / 1024).toFixed(1)} -> max ${(rssMax / 1024).toFixed(1)} MiB; leecher served 2 MB, identical\n`,
      );
    }
  });
});
