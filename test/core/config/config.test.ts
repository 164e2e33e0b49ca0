import { expect } from 'chai';
import { expectThrown } from '../../helpers/expect-error';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCommonConfig } from '../../../core/config/common-config';
import { ConfigError } from '../../../core/config/config-error';
import { loadSwarmConfig } from '../../../core/config/load-config';
import { parsePeerInfo } from '../../../core/config/peer-info';

const COMMON_FILE = 'common.cfg';
const PEER_FILE = 'peer_info.cfg';

const GOOD_COMMON = [
  'NumberOfPreferredNeighbors 3',
  'UnchokingInterval 5',
  'OptimisticUnchokingInterval 10',
  'FileName TheFile.dat',
  'FileSize 20971520',
  'PieceSize 16384',
].join('\n');

const GOOD_PEERS = ['1001 localhost 6001 1', '1002 localhost 6002 0', '1003 localhost 6003 0'].join('\n');

function expectConfigError(fn: () => unknown, message: string): ConfigError {
  return expectThrown(fn, ConfigError, message);
}

/** GOOD_COMMON with the line for `key` replaced by `line` (or removed when `line` is null). */
function commonWith(key: string, line: string | null): string {
  return GOOD_COMMON.split('\n')
    .flatMap((l) => (l.startsWith(`${key} `) ? (line === null ? [] : [line]) : [l]))
    .join('\n');
}

describe('core/config ConfigError', () => {
  it('formats file:line: detail, file:key: detail, and file: detail', () => {
    const withLine = new ConfigError('peer_info.cfg', 3, 'port "60x1" is not a number');
    expect(withLine.message).to.equal('peer_info.cfg:3: port "60x1" is not a number');
    expect(withLine.file).to.equal('peer_info.cfg');
    expect(withLine.where).to.equal(3);
    expect(new ConfigError('common.cfg', 'PieceSize', 'missing').message).to.equal('common.cfg:PieceSize: missing');
    expect(new ConfigError('common.cfg', undefined, 'gone').message).to.equal('common.cfg: gone');
  });
});

