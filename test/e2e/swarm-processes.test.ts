import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runLocalSwarm } from '../../app/swarm/local-swarm';
import { formatSummary } from '../../app/swarm-command';
import { freePorts } from '../helpers/ports';

const TIME = String.raw`^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\]: `;
/** Every line the classic log may hold, exactly as PROTOCOL.md writes them. */
const CLASSIC_LINES: Record<string, RegExp> = {
  dials: new RegExp(`${TIME}Peer (\\d+) makes a connection to Peer (\\d+)\\.$`),
  accepted: new RegExp(`${TIME}Peer (\\d+) is connected from Peer (\\d+)\\.$`),
  preferred: new RegExp(`${TIME}Peer (\\d+) has the preferred neighbors (\\d+(?:,\\d+)*)\\.$`),
  optimistic: new RegExp(`${TIME}Peer (\\d+) has the optimistically unchoked neighbor (\\d+)\\.$`),
  unchoked: new RegExp(`${TIME}Peer (\\d+) is unchoked by (\\d+)\\.$`),
  choked: new RegExp(`${TIME}Peer (\\d+) is choked by (\\d+)\\.$`),
  have: new RegExp(`${TIME}Peer (\\d+) received the 'have' message from (\\d+) for the piece (\\d+)\\.$`),
  interested: new RegExp(`${TIME}Peer (\\d+) received the 'interested' message from (\\d+)\\.$`),
  notInterested: new RegExp(`${TIME}Peer (\\d+) received the 'not interested' message from (\\d+)\\.$`),
  downloaded: new RegExp(`${TIME}Peer (\\d+) has downloaded the piece (\\d+) from (\\d+)\\. Now the number of pieces it has is (\\d+)\\.$`),
  complete: new RegExp(`${TIME}Peer (\\d+) has downloaded the complete file\\.$`),
};

function classify(line: string): string | undefined {
  return Object.keys(CLASSIC_LINES).find((k) => CLASSIC_LINES[k]!.test(line));
}

describe('a 5-peer swarm of separate processes', function () {
  this.timeout(120000);
  let dir: string;
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('completes: every peer exits 0, every copy is byte-identical, every log is classic', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-e2e-'));
    const ports = await freePorts(5);
    const ids = [1001, 1002, 1003, 1004, 1005];
    const fileSize = 300_000 + 77; // the last piece is short
    const pieceSize = 256;
    const numPieces = Math.ceil(fileSize / pieceSize);
    fs.writeFileSync(
      path.join(dir, 'Common.cfg'),
      `NumberOfPreferredNeighbors 2\nUnchokingInterval 0.1\nOptimisticUnchokingInterval 0.25\nFileName TheFile.dat\nFileSize ${fileSize}\nPieceSize ${pieceSize}\n`,
    );
    fs.writeFileSync(path.join(dir, 'PeerInfo.cfg'), ids.map((id, i) => `${id} 127.0.0.1 ${ports[i]} ${i === 0 ? 1 : 0}`).join('\n') + '\n');

    const result = await runLocalSwarm({ configDir: dir, dir, peerArgs: ['--listen-host', '127.0.0.1'], timeoutMs: 90_000, makeFile: true });

    for (const p of result.peers) {
      expect(p.exitCode, `peer ${p.id} exit code; stderr:\n${p.stderr}`).to.equal(0);
      expect(p.identical, `peer ${p.id} copy`).to.equal(true);
      // Every peer reports its peak memory on exit: a Node process holds at least its heap, far below 1 GiB here.
      expect(p.peakRssBytes, `peer ${p.id} peak RSS`).to.be.within(10 * 2 ** 20, 2 ** 30);
    }
    expect(result.ok).to.equal(true);
    expect(formatSummary(result)).to.match(/^peer 1002 .* peak RSS \d+\.\d MiB  CPU \d+\.\d\d s$/m);
    // The seeder's copy is the reference the others are checked against.
    expect(formatSummary(result)).to.match(/^peer 1001   exit 0  seeder   original  [0-9a-f]{16}…/m);
    const original = fs.readFileSync(path.join(dir, 'peer_1001', 'TheFile.dat'));
    expect(original.length).to.equal(fileSize);
    for (const id of ids.slice(1)) expect(fs.readFileSync(path.join(dir, `peer_${id}`, 'TheFile.dat')).equals(original)).to.equal(true);

    const seen = new Map<string, number>();
    for (const [i, id] of ids.entries()) {
      const lines = fs.readFileSync(path.join(dir, `log_peer_${id}.log`), 'utf8').trimEnd().split('\n');
      const kinds = lines.map((line) => {
        const kind = classify(line);
        expect(kind, `log_peer_${id}.log: not a classic line: ${line}`).to.not.equal(undefined);
        expect(line).to.contain(`Peer ${id} `);
        seen.set(kind!, (seen.get(kind!) ?? 0) + 1);
        return kind!;
      });
      const dialled = lines.filter((l) => CLASSIC_LINES.dials!.test(l)).map((l) => Number(CLASSIC_LINES.dials!.exec(l)![2]));
      const acceptedFrom = lines.filter((l) => CLASSIC_LINES.accepted!.test(l)).map((l) => Number(CLASSIC_LINES.accepted!.exec(l)![2]));
      expect(dialled.sort(), `peer ${id} dials every earlier peer`).to.deep.equal(ids.slice(0, i));
      expect(acceptedFrom.sort(), `peer ${id} accepts every later peer`).to.deep.equal(ids.slice(i + 1));
      expect(kinds, `peer ${id}`).to.include.members(['preferred', 'interested', 'have']);
      if (i === 0) {
        expect(kinds).to.not.include('downloaded');
        continue;
      }
      expect(kinds, `leecher ${id}`).to.include.members(['unchoked', 'downloaded', 'complete']);
      expect(kinds.filter((k) => k === 'complete')).to.have.length(1);
      const counts = lines.filter((l) => CLASSIC_LINES.downloaded!.test(l)).map((l) => Number(CLASSIC_LINES.downloaded!.exec(l)![4]));
      expect(counts).to.deep.equal(Array.from({ length: numPieces }, (_, k) => k + 1));
    }
    // Choking, optimistic unchoking and loss of interest happen somewhere in every such swarm.
    for (const kind of ['choked', 'optimistic', 'notInterested']) expect(seen.get(kind) ?? 0, kind).to.be.greaterThan(0);
  });
});
