import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXIT_CODES_HELP } from '../../app/peer';
import { PACKAGE_ROOT } from '../../core/paths';

const PEER = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js');
const PEER_PROCESS = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer-process.js');

describe('command-line conventions', function () {
  this.timeout(30000);
  let cwd: string;
  beforeEach(() => (cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-conventions-'))));
  afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));
  const run = (script: string, args: string[]): { code: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [script, ...args], { cwd, encoding: 'utf8', timeout: 20000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const COMMANDS = ['run', 'swarm', 'share', 'hashes', 'inspect', 'ab', 'sim', 'plugins'];

  it('prints the version of the package with --version', () => {
    const version = (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) {
      const r = run(PEER, [flag]);
      expect(r).to.deep.equal({ code: 0, stdout: `peer (swarmlab) ${version}\n`, stderr: '' });
    }
    expect(run(PEER_PROCESS, ['--version']).stdout).to.equal(`peerProcess (swarmlab) ${version}\n`);
  });

  it('lists the commands and the exit codes for bare peer, peer help and peer --help', () => {
    for (const args of [[], ['help'], ['--help']]) {
      const r = run(PEER, args);
      expect(r.code, args.join(' ')).to.equal(0);
      expect(r.stderr).to.equal('');
      for (const c of COMMANDS) expect(r.stdout, c).to.match(new RegExp(`^  ${c} `, 'm'));
      expect(r.stdout).to.contain(EXIT_CODES_HELP.trim());
    }
    // Nothing was created where it ran.
    expect(fs.readdirSync(cwd)).to.deep.equal([]);
  });

  it('answers a usage error with the error and one line pointing at the right --help, exit 2', () => {
    const cases: Array<[string[], string]> = [
      [['--frobnicate'], "error: unknown option '--frobnicate'\nRun 'peer run --help' for usage.\n"],
      [['run'], "error: required option '--id <peerId>' not specified\nRun 'peer run --help' for usage.\n"],
      [['--id', 'abc'], `error: option '--id <peerId>' argument 'abc' is invalid. --id must be a whole number >= 0, got "abc"\nRun 'peer run --help' for usage.\n`],
      [['swarm', '--bogus'], "error: unknown option '--bogus'\nRun 'peer swarm --help' for usage.\n"],
      [['sim', '--bogus'], "error: unknown option '--bogus'\nRun 'peer sim --help' for usage.\n"],
      [['hashes', 'x'], "error: required option '--piece-size <size>' not specified\nRun 'peer hashes --help' for usage.\n"],
      [['plugins', 'test'], "error: missing required argument 'plugin'\nRun 'peer plugins test --help' for usage.\n"],
      [['tls'], "error: peer tls needs a command: 'peer tls init <config-dir>'\nRun 'peer tls --help' for usage.\n"],
    ];
    for (const [args, stderr] of cases) expect(run(PEER, args), args.join(' ')).to.deep.equal({ code: 2, stdout: '', stderr });
    // A misspelt command is not taken for an argument of the default command (run).
    const typo = run(PEER, ['shar', 'x']);
    expect(typo.code).to.equal(2);
    expect(typo.stderr).to.match(/^error: unknown command 'shar' \(commands: run, swarm, share, hashes, inspect, [a-z, ]+\)\nRun 'peer --help' for usage\.\n$/);
  });

  it('peerProcess --help explains itself; a bad call says what is wrong in two lines, exit 2', () => {
    const help = run(PEER_PROCESS, ['--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^Usage: peerProcess <peerId>\n/);
    for (const word of ['Common.cfg', 'PeerInfo.cfg', 'peer_<peerId>/', 'log_peer_<peerId>.log', "'peer run --help'"]) expect(help.stdout).to.contain(word);
    expect(help.stdout).to.contain(EXIT_CODES_HELP.trim());
    for (const args of [[], ['1001', '1002'], ['abc']]) {
      const r = run(PEER_PROCESS, args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.stderr.trim().split('\n')).to.have.length(2);
      expect(r.stderr).to.contain('usage: peerProcess <peerId>   (peerProcess --help explains)');
    }
  });

  it('the README states the same exit codes as --help', () => {
    const readme = fs.readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
    const codes = EXIT_CODES_HELP.slice(EXIT_CODES_HELP.indexOf('Exit codes:'), EXIT_CODES_HELP.indexOf('\n\n', EXIT_CODES_HELP.indexOf('Exit codes:')));
    expect(readme).to.contain(codes);
  });

  it('peer plugins points at the protocol document, which exists', () => {
    const r = run(PEER, ['plugins']);
    expect(r.code).to.equal(0);
    const doc = /opt-in extensions: (\S+)\n$/.exec(r.stdout)?.[1];
    expect(doc).to.equal(path.join(PACKAGE_ROOT, 'docs', 'protocol.md'));
    expect(fs.existsSync(doc!)).to.equal(true);
  });
});
