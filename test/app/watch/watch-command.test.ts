import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../../core/paths';
import type { Delta, Snapshot } from '../../../app/watch/page/messages';
import { PeerCommand, readEvents, request } from './watch-process';

const PEER = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js');
const line = (o: object): string => `${JSON.stringify({ t: 1, ...o })}\n`;

describe('peer watch <run-dir>: the server on its own', function () {
  this.timeout(30000);
  let dir: string;
  let watch: PeerCommand | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-watch-'));
  });
  afterEach(async () => {
    await watch?.interrupt();
    watch = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a folder that does not exist, or a file, with one line and exit 2', () => {
    const missing = path.join(dir, 'nope');
    let r = spawnSync(process.execPath, [PEER, 'watch', missing], { encoding: 'utf8', timeout: 15000 });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.equal(`error: ${missing}: no such folder (give the folder the peers write their log_peer_<id>.jsonl to)\n`);
    const file = path.join(dir, 'file.txt');
    fs.writeFileSync(file, 'x');
    r = spawnSync(process.execPath, [PEER, 'watch', file], { encoding: 'utf8', timeout: 15000 });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.equal(`error: ${file} is not a folder (give the folder the peers write their log_peer_<id>.jsonl to)\n`);
    r = spawnSync(process.execPath, [PEER, 'watch', dir, '--port', '70000'], { encoding: 'utf8', timeout: 15000 });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain('--port must be a port number 1..65535, got "70000"');
  });

  it('says so and exits 1 when the port is taken', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const r = spawnSync(process.execPath, [PEER, 'watch', dir, '--port', String(port)], { encoding: 'utf8', timeout: 15000 });
      expect(r.status).to.equal(1);
      expect(r.stderr).to.match(new RegExp(`^error: cannot serve the watch page: listen EADDRINUSE.*127\\.0\\.0\\.1:${port}\n$`));
    } finally {
      server.close();
    }
  });

  it('serves the page with nothing external, 404s elsewhere, and streams a snapshot then deltas', async () => {
    fs.writeFileSync(
      path.join(dir, 'log_peer_1001.jsonl'),
      line({ kind: 'store-opened', have: 4, total: 4, bitfield: 'f0', self: 1001, at: 1000 }) + line({ kind: 'unchoked-by', peer: 1002, self: 1001, at: 1001 }),
    );
    const leecher = path.join(dir, 'log_peer_1002.jsonl');
    fs.writeFileSync(
      leecher,
      line({ kind: 'store-opened', have: 0, total: 4, bitfield: '00', self: 1002, at: 1000 }) +
        line({ kind: 'piece-downloaded', peer: 1001, index: 0, bytes: 10, have: 1, total: 4, self: 1002, at: 1100 }) +
        'a line that is no event\n',
    );
    watch = new PeerCommand(['watch', dir], dir);
    const url = await watch.url();

    const page = await request(url);
    expect(page.status).to.equal(200);
    expect(page.contentType).to.equal('text/html; charset=utf-8');
    expect(page.body).to.contain('<canvas id="graph">').and.contain('<script type="module">');
    expect(page.body, 'no script, style, image or font from elsewhere').not.to.match(/(src|href)=["']?(https?:)?\/\/|@import|url\(\s*["']?https?:/i);
    const missing = await request(`${url}nope`);
    expect([missing.status, missing.body]).to.deep.equal([404, 'not found: /nope (the page is at /)\n']);
    expect((await request(`${url}events`, 'POST')).status).to.equal(405);

    // The page may be asked for before the first poll of the folder has read it: wait for that.
    for (let i = 0; ((JSON.parse((await request(`${url}snapshot.json`)).body) as Snapshot).peers.length < 2); i++) {
      expect(i, 'both streams read within 5 s').to.be.below(100);
      await new Promise((r) => setTimeout(r, 50));
    }
    const first = await readEvents(`${url}events`, (m) => m.length >= 1 && (m[0] as Snapshot).peers.length === 2);
    expect(first.contentType).to.equal('text/event-stream');
    const snapshot = first.messages[0] as Snapshot;
    expect(snapshot.type).to.equal('snapshot');
    expect(snapshot.title).to.equal(path.resolve(dir));
    expect(snapshot.bitfields).to.deep.equal({ 1001: 'f0', 1002: '80' });
    expect(snapshot.peers.map((p) => [p.id, p.have, p.total, p.seeder])).to.deep.equal([
      [1001, 4, 4, true],
      [1002, 1, 4, false],
    ]);
    expect(snapshot.unchokes).to.deep.equal([{ from: 1002, to: 1001, optimistic: false }]);

    // What a peer writes next reaches an open page as a delta with just the new piece.
    const next = readEvents(`${url}events`, (m) => m.some((x) => x.type === 'delta' && Object.keys(x.pieces).length > 0));
    await new Promise((r) => setTimeout(r, 300));
    fs.appendFileSync(leecher, line({ kind: 'piece-downloaded', peer: 1001, index: 3, bytes: 10, have: 2, total: 4, self: 1002, at: 1300 }));
    const delta = (await next).messages.find((x): x is Delta => x.type === 'delta' && Object.keys(x.pieces).length > 0)!;
    expect(delta.pieces).to.deep.equal({ 1002: [3] });
    expect(delta.peers.map((p) => [p.id, p.have])).to.deep.equal([[1002, 2]]);
    expect(delta.feed.map((f) => f.text)).to.deep.equal(['piece 3 from peer 1001 (2/4)']);

    expect(await watch.interrupt()).to.equal(0);
    expect(watch.stderr).to.contain(`watch: ${path.join(dir, 'log_peer_1002.jsonl')}:3: not a swarmlab event line; skipping such lines\n`);
    expect(watch.stderr).to.contain('watch: stopped (SIGINT)');
  });
});