describe('core/config/common-config parseCommonConfig', () => {
  it('parses the classic file', () => {
    const c = parseCommonConfig(GOOD_COMMON, COMMON_FILE);
    expect(c).to.deep.equal({
      numberOfPreferredNeighbors: 3,
      unchokingInterval: 5,
      optimisticUnchokingInterval: 10,
      fileName: 'TheFile.dat',
      fileSize: 20971520,
      pieceSize: 16384,
      plugins: {},
    });
  });

  it('accepts # comments, CRLF line endings, blank lines, tabs and extra spaces', () => {
    const text = [
      '# swarm settings',
      '',
      'NumberOfPreferredNeighbors 2      # k',
      '   UnchokingInterval\t\t1   ',
      '\t',
      'OptimisticUnchokingInterval 3 # m, seconds',
      '#FileName Commented.dat',
      'FileName tiny.bin',
      'FileSize    10340',
      'PieceSize 1024#no space before the comment',
      '',
      '',
    ].join('\r\n');
    expect(parseCommonConfig(text, COMMON_FILE)).to.deep.equal({
      numberOfPreferredNeighbors: 2,
      unchokingInterval: 1,
      optimisticUnchokingInterval: 3,
      fileName: 'tiny.bin',
      fileSize: 10340,
      pieceSize: 1024,
      plugins: {},
    });
  });

  it('accepts fractional intervals (for tests)', () => {
    const text = commonWith('UnchokingInterval', 'UnchokingInterval 0.5').replace('OptimisticUnchokingInterval 10', 'OptimisticUnchokingInterval .25');
    const c = parseCommonConfig(text, COMMON_FILE);
    expect(c.unchokingInterval).to.equal(0.5);
    expect(c.optimisticUnchokingInterval).to.equal(0.25);
  });

  it('collects Plugin.<kind> lines', () => {
    const c = parseCommonConfig(`${GOOD_COMMON}\nPlugin.strategy rarest-first\nPlugin.logger json`, COMMON_FILE);
    expect(c.plugins).to.deep.equal({ strategy: 'rarest-first', logger: 'json' });
  });

  it('rejects an unknown key, naming file and line', () => {
    expectConfigError(
      () => parseCommonConfig(`${GOOD_COMMON}\nMaxPeers 4`, COMMON_FILE),
      'common.cfg:7: unknown key "MaxPeers" (known: NumberOfPreferredNeighbors, UnchokingInterval, OptimisticUnchokingInterval, FileName, FileSize, PieceSize, Plugin.<kind>)',
    );
    // Keys are case-sensitive.
    const err = expectConfigError(
      () => parseCommonConfig(commonWith('PieceSize', 'piecesize 16384'), COMMON_FILE),
      'common.cfg:6: unknown key "piecesize" (known: NumberOfPreferredNeighbors, UnchokingInterval, OptimisticUnchokingInterval, FileName, FileSize, PieceSize, Plugin.<kind>)',
    );
    expect(err.file).to.equal('common.cfg');
    expect(err.where).to.equal(6);
    // A bare "Plugin." is not a plugin line.
    expect(() => parseCommonConfig(`${GOOD_COMMON}\nPlugin. x`, COMMON_FILE)).to.throw(ConfigError, /^common\.cfg:7: unknown key "Plugin\."/);
  });

  it('counts lines including comments, blank lines and CRLF', () => {
    const text = `# header\r\n\r\n${GOOD_COMMON.replace(/\n/g, '\r\n')}\r\n# trailing\r\nBogus 1\r\n`;
    expectConfigError(() => parseCommonConfig(text, COMMON_FILE), /* line 3+6+1 */ `common.cfg:10: unknown key "Bogus" (known: NumberOfPreferredNeighbors, UnchokingInterval, OptimisticUnchokingInterval, FileName, FileSize, PieceSize, Plugin.<kind>)`);
  });

  it('rejects a duplicate key, naming the second line', () => {
    expectConfigError(() => parseCommonConfig(`${GOOD_COMMON}\nPieceSize 1024`, COMMON_FILE), 'common.cfg:7: duplicate key "PieceSize"');
    expectConfigError(() => parseCommonConfig(`FileName a\n${GOOD_COMMON}`, COMMON_FILE), 'common.cfg:5: duplicate key "FileName"');
  });

  it('rejects each missing key, naming the key', () => {
    for (const key of ['NumberOfPreferredNeighbors', 'UnchokingInterval', 'OptimisticUnchokingInterval', 'FileName', 'FileSize', 'PieceSize']) {
      const err = expectConfigError(() => parseCommonConfig(commonWith(key, null), COMMON_FILE), `common.cfg:${key}: missing key "${key}"`);
      expect(err.where).to.equal(key);
    }
    expectConfigError(() => parseCommonConfig('', COMMON_FILE), 'common.cfg:NumberOfPreferredNeighbors: missing key "NumberOfPreferredNeighbors"');
    expectConfigError(() => parseCommonConfig('# only a comment\n\n', COMMON_FILE), 'common.cfg:NumberOfPreferredNeighbors: missing key "NumberOfPreferredNeighbors"');
  });

  it('rejects a line that is not exactly "Key value"', () => {
    expectConfigError(() => parseCommonConfig(commonWith('FileSize', 'FileSize'), COMMON_FILE), 'common.cfg:5: expected "Key value", got "FileSize"');
    expectConfigError(
      () => parseCommonConfig(commonWith('FileName', 'FileName The File.dat'), COMMON_FILE),
      'common.cfg:4: expected "Key value", got "FileName The File.dat"',
    );
  });

  it('rejects non-numeric values', () => {
    expectConfigError(() => parseCommonConfig(commonWith('FileSize', 'FileSize abc'), COMMON_FILE), 'common.cfg:5: FileSize "abc" is not a number of bytes (examples: 20971520, 20MiB, 16KiB)');
    expectConfigError(() => parseCommonConfig(commonWith('PieceSize', 'PieceSize 16kg'), COMMON_FILE), 'common.cfg:6: PieceSize "16kg" is not a number of bytes (examples: 20971520, 20MiB, 16KiB)');
    expectConfigError(() => parseCommonConfig(commonWith('PieceSize', 'PieceSize 1e4'), COMMON_FILE), 'common.cfg:6: PieceSize "1e4" is not a number of bytes (examples: 20971520, 20MiB, 16KiB)');
    expectConfigError(() => parseCommonConfig(commonWith('PieceSize', 'PieceSize 0x10'), COMMON_FILE), 'common.cfg:6: PieceSize "0x10" is not a number of bytes (examples: 20971520, 20MiB, 16KiB)');
    expectConfigError(
      () => parseCommonConfig(commonWith('UnchokingInterval', 'UnchokingInterval five'), COMMON_FILE),
      'common.cfg:2: UnchokingInterval "five" is not a number',
    );
    expectConfigError(
      () => parseCommonConfig(commonWith('NumberOfPreferredNeighbors', 'NumberOfPreferredNeighbors 3.'), COMMON_FILE),
      'common.cfg:1: NumberOfPreferredNeighbors "3." is not a number',
    );
  });

  it('rejects PieceSize 0 (and the other sizes and counts at 0)', () => {
    expectConfigError(() => parseCommonConfig(commonWith('PieceSize', 'PieceSize 0'), COMMON_FILE), 'common.cfg:6: PieceSize must be > 0, got 0');
    expectConfigError(() => parseCommonConfig(commonWith('FileSize', 'FileSize 0'), COMMON_FILE), 'common.cfg:5: FileSize must be > 0, got 0');
    expectConfigError(
      () => parseCommonConfig(commonWith('NumberOfPreferredNeighbors', 'NumberOfPreferredNeighbors 0'), COMMON_FILE),
      'common.cfg:1: NumberOfPreferredNeighbors must be > 0, got 0',
    );
    expectConfigError(() => parseCommonConfig(commonWith('UnchokingInterval', 'UnchokingInterval 0'), COMMON_FILE), 'common.cfg:2: UnchokingInterval must be > 0, got 0');
    expectConfigError(
      () => parseCommonConfig(commonWith('OptimisticUnchokingInterval', 'OptimisticUnchokingInterval 0.0'), COMMON_FILE),
      'common.cfg:3: OptimisticUnchokingInterval must be > 0, got 0.0',
    );
  });

  it('rejects negative values, naming file and line', () => {
    expectConfigError(() => parseCommonConfig(commonWith('PieceSize', 'PieceSize -1'), COMMON_FILE), 'common.cfg:6: PieceSize "-1" is not a number of bytes (examples: 20971520, 20MiB, 16KiB)');
    expectConfigError(() => parseCommonConfig(commonWith('FileSize', 'FileSize -20971520'), COMMON_FILE), 'common.cfg:5: FileSize "-20971520" is not a number of bytes (examples: 20971520, 20MiB, 16KiB)');
    expectConfigError(
      () => parseCommonConfig(commonWith('UnchokingInterval', 'UnchokingInterval -5'), COMMON_FILE),
      'common.cfg:2: UnchokingInterval "-5" is not a number',
    );
  });

  it('accepts FileSize and PieceSize with a unit (KiB = 1024, KB = 1000)', () => {
    const text = GOOD_COMMON.replace(/FileSize .*/, 'FileSize 20MiB').replace(/PieceSize .*/, 'PieceSize 16KiB');
    const c = parseCommonConfig(text, COMMON_FILE);
    expect(c.fileSize).to.equal(20 * 1024 * 1024);
    expect(c.pieceSize).to.equal(16384);
    expect(parseCommonConfig(commonWith('FileSize', 'FileSize 1.5KB'), COMMON_FILE).fileSize).to.equal(1500);
    expect(parseCommonConfig(commonWith('PieceSize', 'PieceSize 1.5KiB'), COMMON_FILE).pieceSize).to.equal(1536);
    expectConfigError(() => parseCommonConfig(commonWith('PieceSize', 'PieceSize 0.3KiB'), COMMON_FILE), 'common.cfg:6: PieceSize "0.3KiB" must be a whole number of bytes');
    expectConfigError(() => parseCommonConfig(commonWith('PieceSize', 'PieceSize 0KiB'), COMMON_FILE), 'common.cfg:6: PieceSize must be > 0, got 0KiB');
  });

  it('rejects fractions where a whole number is needed', () => {
    expectConfigError(() => parseCommonConfig(commonWith('PieceSize', 'PieceSize 1.5'), COMMON_FILE), 'common.cfg:6: PieceSize "1.5" must be a whole number of bytes');
    expectConfigError(
      () => parseCommonConfig(commonWith('NumberOfPreferredNeighbors', 'NumberOfPreferredNeighbors 2.5'), COMMON_FILE),
      'common.cfg:1: NumberOfPreferredNeighbors "2.5" must be a whole number',
    );
    expectConfigError(
      () => parseCommonConfig(commonWith('FileSize', 'FileSize 99999999999999999999'), COMMON_FILE),
      'common.cfg:5: FileSize "99999999999999999999" must be a whole number of bytes',
    );
  });

  it('rejects a duplicate Plugin.<kind> line, naming it', () => {
    expectConfigError(
      () => parseCommonConfig(`${GOOD_COMMON}\nPlugin.logger classic\nPlugin.logger json`, COMMON_FILE),
      'common.cfg:8: duplicate key "Plugin.logger"',
    );
  });

  it('reports the first error in file order', () => {
    const text = 'Bogus 1\nPieceSize 0\n';
    expect(() => parseCommonConfig(text, COMMON_FILE)).to.throw(ConfigError, /^common\.cfg:1: unknown key "Bogus"/);
  });
});

