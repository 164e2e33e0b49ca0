import * as fs from 'node:fs';
import * as path from 'node:path';
import { CommonConfig, parseCommonConfig } from './common-config';
import { ConfigError } from './config-error';
import { PeerInfo, parsePeerInfo } from './peer-info';

export interface SwarmConfig {
  readonly common: CommonConfig;
  readonly peers: readonly PeerInfo[];
  readonly commonFile: string;
  readonly peerFile: string;
}

const COMMON_NAMES = ['common.cfg', 'Common.cfg'];
const PEER_NAMES = ['peer_info.cfg', 'PeerInfo.cfg'];

/** Reads the two config files from `dir`, accepting the seed's and the classic names. */
export function loadSwarmConfig(dir: string): SwarmConfig {
  const commonFile = findFile(dir, COMMON_NAMES);
  const peerFile = findFile(dir, PEER_NAMES);
  return {
    common: parseCommonConfig(readText(commonFile), commonFile),
    peers: parsePeerInfo(readText(peerFile), peerFile),
    commonFile,
    peerFile,
  };
}

function findFile(dir: string, names: readonly string[]): string {
  for (const name of names) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new ConfigError(path.join(dir, names[0]!), undefined, `missing config file (looked for ${names.join(' or ')} in ${path.resolve(dir)})`);
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(file, undefined, code === 'EISDIR' ? 'is a folder, not a file' : `cannot read: ${code ?? String(err)}`);
  }
}
