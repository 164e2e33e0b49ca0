import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hashFileName, hashFilePieces } from '../../core/integrity/piece-hashes';
import { freePorts } from '../helpers/ports';
import { childrenOf, isRunning, portHeld, Running, start, until } from '../helpers/processes';

describe('peer swarm', function () {
  this.timeout(60000);
  let dir: string;
  let ports: number[];
  const running: Running[] = [];
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-swarmcmd-'));
    ports = await freePorts(5);
    // Large enough, and a slow seeder, so the swarm is still running when the test stops it.
    fs.writeFileSync(path.join(dir, 'common.cfg'), 'NumberOfPreferredNeighbors 2\nUnchokingInterval 0.2\nOptimisticUnchokingInterval 0.4\nFileName TheFile.dat\nFileSize 4000000\nPieceSize 16384\n');
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), ports.map((p, i) => `${1001 + i} 127.0.0.1 ${p} ${i === 0 ? 1 : 0}`).join('\n') + '\n');
  });
  afterEach(() => {
    for (const r of running.splice(0)) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const swarm = (args: string[]): Running => {
    const r = start(['swarm', '--config', dir, '--dir', path.join(dir, 'run'), '--quiet', ...args], dir);
    running.push(r);
    return r;
  };

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGKILL'] as const) {
    it(`takes its peers with it when it gets ${signal} (to that one process): within 2 s no peer runs and no port is held`, async () => {
      const r = swarm(['--make-file', '--upload-rate', '32KiB']);
      const pid = r.child.pid!;
      let peers: number[] = [];
      await until('5 peers listening', () => (peers = childrenOf(pid)).length === 5, 20000, r);
      for (const port of ports) {
        const deadline = Date.now() + 10000;
        while (!portHeld(port)) {
          if (Date.now() > deadline) throw new Error(`port ${port} never bound; stderr:\n${r.stderr}`);
          await new Promise((res) => setTimeout(res, 25));
        }
      }
      const sentAt = Date.now();
      process.kill(pid, signal);
      await until('every peer gone', () => peers.every((p) => !isRunning(p)), 2000);
      for (const port of ports) expect(portHeld(port), `port ${port} still held`).to.equal(false);
      const elapsed = Date.now() - sentAt;
      expect(elapsed).to.be.below(2000);
      const { code, signal: killedBy } = await r.exited;
      if (signal === 'SIGKILL') expect(killedBy).to.equal('SIGKILL');
      else expect(code, r.stderr).to.equal(signal === 'SIGINT' ? 130 : 143);
    });
  }

  it('refuses a config whose seeder file is missing (exit 2, naming the path) and creates nothing', async () => {
    const r = swarm([]);
    const { code } = await r.exited;
    expect(code).to.equal(2);
    expect(r.stderr).to.contain(`${path.join(dir, 'run', 'peer_1001', 'TheFile.dat')}: missing: the peer file says peer 1001 has the file`);
    expect(r.stderr).to.contain('--make-file');
    expect(fs.existsSync(path.join(dir, 'run'))).to.equal(false);
  });

  it('with --quiet still says why a peer failed, not only its exit code', async () => {
    const seed = path.join(dir, 'run', 'peer_1001', 'TheFile.dat');
    fs.mkdirSync(path.dirname(seed), { recursive: true });
    fs.writeFileSync(seed, Buffer.alloc(4000000, 7));
    fs.writeFileSync(path.join(dir, hashFileName('TheFile.dat')), (await hashFilePieces(seed, 16384)).format());
    fs.writeFileSync(seed, Buffer.alloc(1, 8), { flag: 'r+' }); // piece 0 no longer matches
    const r = swarm([]);
    const { code } = await r.exited;
    expect(code).to.equal(1);
    expect(r.stderr).to.contain('peer 1001 exited with 2 (seeder)');
    expect(r.stderr).to.contain('  | peer 1001: error: ');
    expect(r.stderr).to.contain('piece 0 of 245 does not match TheFile.dat.hashes');
  });

  it('checks plugin names and options before starting any peer (exit 2, nothing created)', async () => {
    for (const args of [['--strategy', 'nope'], ['--logger', 'classic,nope'], ['--choke', './missing-policy.js']]) {
      const r = swarm(['--make-file', ...args]);
      const { code } = await r.exited;
      expect(code, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
      expect(r.stderr.trim().split('\n'), r.stderr).to.have.length(1);
      expect(r.stderr).to.match(/^error: .*(nope|missing-policy)/);
      expect(r.stderr).to.not.contain('exited with');
      expect(fs.existsSync(path.join(dir, 'run')), 'a run folder was created').to.equal(false);
    }
  });
});
