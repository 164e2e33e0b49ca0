import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runLocalSwarm } from '../../app/swarm/local-swarm';
import { PeerProcess, PEER_SCRIPT } from '../helpers/peer-process';
import { freePorts } from '../helpers/ports';

/** TLS on real processes over loopback: `peer tls init`, a TLS swarm, a spoofed id, plain meeting TLS. */
describe('TLS (peer tls init, --tls, Plugin.transport tls)', function () {
  this.timeout(60000);
  let dir: string;
  const running: PeerProcess[] = [];

  function writeConfig(target: string, ports: number[], extra = ''): void {
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(
      path.join(target, 'common.cfg'),
      `NumberOfPreferredNeighbors 2\nUnchokingInterval 0.5\nOptimisticUnchokingInterval 1\nFileName TheFile.dat\nFileSize ${1024 * 1024}\nPieceSize 16384\n${extra}`,
    );
    fs.writeFileSync(path.join(target, 'peer_info.cfg'), ports.map((port, i) => `${1001 + i} 127.0.0.1 ${port} ${i === 0 ? 1 : 0}`).join('\n') + '\n');
  }

  function tlsInit(configDir: string): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [PEER_SCRIPT, 'tls', 'init', configDir], { encoding: 'utf8', timeout: 20000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  function start(id: number, configDir: string, args: string[]): PeerProcess {
    const p = new PeerProcess(id, configDir, args);
    running.push(p);
    return p;
  }

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-tls-'));
    writeConfig(dir, await freePorts(3));
    fs.mkdirSync(path.join(dir, 'peer_1001'));
    fs.writeFileSync(path.join(dir, 'peer_1001', 'TheFile.dat'), crypto.randomBytes(1024 * 1024));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('peer tls init writes a CA and a key and certificate per peer; keys are private, certificates name the peer id', () => {
    const r = tlsInit(dir);
    expect(r.code, r.stderr).to.equal(0);
    const tls = path.join(dir, 'tls');
    expect(fs.readdirSync(tls).sort()).to.deep.equal(['ca.crt', 'ca.key', 'peer-1001.crt', 'peer-1001.key', 'peer-1002.crt', 'peer-1002.key', 'peer-1003.crt', 'peer-1003.key']);
    for (const key of fs.readdirSync(tls).filter((f) => f.endsWith('.key'))) expect(fs.statSync(path.join(tls, key)).mode & 0o777, key).to.equal(0o600);
    const ca = new crypto.X509Certificate(fs.readFileSync(path.join(tls, 'ca.crt')));
    expect(ca.ca).to.equal(true);
    for (const id of [1001, 1002, 1003]) {
      const cert = new crypto.X509Certificate(fs.readFileSync(path.join(tls, `peer-${id}.crt`)));
      expect(cert.subject).to.equal(`CN=peer-${id}`);
      expect(cert.subjectAltName).to.equal(`URI:urn:swarmlab:peer:${id}`);
      expect(cert.verify(ca.publicKey), `peer-${id}.crt is signed by the CA`).to.equal(true);
      expect(cert.checkPrivateKey(crypto.createPrivateKey(fs.readFileSync(path.join(tls, `peer-${id}.key`)))), `peer-${id}.key`).to.equal(true);
    }
    // A second run keeps what is there (peers already hold those files).
    const before = fs.readFileSync(path.join(tls, 'peer-1002.crt'));
    expect(tlsInit(dir).code).to.equal(0);
    expect(fs.readFileSync(path.join(tls, 'peer-1002.crt')).equals(before)).to.equal(true);
  });

  it('a swarm with Plugin.transport tls completes with identical copies', async () => {
    writeConfig(dir, await freePorts(3), 'Plugin.transport tls\n');
    expect(tlsInit(dir).code).to.equal(0);
    const result = await runLocalSwarm({ configDir: dir, dir, peerArgs: ['--listen-host', '127.0.0.1'], timeoutMs: 45000 });
    expect(result.ok, result.peers.map((p) => `${p.id}: exit ${p.exitCode} ${p.stderr}`).join('\n')).to.equal(true);
    expect(result.peers.map((p) => p.identical)).to.deep.equal([true, true, true]);
  });

  it('a TLS peer whose certificate names 1003 but whose handshake says 1002 is rejected, and the seeder keeps running', async () => {
    expect(tlsInit(dir).code).to.equal(0);
    // The impostor runs as 1002 with 1003's (genuine, CA-signed) certificate and key.
    const spoof = path.join(dir, 'impostor');
    fs.mkdirSync(path.join(spoof, 'tls'), { recursive: true });
    for (const f of ['common.cfg', 'peer_info.cfg']) fs.copyFileSync(path.join(dir, f), path.join(spoof, f));
    fs.copyFileSync(path.join(dir, 'tls', 'ca.crt'), path.join(spoof, 'tls', 'ca.crt'));
    fs.copyFileSync(path.join(dir, 'tls', 'peer-1003.crt'), path.join(spoof, 'tls', 'peer-1002.crt'));
    fs.copyFileSync(path.join(dir, 'tls', 'peer-1003.key'), path.join(spoof, 'tls', 'peer-1002.key'));
    const seeder = start(1001, dir, ['--tls']);
    const impostor = start(1002, spoof, ['--tls']);
    await seeder.waitStderr(/peer 1001: rejected a connection: peer says it is 1002 but its certificate names 1003/, 20000);
    expect(seeder.running, 'the seeder survives').to.equal(true);
    expect(impostor.running).to.equal(true);
    // Nothing reached the impostor: no connection, no piece (its store may have laid out an empty .part).
    const part = path.join(spoof, 'peer_1002', 'TheFile.dat.part');
    if (fs.existsSync(part)) expect(fs.readFileSync(part).every((b) => b === 0), 'the impostor\'s .part holds no data').to.equal(true);
    // Its log may say it connected: the seeder sends its own handshake as the connection opens, and whether that
    // reaches the impostor before the rejection closes the link is a race. What matters is that no piece did.
    expect(fs.readFileSync(path.join(spoof, 'log_peer_1002.log'), 'utf8')).to.not.match(/has downloaded|is unchoked by/);
    // The seeder never took it for a neighbour.
    expect(fs.readFileSync(path.join(dir, 'log_peer_1001.log'), 'utf8')).to.not.match(/is connected from Peer 1002/);
  });

  for (const tlsSide of ['dialler', 'listener'] as const) {
    it(`a plain peer and a TLS peer (the ${tlsSide}) each report one clear error naming the other, and neither crashes`, async () => {
      expect(tlsInit(dir).code).to.equal(0);
      // --quiet: no status line, so stderr holds only the problems.
      const common = ['--quiet'];
      // 1001 listens, 1002 dials it.
      const listener = start(1001, dir, [...(tlsSide === 'listener' ? ['--tls'] : []), ...common]);
      const dialler = start(1002, dir, [...(tlsSide === 'dialler' ? ['--tls'] : []), ...common]);
      const [tlsPeer, plainPeer] = tlsSide === 'listener' ? [listener, dialler] : [dialler, listener];
      const plainId = tlsSide === 'listener' ? 1002 : 1001;
      const tlsId = tlsSide === 'listener' ? 1001 : 1002;
      await tlsPeer.waitStderr(new RegExp(`peer ${plainId} (connected|answered) without TLS: it does not run with --tls and this peer does`), 20000);
      // The plain listener sees only a ClientHello: it names the TLS peer by its address.
      const plainSays = tlsSide === 'listener' ? `peer ${tlsId} answered with TLS` : `the peer at 127\\.0\\.0\\.1:\\d+ opened with a TLS ClientHello`;
      await plainPeer.waitStderr(new RegExp(`${plainSays}: it runs with --tls and this peer does not`), 20000);
      // Retrying cannot help: the dialler does not redial, so each side reports it once.
      await new Promise((r) => setTimeout(r, 1500));
      for (const p of [listener, dialler]) {
        expect(p.running, 'still running').to.equal(true);
        expect(p.stderr.trim().split('\n'), p.stderr).to.have.length(1);
      }
    });
  }
});