describe('core/config/peer-info parsePeerInfo', () => {
  it('parses peers in file order', () => {
    expect(parsePeerInfo(GOOD_PEERS, PEER_FILE)).to.deep.equal([
      { id: 1001, host: 'localhost', port: 6001, hasFile: true },
      { id: 1002, host: 'localhost', port: 6002, hasFile: false },
      { id: 1003, host: 'localhost', port: 6003, hasFile: false },
    ]);
  });

  it('accepts # comments, CRLF, blank lines and tabs', () => {
    const text = ['# id host port hasFile', '', '1001\tlin114-00.cise.ufl.edu\t6008\t1   # seeder', '   ', '1002 127.0.0.1 6009 0', '#1003 localhost 6010 0', ''].join('\r\n');
    expect(parsePeerInfo(text, PEER_FILE)).to.deep.equal([
      { id: 1001, host: 'lin114-00.cise.ufl.edu', port: 6008, hasFile: true },
      { id: 1002, host: '127.0.0.1', port: 6009, hasFile: false },
    ]);
  });

  it('accepts the extremes of the id and port ranges', () => {
    expect(parsePeerInfo('0 a 1 0\n4294967295 b 65535 1', PEER_FILE)).to.deep.equal([
      { id: 0, host: 'a', port: 1, hasFile: false },
      { id: 4294967295, host: 'b', port: 65535, hasFile: true },
    ]);
  });

  it('allows the same port on different hosts', () => {
    const peers = parsePeerInfo('1001 host-a 6001 1\n1002 host-b 6001 0', PEER_FILE);
    expect(peers.map((p) => p.port)).to.deep.equal([6001, 6001]);
  });

  it('rejects a missing field, naming file and line', () => {
    expectConfigError(() => parsePeerInfo('1001 localhost 6001 1\n1002 localhost 6002', PEER_FILE), 'peer_info.cfg:2: expected "peerId host port hasFile", got 3 field(s)');
    expectConfigError(() => parsePeerInfo('1001', PEER_FILE), 'peer_info.cfg:1: expected "peerId host port hasFile", got 1 field(s)');
    expectConfigError(() => parsePeerInfo('1001 localhost 6001 1 extra', PEER_FILE), 'peer_info.cfg:1: expected "peerId host port hasFile", got 5 field(s)');
  });

  it('rejects a non-numeric port ("60x1")', () => {
    const err = expectConfigError(
      () => parsePeerInfo('1001 localhost 6001 1\n1002 localhost 6002 0\n1003 localhost 60x1 0', PEER_FILE),
      'peer_info.cfg:3: port "60x1" is not a number',
    );
    expect(err.file).to.equal('peer_info.cfg');
    expect(err.where).to.equal(3);
    expectConfigError(() => parsePeerInfo('1001 localhost -1 1', PEER_FILE), 'peer_info.cfg:1: port "-1" is not a number');
    expectConfigError(() => parsePeerInfo('1001 localhost 6001.5 1', PEER_FILE), 'peer_info.cfg:1: port "6001.5" is not a number');
  });

  it('rejects a port out of range', () => {
    expectConfigError(() => parsePeerInfo('1001 localhost 0 1', PEER_FILE), 'peer_info.cfg:1: port 0 is out of range 1..65535');
    expectConfigError(() => parsePeerInfo('1001 localhost 6001 1\n1002 localhost 65536 0', PEER_FILE), 'peer_info.cfg:2: port 65536 is out of range 1..65535');
    expectConfigError(() => parsePeerInfo('1001 localhost 99999999 1', PEER_FILE), 'peer_info.cfg:1: port 99999999 is out of range 1..65535');
  });

  it('rejects a non-numeric or out-of-range peer id', () => {
    expectConfigError(() => parsePeerInfo('peer1 localhost 6001 1', PEER_FILE), 'peer_info.cfg:1: peer id "peer1" is not a number from 0 to 4294967295');
    expectConfigError(() => parsePeerInfo('-1 localhost 6001 1', PEER_FILE), 'peer_info.cfg:1: peer id "-1" is not a number from 0 to 4294967295');
    expectConfigError(() => parsePeerInfo('4294967296 localhost 6001 1', PEER_FILE), 'peer_info.cfg:1: peer id "4294967296" is not a number from 0 to 4294967295');
  });

  it('rejects hasFile other than 0 or 1', () => {
    expectConfigError(() => parsePeerInfo('1001 localhost 6001 2', PEER_FILE), 'peer_info.cfg:1: hasFile must be 0 or 1, got "2"');
    expectConfigError(() => parsePeerInfo('1001 localhost 6001 1\n1002 localhost 6002 yes', PEER_FILE), 'peer_info.cfg:2: hasFile must be 0 or 1, got "yes"');
    expectConfigError(() => parsePeerInfo('1001 localhost 6001 01', PEER_FILE), 'peer_info.cfg:1: hasFile must be 0 or 1, got "01"');
  });

  it('rejects a duplicate id, naming both lines', () => {
    expectConfigError(
      () => parsePeerInfo('1001 localhost 6001 1\n# comment\n1002 localhost 6002 0\n1001 localhost 6003 0', PEER_FILE),
      'peer_info.cfg:4: duplicate peer id 1001 (first on line 1)',
    );
    // Leading zeros do not make a different id.
    expectConfigError(() => parsePeerInfo('1001 localhost 6001 1\n01001 localhost 6002 0', PEER_FILE), 'peer_info.cfg:2: duplicate peer id 1001 (first on line 1)');
  });

  it('rejects a duplicate port on the same host, naming both lines', () => {
    expectConfigError(
      () => parsePeerInfo('1001 localhost 6001 1\n1002 localhost 6002 0\n1003 localhost 6001 0', PEER_FILE),
      'peer_info.cfg:3: duplicate port 6001 on localhost (first on line 1)',
    );
  });

  it('treats localhost, 127.x and ::1 as the same host for duplicate ports', () => {
    expectConfigError(() => parsePeerInfo('1001 localhost 6001 1\n1002 127.0.0.1 6001 0', PEER_FILE), 'peer_info.cfg:2: duplicate port 6001 on 127.0.0.1 (first on line 1)');
    expectConfigError(() => parsePeerInfo('1001 LocalHost 6001 1\n1002 ::1 6001 0', PEER_FILE), 'peer_info.cfg:2: duplicate port 6001 on ::1 (first on line 1)');
    expectConfigError(() => parsePeerInfo('1001 Host-A 6001 1\n1002 host-a 6001 0', PEER_FILE), 'peer_info.cfg:2: duplicate port 6001 on host-a (first on line 1)');
  });

  it('rejects a file with no peers', () => {
    expectConfigError(() => parsePeerInfo('', PEER_FILE), 'peer_info.cfg: no peers listed');
    expectConfigError(() => parsePeerInfo('# nobody\r\n\r\n', PEER_FILE), 'peer_info.cfg: no peers listed');
  });
});

