import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { loadSwarmConfig } from '../../core/config/load-config';
import { PeerId } from '../../core/events';
import { CA_CERT, CA_KEY, peerCertFile, peerCommonName, peerKeyFile, peerUri, tlsDir } from '../../core/transport/tls-files';

/**
 * `peer tls init`: a swarm certificate authority and one key + certificate per
 * peer of the peer file. Generated in-process with @peculiar/x509 on Node's
 * WebCrypto (ECDSA P-256): no openssl binary needed on the user's machine, and
 * a whole swarm's certificates take milliseconds.
 */
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const VALID_DAYS = 3650;

export interface TlsInitResult {
  readonly created: readonly string[];
  readonly kept: readonly string[];
}

export async function initTls(configDir: string, force: boolean): Promise<TlsInitResult> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const config = loadSwarmConfig(configDir);
  const dir = tlsDir(configDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const created: string[] = [];
  const kept: string[] = [];
  const caCertFile = path.join(dir, CA_CERT);
  const caKeyFile = path.join(dir, CA_KEY);
  let ca: { cert: x509.X509Certificate; key: webcrypto.CryptoKey };
  const haveCa = fs.existsSync(caCertFile) && fs.existsSync(caKeyFile);
  if (haveCa && !force) {
    ca = { cert: new x509.X509Certificate(fs.readFileSync(caCertFile, 'utf8')), key: await importKey(fs.readFileSync(caKeyFile, 'utf8')) };
    kept.push(caCertFile);
  } else {
    ca = await createCa();
    writePrivateKey(caKeyFile, await exportKey(ca.key));
    fs.writeFileSync(caCertFile, ca.cert.toString('pem') + '\n');
    created.push(caCertFile);
  }
  // Peers certified by a CA we just replaced must be re-certified too.
  const renewAll = force || !haveCa;
  for (const peer of config.peers) {
    const certFile = peerCertFile(configDir, peer.id);
    const keyFile = peerKeyFile(configDir, peer.id);
    if (!renewAll && fs.existsSync(certFile) && fs.existsSync(keyFile)) {
      kept.push(certFile);
      continue;
    }
    const { cert, key } = await createPeerCertificate(peer.id, ca);
    writePrivateKey(keyFile, await exportKey(key));
    fs.writeFileSync(certFile, cert.toString('pem') + '\n');
    created.push(certFile);
  }
  return { created, kept };
}

async function createCa(): Promise<{ cert: x509.X509Certificate; key: webcrypto.CryptoKey }> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=swarmlab swarm CA',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + VALID_DAYS * 86_400_000),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, key: keys.privateKey };
}

async function createPeerCertificate(id: PeerId, ca: { cert: x509.X509Certificate; key: webcrypto.CryptoKey }): Promise<{ cert: x509.X509Certificate; key: webcrypto.CryptoKey }> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${peerCommonName(id)}`,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + VALID_DAYS * 86_400_000),
    signingKey: ca.key,
    publicKey: keys.publicKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      // Every peer both accepts and dials: the same certificate serves as server and client.
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: peerUri(id) }]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { cert, key: keys.privateKey };
}

/** A random positive 16-byte serial (RFC 5280: unique per CA, at most 20 bytes). */
function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<webcrypto.CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, { name: ALGORITHM.name, namedCurve: ALGORITHM.namedCurve }, true, ['sign']);
}

/** Keys are readable by their owner only, whatever the umask, even when the file already existed. */
function writePrivateKey(file: string, pem: string): void {
  fs.writeFileSync(file, pem, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}
