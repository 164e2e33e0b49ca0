import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths';
import { freePorts } from '../helpers/ports';

const PEER = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js');
const PEER_PROCESS = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer-process.js');

function run(script: string, args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [script, ...args], { cwd, encoding: 'utf8', timeout: 20000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('command line and config errors', function () {
  this.timeout(30000);
  let dir: string;
  let ports: number[];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-cli-'));
    ports = await freePorts(2);
    fs.writeFileSync(path.join(dir, 'common.cfg'), 'NumberOfPreferredNeighbors 1\nUnchokingInterval 1\nOptimisticUnchokingInterval 2\nFileName TheFile.dat\nFileSize 2000\nPieceSize 1000\n');
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), `1001 127.0.0.1 ${ports[0]} 1\n1002 127.0.0.1 ${ports[1]} 0\n`);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Nothing but the config files: no peer folder, no half-written file. */
  function expectNothingWritten(): void {
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('peer_') && !f.endsWith('.cfg'))).to.deep.equal([]);
  }

  it('prints help and exits 0', () => {
    const r = run(PEER, ['--help'], dir);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/Usage: peer/);
    expect(run(PEER, ['run', '--help'], dir).stdout).to.match(/--strategy <name\|path>/);
  });

  it('rejects an id that is not in the peer file with one line and exit 2', () => {
    const r = run(PEER, ['--id', '1009', '--config', dir, '--dir', dir], dir);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/peer_info\.cfg: peer 1009 is not listed \(listed: 1001, 1002\)/);
    expectNothingWritten();
  });

  it('rejects an unknown plugin name with exit 2, before writing anything', () => {
    for (const [flag, kind] of [['--strategy', 'strategy'], ['--choke', 'choke'], ['--storage', 'storage'], ['--logger', 'logger']]) {
      const r = run(PEER, ['--id', '1002', '--config', dir, '--dir', dir, '--log-dir', dir, flag!, 'nope'], dir);
      expect(r.code, flag).to.equal(2);
      expect(r.stderr).to.contain(`unknown ${kind} plugin "nope"`);
    }
    expectNothingWritten();
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('log_peer'))).to.deep.equal([]);
  });

  it('rejects bad flags with exit 2', () => {
    expect(run(PEER, ['--id', 'abc'], dir).code).to.equal(2);
    expect(run(PEER, ['--id', '1002', '--pipeline', '0', '--config', dir], dir).code).to.equal(2);
    expect(run(PEER, ['--id', '1002', '--frobnicate'], dir).code).to.equal(2);
    const usage = run(PEER_PROCESS, [], dir);
    expect(usage.code).to.equal(2);
    expect(usage.stderr).to.match(/usage: peerProcess <peerId>/);
  });

  it('names the file and line of a bad config line, exit 2, nothing written', () => {
    fs.appendFileSync(path.join(dir, 'common.cfg'), 'Colour blue\n');
    const r = run(PEER, ['--id', '1002', '--config', dir, '--dir', dir], dir);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/common\.cfg:7: unknown key "Colour"/);
    fs.writeFileSync(path.join(dir, 'common.cfg'), fs.readFileSync(path.join(dir, 'common.cfg'), 'utf8').replace('Colour blue\n', '').replace('PieceSize 1000', 'PieceSize 0'));
    expect(run(PEER, ['--id', '1002', '--config', dir], dir).stderr).to.match(/common\.cfg:6: PieceSize must be > 0, got 0/);
    fs.writeFileSync(path.join(dir, 'common.cfg'), fs.readFileSync(path.join(dir, 'common.cfg'), 'utf8').replace('PieceSize 0', 'PieceSize 1000'));
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), `1001 127.0.0.1 60x1 1\n`);
    expect(run(PEER, ['--id', '1001', '--config', dir], dir).stderr).to.match(/peer_info\.cfg:1: port "60x1" is not a number/);
    expectNothingWritten();
  });

  it('reports a missing config file with exit 2', () => {
    fs.rmSync(path.join(dir, 'peer_info.cfg'));
    const r = run(PEER, ['--id', '1002', '--config', dir], dir);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/peer_info\.cfg: missing config file \(looked for peer_info\.cfg or PeerInfo\.cfg/);
  });

  it('refuses to seed a file whose size does not match FileSize (exit 2)', () => {
    fs.mkdirSync(path.join(dir, 'peer_1001'));
    fs.writeFileSync(path.join(dir, 'peer_1001', 'TheFile.dat'), Buffer.alloc(1500));
    const r = run(PEER, ['--id', '1001', '--config', dir, '--dir', dir, '--log-dir', dir, '--logger', 'silent'], dir);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/common\.cfg:FileSize: FileSize is 2000 but .*peer_1001\/TheFile\.dat is 1500 bytes/);
    expect(fs.statSync(path.join(dir, 'peer_1001', 'TheFile.dat')).size).to.equal(1500);
  });

  it('reports a port already in use with one clear line and leaves no partial file', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(ports[1], '127.0.0.1', resolve));
    try {
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [PEER, '--id', '1002', '--config', dir, '--dir', dir, '--log-dir', dir, '--logger', 'silent', '--listen-host', '127.0.0.1'], { cwd: dir });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain(`port ${ports[1]} is already in use (peer 1002)`);
      expect(fs.existsSync(path.join(dir, 'peer_1002', 'TheFile.dat.part'))).to.equal(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('lists the plugins of the manifest', () => {
    const r = run(PEER, ['plugins'], dir);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^strategy\/random\s+classic: /m);
    expect(r.stdout).to.match(/^choke\/classic\s+/m);
    expect(r.stdout).to.match(/^storage\/file\s+/m);
    expect(r.stdout).to.match(/^logger\/classic\s+/m);
  });
});