describe('core/config/load-config loadSwarmConfig', () => {
  let root: string;
  let counter = 0;

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-config-test-'));
  });

  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** A fresh directory holding the given files. */
  function dirWith(files: Record<string, string>): string {
    const dir = path.join(root, `case-${counter++}`);
    fs.mkdirSync(dir);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  }

  /** Whether the temp file system tells `a` from `A` (macOS and Windows usually do not). */
  function caseSensitive(): boolean {
    const probe = path.join(root, 'CaseProbe');
    fs.writeFileSync(probe, '');
    const sensitive = !fs.existsSync(path.join(root, 'caseprobe'));
    fs.rmSync(probe);
    return sensitive;
  }

  it('finds the seed names common.cfg and peer_info.cfg', () => {
    const dir = dirWith({ 'common.cfg': GOOD_COMMON, 'peer_info.cfg': GOOD_PEERS });
    const cfg = loadSwarmConfig(dir);
    expect(cfg.commonFile).to.equal(path.join(dir, 'common.cfg'));
    expect(cfg.peerFile).to.equal(path.join(dir, 'peer_info.cfg'));
    expect(cfg.common.pieceSize).to.equal(16384);
    expect(cfg.common.fileName).to.equal('TheFile.dat');
    expect(cfg.peers.map((p) => p.id)).to.deep.equal([1001, 1002, 1003]);
  });

  it('finds the classic names Common.cfg and PeerInfo.cfg', () => {
    const dir = dirWith({ 'Common.cfg': GOOD_COMMON.replace(/\n/g, '\r\n'), 'PeerInfo.cfg': `${GOOD_PEERS.replace(/\n/g, '\r\n')}\r\n` });
    const cfg = loadSwarmConfig(dir);
    expect(path.dirname(cfg.commonFile)).to.equal(dir);
    expect(path.dirname(cfg.peerFile)).to.equal(dir);
    if (caseSensitive()) {
      expect(cfg.commonFile).to.equal(path.join(dir, 'Common.cfg'));
      expect(cfg.peerFile).to.equal(path.join(dir, 'PeerInfo.cfg'));
    }
    expect(cfg.common.fileSize).to.equal(20971520);
    expect(cfg.peers).to.have.length(3);
    expect(cfg.peers[0]).to.deep.equal({ id: 1001, host: 'localhost', port: 6001, hasFile: true });
  });

  it('accepts a mix: seed name for one file, classic for the other', () => {
    const dir = dirWith({ 'Common.cfg': GOOD_COMMON, 'peer_info.cfg': GOOD_PEERS });
    const cfg = loadSwarmConfig(dir);
    expect(cfg.common.numberOfPreferredNeighbors).to.equal(3);
    expect(cfg.peers).to.have.length(3);
  });

  it('prefers the seed name when both names are present', () => {
    // On a case-insensitive file system both names are the same file: nothing to choose.
    if (!caseSensitive()) return;
    const dir = dirWith({
      'common.cfg': GOOD_COMMON,
      'Common.cfg': commonWith('PieceSize', 'PieceSize 1024'),
      'peer_info.cfg': GOOD_PEERS,
      'PeerInfo.cfg': '2001 localhost 7001 1',
    });
    const cfg = loadSwarmConfig(dir);
    expect(cfg.common.pieceSize).to.equal(16384);
    expect(cfg.peers[0]!.id).to.equal(1001);
  });

  it('loads the repository defaults in config/', () => {
    const cfg = loadSwarmConfig(path.join(__dirname, '..', '..', '..', '..', 'config'));
    expect(cfg.common.fileSize).to.be.greaterThan(0);
    expect(cfg.common.pieceSize).to.be.greaterThan(0);
    expect(cfg.peers.length).to.be.greaterThan(0);
  });

  it('names the missing common file and where it looked', () => {
    const dir = dirWith({ 'peer_info.cfg': GOOD_PEERS });
    const err = expectConfigError(
      () => loadSwarmConfig(dir),
      `${path.join(dir, 'common.cfg')}: missing config file (looked for common.cfg or Common.cfg in ${path.resolve(dir)})`,
    );
    expect(err.file).to.equal(path.join(dir, 'common.cfg'));
    expect(err.where).to.equal(undefined);
  });

  it('names the missing peer file and where it looked', () => {
    const dir = dirWith({ 'common.cfg': GOOD_COMMON });
    expectConfigError(
      () => loadSwarmConfig(dir),
      `${path.join(dir, 'peer_info.cfg')}: missing config file (looked for peer_info.cfg or PeerInfo.cfg in ${path.resolve(dir)})`,
    );
  });

  it('reports a missing directory as a missing file', () => {
    const dir = path.join(root, 'does-not-exist');
    expect(() => loadSwarmConfig(dir)).to.throw(ConfigError, /missing config file \(looked for common\.cfg or Common\.cfg/);
  });

  it('names the actual file path and line of a bad line', () => {
    const dir = dirWith({ 'common.cfg': GOOD_COMMON, 'PeerInfo.cfg': '1001 localhost 6001 1\r\n1002 localhost 60x1 0\r\n' });
    let caught: unknown;
    try {
      loadSwarmConfig(dir);
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(ConfigError);
    const configError = caught as ConfigError;
    expect(configError.file).to.equal(path.join(dir, 'PeerInfo.cfg'));
    expect(configError.message).to.match(/PeerInfo\.cfg:2: port "60x1" is not a number$/i);
    expect(configError.where).to.equal(2);
  });

  it('names the file and key of a missing common key', () => {
    const dir = dirWith({ 'common.cfg': commonWith('FileName', null), 'peer_info.cfg': GOOD_PEERS });
    expectConfigError(() => loadSwarmConfig(dir), `${path.join(dir, 'common.cfg')}:FileName: missing key "FileName"`);
  });
});
