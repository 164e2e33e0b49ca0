import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../config/config-error';
import { PeerId } from '../events';

/**
 * Where a swarm's TLS material lives: `<config-dir>/tls/` holds the swarm's
 * certificate authority and one key and certificate per peer id, written by
 * `peer tls init`. A peer's certificate names its id twice: CN=peer-<id>
 * (readable in any tool) and the SAN URI urn:swarmlab:peer:<id> (what we check).
 */
export const TLS_DIR = 'tls';
export const CA_CERT = 'ca.crt';
export const CA_KEY = 'ca.key';
const PEER_URI_PREFIX = 'urn:swarmlab:peer:';

export const tlsDir = (configDir: string): string => path.join(configDir, TLS_DIR);
export const peerCertFile = (configDir: string, id: PeerId): string => path.join(tlsDir(configDir), `peer-${id}.crt`);
export const peerKeyFile = (configDir: string, id: PeerId): string => path.join(tlsDir(configDir), `peer-${id}.key`);
export const peerCommonName = (id: PeerId): string => `peer-${id}`;
export const peerUri = (id: PeerId): string => `${PEER_URI_PREFIX}${id}`;

/** What one peer needs to speak mutual TLS: the swarm's CA, its own certificate and key (PEM). */
export interface TlsCredentials {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Reads peer `id`'s TLS files; a missing one is a ConfigError that says how to create it. */
export function loadTlsCredentials(configDir: string, id: PeerId): TlsCredentials {
  const read = (file: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const hint = code === 'ENOENT' ? `missing (run: peer tls init ${configDir})` : `cannot read: ${code ?? String(err)}`;
      throw new ConfigError(file, undefined, `TLS is on but this file is ${hint}`);
    }
  };
  return { ca: read(path.join(tlsDir(configDir), CA_CERT)), cert: read(peerCertFile(configDir, id)), key: read(peerKeyFile(configDir, id)) };
}

/** The subset of node:tls's PeerCertificate we read. */
export interface CertificateNames {
  readonly subject?: { readonly CN?: string | readonly string[] };
  readonly subjectaltname?: string;
}

/**
 * The peer id a (CA-verified) certificate names: the SAN URI if there is one,
 * else CN=peer-<id>. Undefined when it names no peer id, or two different ones.
 */
export function peerIdOfCertificate(cert: CertificateNames): PeerId | undefined {
  const ids = new Set<PeerId>();
  for (const entry of (cert.subjectaltname ?? '').split(',')) {
    const m = /^\s*URI:urn:swarmlab:peer:(\d+)\s*$/.exec(entry);
    if (m) ids.add(Number(m[1]));
  }
  if (ids.size === 0) {
    const cn = cert.subject?.CN;
    const m = typeof cn === 'string' ? /^peer-(\d+)$/.exec(cn) : null;
    if (m) ids.add(Number(m[1]));
  }
  return ids.size === 1 ? [...ids][0] : undefined;
}
