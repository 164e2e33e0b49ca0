import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonlTail } from '../app/watch/jsonl-tail';
import { SwarmView } from '../app/watch/swarm-view';

/**
 * What the watch page's server spends on a 50-peer swarm: the jsonl streams
 * of 1 seeder + 49 leechers sharing 256 pieces (every piece announced to
 * every neighbour, as real streams are), read and folded in ticks of 2,000
 * events, with the size of what the pages are sent. Prints its figure last.
 */
const PEERS = 50;
const PIECES = 256;
const PIECE = 16384;

function writeStreams(dir: string): number {
  let bytes = 0;
  const at0 = 1_700_000_000_000;
  for (let p = 0; p < PEERS; p++) {
    const self = 1001 + p;
    const lines: string[] = [];
    const line = (at: number, body: object): void => {
      lines.push(JSON.stringify({ t: at, ...body, self, at }));
    };
    const seeder = p === 0;
    line(at0, { kind: 'store-opened', have: seeder ? PIECES : 0, total: PIECES, bitfield: (seeder ? 'ff' : '00').repeat(PIECES / 8) });
    for (let n = 0; n < PEERS; n++) if (n !== p) line(at0 + 5, { kind: 'connected', peer: 1001 + n, direction: n < p ? 'outbound' : 'inbound' });
    for (let k = 0; k < PIECES; k++) {
      const at = at0 + 100 + k * 40 + p;
      const from = 1001 + ((p + k) % PEERS === p ? 0 : (p + k) % PEERS);
      if (!seeder) {
        line(at - 5, { kind: 'request-sent', peer: from, index: k });
        line(at, { kind: 'piece-downloaded', peer: from, index: (k * 7 + p) % PIECES, bytes: PIECE, have: k + 1, total: PIECES });
      }
      line(at + 1, { kind: 'piece-uploaded', peer: 1001 + ((p + 1) % PEERS), index: k, bytes: PIECE });
      for (let n = 0; n < PEERS; n++) if (n !== p) line(at + 2, { kind: 'have-received', peer: 1001 + n, index: k });
      if (k % 25 === 0) line(at + 3, { kind: 'preferred-changed', neighbors: [1001 + ((p + 1) % PEERS), 1001 + ((p + 2) % PEERS), 1001 + ((p + 3) % PEERS)] });
    }
    line(at0 + 100 + PIECES * 40 + 60, { kind: 'file-complete' });
    line(at0 + 100 + PIECES * 40 + 90, { kind: 'swarm-complete' });
    const text = `${lines.join('\n')}\n`;
    fs.writeFileSync(path.join(dir, `log_peer_${self}.jsonl`), text);
    bytes += text.length;
  }
  return bytes;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-bench-watch-'));
  try {
    const bytes = writeStreams(dir);
    const view = new SwarmView({ title: dir });
    let events = 0;
    let deltaBytes = 0;
    let deltas = 0;
    const tail = new JsonlTail(
      dir,
      {
        event: (e) => {
          view.apply(e);
          if (++events % 2000 === 0) {
            const d = view.takeDelta();
            if (d) (deltaBytes += JSON.stringify(d).length), deltas++;
          }
        },
        reset: () => undefined,
      },
      { maxReadBytes: 256 * 1024 },
    );
    const cpu = process.cpuUsage();
    const started = performance.now();
    await tail.drain();
    const last = view.takeDelta();
    if (last) (deltaBytes += JSON.stringify(last).length), deltas++;
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const snapshot = JSON.stringify(view.snapshot()).length;
    const lines = fs.readdirSync(dir).reduce((n, f) => n + fs.readFileSync(path.join(dir, f), 'utf8').split('\n').length - 1, 0);
    process.stdout.write(`streams: ${PEERS} peers, ${lines} lines, ${(bytes / 1e6).toFixed(1)} MB; ${events} events used\n`);
    process.stdout.write(`deltas: ${deltas}, ${(deltaBytes / deltas / 1024).toFixed(1)} KiB on average; snapshot ${(snapshot / 1024).toFixed(0)} KiB\n`);
    process.stdout.write(
      `watch server reads and folds a 50-peer swarm's streams at ${((bytes / 1e6) / (ms / 1000)).toFixed(0)} MB/s (${(lines / (ms / 1000) / 1e6).toFixed(2)} M lines/s, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU for the whole run)\n`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
