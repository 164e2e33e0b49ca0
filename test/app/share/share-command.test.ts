import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultPieceSize } from '../../../app/share/piece-size';
import { runLocalSwarm } from '../../../app/swarm/local-swarm';
import { loadSwarmConfig } from '../../../core/config/load-config';
import { PACKAGE_ROOT } from '../../../core/paths';
import { freePorts } from '../../helpers/ports';

const PEER = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js');

describe('peer share and peer hashes', function () {
  this.timeout(60000);
  let cwd: string;
  let file: string;
  let content: Buffer;
  beforeEach(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-share-'));
    file = path.join(cwd, 'holiday.mp4');
    content = Buffer.alloc(150_000 + 123);
    for (let i = 0; i < content.length; i++) content[i] = (i * 13 + (i >> 7)) & 0xff;
    fs.writeFileSync(file, content);
  });
  afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));
  const peer = (args: string[]): { code: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [PEER, ...args], { cwd, encoding: 'utf8', timeout: 45000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  /** The hash file, computed here independently: one lowercase hex SHA-256 per piece. */
  const expectedHashes = (pieceSize: number): string => {
    const lines: string[] = [];
    for (let at = 0; at < content.length; at += pieceSize) lines.push(createHash('sha256').update(content.subarray(at, at + pieceSize)).digest('hex'));
    return `${lines.join('\n')}\n`;
  };

  it('writes a config folder that a swarm runs from as it is, and prints the commands', async () => {
    const port = 7100;
    const r = peer(['share', 'holiday.mp4', '--peers', '3', '--piece-size', '4KiB', '--port', String(port), '--out', 'shared']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('');
    const out = path.join(cwd, 'shared');
    const config = loadSwarmConfig(out);
    expect(config.common).to.include({ fileName: 'holiday.mp4', fileSize: content.length, pieceSize: 4096 });
    expect(config.peers.map((p) => [p.id, p.host, p.port, p.hasFile])).to.deep.equal([
      [1001, 'localhost', port, true],
      [1002, 'localhost', port! + 1, false],
      [1003, 'localhost', port! + 2, false],
    ]);
    expect(fs.readFileSync(path.join(out, 'holiday.mp4.hashes'), 'utf8')).to.equal(expectedHashes(4096));
    expect(fs.readFileSync(path.join(out, 'peer_1001', 'holiday.mp4')).equals(content)).to.equal(true);
    // A hard link on the same file system: no copy, and the user's file is untouched.
    expect(fs.statSync(file).nlink).to.equal(2);
    expect(fs.readFileSync(file).equals(content)).to.equal(true);
    expect(fs.readdirSync(out).sort()).to.deep.equal(['common.cfg', 'holiday.mp4.hashes', 'peer_1001', 'peer_info.cfg']);
    expect(r.stdout).to.contain(`wrote shared/ to share holiday.mp4 (${content.length} bytes, 146.6 KiB): 37 pieces of 4 KiB\n`);
    expect(r.stdout).to.contain('\n  peer swarm --config shared --dir shared\n');
    for (const id of [1001, 1002, 1003]) expect(r.stdout).to.contain(`\n  cd shared && peer run --id ${id}\n`);

    // The folder is ready: the swarm runs from it and every copy matches the user's file.
    // (Ports moved to free ones first: the test cannot count on three consecutive free ports.)
    const free = await freePorts(3);
    fs.writeFileSync(path.join(out, 'peer_info.cfg'), fs.readFileSync(path.join(out, 'peer_info.cfg'), 'utf8').replace(/ 71(\d\d) /g, (_, i: string) => ` ${free[Number(i)]} `));
    // runLocalSwarm is what `peer swarm` runs; it lets the peers listen on loopback only.
    const swarm = await runLocalSwarm({ configDir: out, dir: out, peerArgs: ['--listen-host', '127.0.0.1'], timeoutMs: 45000 });
    expect(swarm.ok, swarm.peers.map((p) => p.stderr).join('\n')).to.equal(true);
    for (const id of [1002, 1003]) expect(fs.readFileSync(path.join(out, `peer_${id}`, 'holiday.mp4')).equals(content)).to.equal(true);
    expect(fs.readFileSync(file).equals(content)).to.equal(true);
  });

  it('with --hosts: one peer per host, the first seeds, and a command for each host', () => {
    const r = peer(['share', file, '--hosts', 'alpha,beta.lan,10.0.0.7']);
    expect(r.code, r.stderr).to.equal(0);
    const out = path.join(cwd, 'share-holiday.mp4');
    expect(fs.readFileSync(path.join(out, 'peer_info.cfg'), 'utf8')).to.equal('1001 alpha 6001 1\n1002 beta.lan 6002 0\n1003 10.0.0.7 6003 0\n');
    // The default piece size for a small file: the classic 16 KiB.
    expect(fs.readFileSync(path.join(out, 'common.cfg'), 'utf8')).to.match(/\nPieceSize 16384\n/);
    expect(r.stdout).to.contain('Copy share-holiday.mp4/ to every host (only alpha needs peer_1001/), then run, in any order:\n');
    expect(r.stdout).to.contain('\n  on alpha     cd share-holiday.mp4 && peer run --id 1001\n');
    expect(r.stdout).to.contain('\n  on 10.0.0.7  cd share-holiday.mp4 && peer run --id 1003\n');
  });

  it('refuses bad requests with exit 2 and writes nothing', () => {
    fs.mkdirSync(path.join(cwd, 'taken'));
    fs.writeFileSync(path.join(cwd, 'taken', 'notes.txt'), 'mine');
    fs.writeFileSync(path.join(cwd, 'my file.bin'), 'x');
    const cases: Array<[string[], string]> = [
      [['share', 'holiday.mp4', '--peers', '3', '--hosts', 'a,b'], 'error: give --peers or --hosts, not both'],
      [['share', 'nope.bin'], 'error: nope.bin: no such file'],
      [['share', 'holiday.mp4', '--out', 'taken'], 'error: taken already exists and is not an empty folder: choose another --out (nothing was written)'],
      [['share', 'my file.bin'], "error: my file.bin: the file name cannot contain spaces or '#' (common.cfg could not name it); rename or link it first"],
      [['share', 'holiday.mp4', '--peers', '1'], `error: option '--peers <n>' argument '1' is invalid. --peers must be a whole number >= 2, got "1"`],
      [['share', 'holiday.mp4', '--piece-size', '2 parsecs'], `error: option '--piece-size <size>' argument '2 parsecs' is invalid. --piece-size: "2 parsecs" is not a size (examples: 65536, 64KiB, 1.5MB, 2MiB/s)`],
      [['hashes', 'nope.bin', '--piece-size', '16KiB'], 'error: nope.bin: no such file'],
    ];
    for (const [args, error] of cases) {
      const r = peer(args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.stdout, args.join(' ')).to.equal('');
      expect(r.stderr.split('\n')[0], args.join(' ')).to.equal(error);
    }
    expect(fs.readdirSync(cwd).sort()).to.deep.equal(['holiday.mp4', 'my file.bin', 'taken']);
    expect(fs.readdirSync(path.join(cwd, 'taken'))).to.deep.equal(['notes.txt']);
    expect(fs.statSync(file).nlink).to.equal(1);
  });

  it('peer hashes prints the hash file on stdout, sizes with units accepted', () => {
    for (const size of ['4096', '4KiB']) {
      const r = peer(['hashes', 'holiday.mp4', '--piece-size', size]);
      expect(r).to.deep.equal({ code: 0, stdout: expectedHashes(4096), stderr: '' });
    }
    expect(peer(['hashes', file, '--piece-size', '1MB']).stdout).to.equal(expectedHashes(1_000_000));
  });

  it('picks the smallest power of two from 16 KiB that makes at most 2,000 pieces, up to 16 MiB', () => {
    const KiB = 1024;
    const MiB = 1024 * KiB;
    expect(defaultPieceSize(1)).to.equal(16 * KiB);
    expect(defaultPieceSize(20 * MiB)).to.equal(16 * KiB);
    expect(defaultPieceSize(2000 * 16 * KiB)).to.equal(16 * KiB);
    expect(defaultPieceSize(2000 * 16 * KiB + 1)).to.equal(32 * KiB);
    expect(defaultPieceSize(700 * MiB)).to.equal(512 * KiB);
    expect(defaultPieceSize(100 * 1024 * MiB)).to.equal(16 * MiB);
  });
});
