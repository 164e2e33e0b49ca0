import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePorts } from '../helpers/ports';
import { failFast, jsonlRuns, Running, start, until, killedAfterEach } from '../helpers/processes';

const IDS = [1001, 1002, 1003, 1004, 1005];
const VICTIM = 1003;
const PIECES = 123;
const FILE_SIZE = PIECES * 16384 - 1000; // the last piece is short
/** Kill the victim once it holds this share of the pieces. */
const KILL_AT = [0.1, 0.4, 0.75];

/** The last "Now the number of pieces it has is N" of a classic log, or 0. */
function lastCount(log: string): number {
  const all = [...log.matchAll(/Now the number of pieces it has is (\d+)\./g)];
  return all.length === 0 ? 0 : Number(all[all.length - 1]![1]);
}

describe('resume: a leecher killed with SIGKILL at several moments of a real 5-process swarm', function () {
  this.timeout(120000);
  let dir: string;
  const running = killedAfterEach(() => dir);

  it('restarts where it was: the swarm completes, every copy is identical, and it fetches only what it was missing plus what it had asked for', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-kill-'));
    const ports = await freePorts(5);
    fs.writeFileSync(path.join(dir, 'common.cfg'), `NumberOfPreferredNeighbors 2\nUnchokingInterval 0.2\nOptimisticUnchokingInterval 0.4\nFileName TheFile.dat\nFileSize ${FILE_SIZE}\nPieceSize 16384\n`);
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), IDS.map((id, i) => `${id} 127.0.0.1 ${ports[i]} ${i === 0 ? 1 : 0}`).join('\n') + '\n');
    const original = Buffer.alloc(FILE_SIZE);
    for (let i = 0; i < FILE_SIZE; i++) original[i] = (i * 7 + (i >> 12) * 3) & 0xff;
    fs.mkdirSync(path.join(dir, 'peer_1001'));
    fs.writeFileSync(path.join(dir, 'peer_1001', 'TheFile.dat'), original);
    const log = path.join(dir, `log_peer_${VICTIM}.log`);

    const peer = (id: number): Running => {
      // A slow seed stretches the download over seconds, so the kills land mid-transfer.
      const r = start(['run', '--id', String(id), '--config', dir, '--dir', dir, '--log-dir', dir, '--logger', 'classic,jsonl', '--listen-host', '127.0.0.1', ...(id === 1001 ? ['--upload-rate', '400KiB'] : [])], dir);
      running.push(r);
      return r;
    };
    const others = IDS.filter((id) => id !== VICTIM).map(peer);
    let victim = peer(VICTIM);
    failFast(others);

    const figures: Array<{ kill: number; heldAtKill: number; resumedWith: number }> = [];
    for (const [k, share] of KILL_AT.entries()) {
      const threshold = Math.ceil(share * PIECES);
      await until(`${VICTIM} holding ${threshold} pieces`, () => fs.existsSync(log) && lastCount(fs.readFileSync(log, 'utf8')) >= threshold, 30000, victim);
      victim.child.kill('SIGKILL');
      await victim.exited;
      const heldAtKill = lastCount(fs.readFileSync(log, 'utf8'));
      victim = peer(VICTIM);
      await until('the restarted peer saying what it resumed with', () => /resuming with \d+ of/.test(victim.stderr), 10000, victim);
      const resumedWith = Number(/resuming with (\d+) of (\d+) pieces/.exec(victim.stderr)![1]);
      figures.push({ kill: k + 1, heldAtKill, resumedWith });
    }
    failFast([...others, victim]);
    const outcomes = await Promise.all([...others, victim].map((r) => r.exited));
    for (const [i, r] of [...others, victim].entries()) expect(outcomes[i]!.code, r.stderr).to.equal(0);
    for (const id of IDS) expect(fs.readFileSync(path.join(dir, `peer_${id}`, 'TheFile.dat')).equals(original), `peer ${id}'s copy`).to.equal(true);
    expect(fs.readdirSync(path.join(dir, `peer_${VICTIM}`))).to.deep.equal(['TheFile.dat']);

    // Per run of the victim (the jsonl log appends; each run starts with `started`): what it fetched.
    const runs = jsonlRuns(path.join(dir, `log_peer_${VICTIM}.jsonl`));
    expect(runs).to.have.length(KILL_AT.length + 1);
    const fetchedIn = runs.map((events) => events.filter((e) => e.kind === 'piece-downloaded' || e.kind === 'piece-discarded').length);
    const lines: string[] = ['kill  held at kill (log)  resumed with  missing  fetched in next run'];
    for (const f of figures) {
      // Everything the log showed as held was durable: the restart has at least that (plus pieces written but not yet logged).
      expect(f.resumedWith, `kill ${f.kill}`).to.be.at.least(f.heldAtKill);
      // Pieces written but not yet logged when the kill came: a handful at most (one per neighbour and batch).
      expect(f.resumedWith - f.heldAtKill, `kill ${f.kill}`).to.be.at.most(8);
      const missing = PIECES - f.resumedWith;
      lines.push(`${String(f.kill).padEnd(6)}${String(f.heldAtKill).padEnd(21)}${String(f.resumedWith).padEnd(14)}${String(missing).padEnd(9)}${fetchedIn[f.kill]}${f.kill === figures.length ? ' (ran to the end)' : ' (until the next kill)'}`);
    }
    // The last run ran to the end: it fetched exactly what was missing, plus at most the requests outstanding to its 4 neighbours.
    const last = figures[figures.length - 1]!;
    const downloadedLast = runs[runs.length - 1]!.filter((e) => e.kind === 'piece-downloaded');
    expect(downloadedLast).to.have.length(PIECES - last.resumedWith);
    expect(downloadedLast.map((e) => e.have)).to.deep.equal(downloadedLast.map((_, i) => last.resumedWith + i + 1));
    expect(fetchedIn[fetchedIn.length - 1]).to.be.at.most(PIECES - last.resumedWith + 4);
    // Over all its runs the victim never downloaded a piece twice beyond those in flight at a kill.
    const total = fetchedIn.reduce((a, b) => a + b, 0);
    lines.push(`pieces fetched over all ${runs.length} runs: ${total} (the file has ${PIECES})`);
    expect(total).to.be.at.most(PIECES + KILL_AT.length * 8);
    process.stdout.write(`      ${lines.join('\n      ')}\n`);
  });
});
