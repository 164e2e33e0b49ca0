import { ConfigError } from './config-error';
import { stripComment } from './lines';

export interface PeerInfo {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly hasFile: boolean;
}

/** Parses peer_info.cfg: `peerId host port hasFile` per line, in the order peers dial each other. */
export function parsePeerInfo(text: string, file: string): PeerInfo[] {
  const peers: PeerInfo[] = [];
  const ids = new Map<number, number>();
  const endpoints = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = stripComment(raw);
    if (line === '') return;
    const lineNo = i + 1;
    const fields = line.split(/\s+/);
    if (fields.length !== 4) throw new ConfigError(file, lineNo, `expected "peerId host port hasFile", got ${fields.length} field(s)`);
    const [idText, host, portText, hasFileText] = fields as [string, string, string, string];
    if (!/^\d+$/.test(idText) || Number(idText) > 0xffffffff) throw new ConfigError(file, lineNo, `peer id "${idText}" is not a number from 0 to 4294967295`);
    if (!/^\d+$/.test(portText)) throw new ConfigError(file, lineNo, `port "${portText}" is not a number`);
    const port = Number(portText);
    if (port < 1 || port > 65535) throw new ConfigError(file, lineNo, `port ${port} is out of range 1..65535`);
    if (hasFileText !== '0' && hasFileText !== '1') throw new ConfigError(file, lineNo, `hasFile must be 0 or 1, got "${hasFileText}"`);
    const id = Number(idText);
    const dupId = ids.get(id);
    if (dupId !== undefined) throw new ConfigError(file, lineNo, `duplicate peer id ${id} (first on line ${dupId})`);
    const endpoint = `${normalizeHost(host)}:${port}`;
    const dupPort = endpoints.get(endpoint);
    if (dupPort !== undefined) throw new ConfigError(file, lineNo, `duplicate port ${port} on ${host} (first on line ${dupPort})`);
    ids.set(id, lineNo);
    endpoints.set(endpoint, lineNo);
    peers.push({ id, host, port, hasFile: hasFileText === '1' });
  });
  if (peers.length === 0) throw new ConfigError(file, undefined, 'no peers listed');
  return peers;
}

function normalizeHost(host: string): string {
  const h = host.toLowerCase();
  return h === 'localhost' || h.startsWith('127.') || h === '::1' ? 'loopback' : h;
}
