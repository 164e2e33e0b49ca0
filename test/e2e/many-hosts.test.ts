import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runLocalSwarm } from '../../app/swarm/local-swarm';
import { NetnsLab, SKIP_NETNS_ENV } from '../helpers/netns';
import { PEER_SCRIPT } from '../helpers/peer-process';

/**
 * Many hosts: every peer in its own network namespace with its own address
 * on a shared bridge, the seeder's uplink shaped by the kernel (tc tbf), the
 * same port on every host. Plain and with TLS.
 */
describe('many hosts: a peer per network namespace, the seeder behind tc tbf', function () {
  this.timeout(90000);
  const FILE_SIZE = 4 * 1024 * 1024;
  /** 32 Mbit/s = 4,000,000 bytes/s: the seeder alone needs at least ~1 s to upload one copy. */
  const SEEDER_RATE = '32mbit';
  const SEEDER_BYTES_PER_S = 4_000_000;
  const HOSTS = 4;
  let lab: NetnsLab | undefined;
  let dir: string;

  before(function () {
    const why = NetnsLab.unavailable();
    if (why === undefined) return;
    if (process.env[SKIP_NETNS_ENV] === '1') {
      process.stderr.write(`    (skipping the many-hosts tests as ${SKIP_NETNS_ENV}=1 asks: ${why})\n`);
      this.skip();
    }
    throw new Error(`${why}; these tests need it (set ${SKIP_NETNS_ENV}=1 to skip them explicitly)`);
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-netns-'));
    lab = new NetnsLab(HOSTS);
    fs.writeFileSync(
      path.join(dir, 'common.cfg'),
      `NumberOfPreferredNeighbors 2\nUnchokingInterval 0.5\nOptimisticUnchokingInterval 1\nFileName TheFile.dat\nFileSize ${FILE_SIZE}\nPieceSize 16384\n`,
    );
    // Every host listens on the same port: each has its own address and its own stack.
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), lab.hosts.map((h, i) => `${1001 + i} ${h.address} 6001 ${i === 0 ? 1 : 0}`).join('\n') + '\n');
    lab.shapeUplink(0, SEEDER_RATE);
  });

  afterEach(() => {
    lab?.destroy();
    lab = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const tls of [false, true]) {
    it(`completes with identical copies on every host${tls ? ', inside TLS' : ''}`, async () => {
      if (tls) {
        const init = spawnSync(process.execPath, [PEER_SCRIPT, 'tls', 'init', dir], { encoding: 'utf8', timeout: 20000 });
        expect(init.status, init.stderr).to.equal(0);
      }
      const l = lab!;
      const hostOf = (id: number): number => id - 1001;
      const result = await runLocalSwarm({ configDir: dir, dir, peerArgs: tls ? ['--tls'] : [], launcher: (peer) => l.exec(hostOf(peer.id)), timeoutMs: 60000 });
      const detail = result.peers.map((p) => `${p.id}: exit ${p.exitCode ?? p.signal} ${p.stderr.trim()}`).join('\n');
      expect(result.ok, detail).to.equal(true);
      expect(result.peers.map((p) => p.identical)).to.deep.equal(Array(HOSTS).fill(true));
      // The seeder's bytes went out through its shaped link: at least one copy, no faster than the bucket allows.
      const sent = l.uplinkBytesSent(0);
      expect(sent).to.be.at.least(FILE_SIZE);
      expect(result.transferWindowMs).to.be.at.least((FILE_SIZE / SEEDER_BYTES_PER_S) * 1000 * 0.9);
      // Each leecher connected to the others across the bridge, by their own addresses (the classic log says so).
      const log = fs.readFileSync(path.join(dir, 'log_peer_1004.log'), 'utf8');
      for (const id of [1001, 1002, 1003]) expect(log).to.contain(`Peer 1004 makes a connection to Peer ${id}.`);
    });
  }
});
