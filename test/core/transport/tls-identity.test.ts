import { expect } from 'chai';
import { looksLikeTls } from '../../../core/transport/connection-security';
import { encodeHandshake } from '../../../core/protocol/handshake';
import { peerIdOfCertificate } from '../../../core/transport/tls-files';

describe('TLS identity and detection', () => {
  it('a certificate names its peer by SAN URI, else by CN=peer-<id>; two different ids or none name nobody', () => {
    expect(peerIdOfCertificate({ subject: { CN: 'peer-1003' }, subjectaltname: 'URI:urn:swarmlab:peer:1003' })).to.equal(1003);
    expect(peerIdOfCertificate({ subject: { CN: 'peer-1003' } })).to.equal(1003);
    // The SAN wins over the CN (it is what `peer tls init` writes for this purpose).
    expect(peerIdOfCertificate({ subject: { CN: 'peer-1002' }, subjectaltname: 'DNS:x, URI:urn:swarmlab:peer:1004' })).to.equal(1004);
    expect(peerIdOfCertificate({ subjectaltname: 'URI:urn:swarmlab:peer:1, URI:urn:swarmlab:peer:2' })).to.equal(undefined);
    expect(peerIdOfCertificate({ subject: { CN: 'swarmlab swarm CA' } })).to.equal(undefined);
    expect(peerIdOfCertificate({ subject: { CN: 'peer-12x' } })).to.equal(undefined);
  });

  it('tells a TLS record (ClientHello, alert) from the classic handshake by its first bytes', () => {
    expect(looksLikeTls(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]))).to.equal(true);
    expect(looksLikeTls(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]))).to.equal(true);
    expect(looksLikeTls(Buffer.from([0x16]))).to.equal(true);
    expect(looksLikeTls(encodeHandshake(1001))).to.equal(false);
    expect(looksLikeTls(Buffer.from([0x16, 0x50]))).to.equal(false);
  });
});
