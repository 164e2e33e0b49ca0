import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runLocalSwarm } from '../../app/swarm/local-swarm';
import { PACKAGE_ROOT } from '../../core/paths';
import { freePorts } from '../helpers/ports';

const EXAMPLE = path.join(PACKAGE_ROOT, 'examples', 'my-policy.js');

describe('the example plugin from examples/', function () {
  this.timeout(90000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-example-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function writeConfig(extraCommon = ''): Promise<void> {
    const ports = await freePorts(5);
    fs.writeFileSync(
      path.join(dir, 'common.cfg'),
      `NumberOfPreferredNeighbors 2\nUnchokingInterval 0.1\nOptimisticUnchokingInterval 0.2\nFileName TheFile.dat\nFileSize 200000\nPieceSize 512\n${extraCommon}`,
    );
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), ports.map((p, i) => `${1001 + i} 127.0.0.1 ${p} ${i === 0 ? 1 : 0}`).join('\n') + '\n');
  }

  it('passes its contract suite through `peer plugins test`', () => {
    const r = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js'), 'plugins', 'test', EXAMPLE], { encoding: 'utf8', timeout: 30000 });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/choke plugin "sticky"/);
    expect(r.stdout).to.match(/\n4 passed, 0 failed\n/);
  });

  it('loads by path in a 5-process swarm, which completes with identical copies', async () => {
    await writeConfig();
    const result = await runLocalSwarm({ configDir: dir, dir, peerArgs: ['--choke', EXAMPLE, '--logger', 'classic,jsonl', '--listen-host', '127.0.0.1'], timeoutMs: 60000, makeFile: true });
    for (const p of result.peers) expect(p.exitCode, `peer ${p.id}: ${p.stderr}`).to.equal(0);
    expect(result.ok).to.equal(true);
    const started = JSON.parse(fs.readFileSync(path.join(dir, 'log_peer_1002.jsonl'), 'utf8').split('\n')[0]!) as { kind: string; summary: { choke: string } };
    expect(started.kind).to.equal('started');
    expect(started.summary.choke).to.equal(EXAMPLE);
    expect(fs.readFileSync(path.join(dir, 'log_peer_1001.log'), 'utf8')).to.match(/Peer 1001 has the preferred neighbors \d+/);
  });

  it('loads from a Plugin.choke line in the config folder, relative to that folder', async () => {
    fs.copyFileSync(EXAMPLE, path.join(dir, 'my-policy.js'));
    await writeConfig('Plugin.choke ./my-policy.js\n');
    const result = await runLocalSwarm({ configDir: dir, dir, peerArgs: ['--logger', 'jsonl', '--listen-host', '127.0.0.1'], timeoutMs: 60000, makeFile: true });
    expect(result.ok, result.peers.map((p) => p.stderr).join('\n')).to.equal(true);
    const started = JSON.parse(fs.readFileSync(path.join(dir, 'log_peer_1003.jsonl'), 'utf8').split('\n')[0]!) as { summary: { choke: string } };
    expect(started.summary.choke).to.equal(path.join(dir, 'my-policy.js'));
  });
});
