// WebTorrent anchor for `npm run bench:compare`: one seeder and N-1 leechers as WebTorrent clients
// in one process, TCP only (no uTP, WebRTC, tracker, DHT, LSD, UPnP or NAT-PMP). Every client is
// connected directly to every client started before it (as swarmlab peers dial the peers listed
// before them). Prints one JSON line: seconds from the first connection until every leecher holds
// the whole file (the window `peer swarm` reports), and the process's peak RSS.
//
// usage: node webtorrent_swarm.mjs --anchors DIR --file SEED_FILE --piece-size BYTES --work DIR [--peers 5] [--timeout 600]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values: a } = parseArgs({
  options: {
    anchors: { type: 'string' },
    file: { type: 'string' },
    'piece-size': { type: 'string' },
    work: { type: 'string' },
    peers: { type: 'string', default: '5' },
    timeout: { type: 'string', default: '600' },
  },
});
const peers = Number(a.peers);
const { default: WebTorrent } = await import(pathToFileURL(path.join(a.anchors, 'node_modules', 'webtorrent', 'index.js')).href);

const timer = setTimeout(() => {
  process.stderr.write(`webtorrent: timed out after ${a.timeout} s\n`);
  process.exit(1);
}, Number(a.timeout) * 1000);

const newClient = () =>
  new WebTorrent({ dht: false, tracker: false, lsd: false, utp: false, webSeeds: false, natUpnp: false, natPmp: false });

const listening = (client) =>
  new Promise((resolve) => {
    const port = () => client.address()?.port;
    if (port()) return resolve(port());
    client.once('listening', () => resolve(port()));
  });

const clients = Array.from({ length: peers }, newClient);
clients.forEach((c) => c.on('error', (err) => {
  process.stderr.write(`webtorrent: ${err.message}\n`);
  process.exit(1);
}));

// The seeder hashes its file before anyone connects: outside the measured window, as for the others.
const seedTorrent = await new Promise((resolve) =>
  clients[0].seed(path.resolve(a.file), { pieceLength: Number(a['piece-size']), announceList: [], announce: [] }, resolve),
);
const dirs = [];
const torrents = [seedTorrent];
for (let i = 1; i < peers; i++) {
  const dir = path.join(a.work, `wt_peer_${i}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  dirs.push(dir);
  torrents.push(await new Promise((resolve) => clients[i].add(seedTorrent.torrentFile, { path: dir, announce: [] }, resolve)));
}
const ports = await Promise.all(clients.map(listening));

const finished = torrents.slice(1).map((t) => (t.done ? Promise.resolve() : new Promise((resolve) => t.once('done', resolve))));
const started = process.hrtime.bigint();
for (let i = 1; i < peers; i++) for (let j = 0; j < i; j++) torrents[i].addPeer(`127.0.0.1:${ports[j]}`);
await Promise.all(finished);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
clearTimeout(timer);

await Promise.all(clients.map((c) => new Promise((resolve) => c.destroy(resolve))));
for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
process.exit(0);
