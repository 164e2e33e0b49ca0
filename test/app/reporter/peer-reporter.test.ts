import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { VirtualTimeScheduler } from 'rxjs';
import { PeerReporter, ReportStream } from '../../../app/reporter/peer-reporter';
import { RateWindow, statusLine } from '../../../app/reporter/status-line';
import { EventBus } from '../../../core/event-bus';

/** A stream that records what is written, claiming to be a terminal or not. */
function capture(isTTY: boolean): { out: ReportStream; text: () => string } {
  const out = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  out.isTTY = isTTY;
  out.columns = 120;
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  return { out, text: () => text };
}

const FACTS = { self: 1002, neighbours: 4, totalPieces: 20, piecesAtStart: 0, pieceSize: 1000, fileSize: 19_500 };

describe('the peer reporter (human-readable lines of a running peer)', () => {
  let clock = 0;
  const now = (): number => clock;
  let bus: EventBus;
  beforeEach(() => {
    clock = 1_000_000;
    bus = new EventBus(1002, new VirtualTimeScheduler());
  });
  const download = (n: number, from = 1001): void => {
    for (let i = 0; i < n; i++) bus.emit({ kind: 'piece-downloaded', peer: from, index: i, bytes: 1000, have: i + 1, total: 20 });
  };

  it('off a terminal: a handful of plain lines, then a summary with the time taken', async () => {
    const { out, text } = capture(false);
    const r = new PeerReporter({ out, now });
    r.attach(bus.events$, FACTS);
    bus.emit({ kind: 'listening', port: 6002 });
    bus.emit({ kind: 'connected', peer: 1001, direction: 'outbound' });
    bus.emit({ kind: 'connected', peer: 1003, direction: 'inbound' });
    download(20);
    bus.emit({ kind: 'piece-uploaded', peer: 1003, index: 3, bytes: 1000 });
    clock += 2500;
    bus.emit({ kind: 'file-complete' });
    bus.emit({ kind: 'swarm-complete' });
    clock += 500;
    r.finish(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(text()).to.equal(
      [
        'peer 1002: listening on port 6002; 4 neighbours listed, holding 0/20 pieces',
        'peer 1002: connected to peer 1001',
        'peer 1002: peer 1003 connected to us',
        'peer 1002: has the whole file (20 pieces, 19 KiB) after 2.5 s',
        'peer 1002: done in 3.0 s: every peer has the whole file, downloaded 19.5 KiB in 2.5 s (7.81 KiB/s), uploaded 1000 B to 1 neighbour',
        '',
      ].join('\n'),
    );
  });

  it('on a terminal: one status line redrawn in place, cleared for a warning and for the summary', async () => {
    const { out, text } = capture(true);
    const r = new PeerReporter({ out, now, redrawMs: 5 });
    r.attach(bus.events$, FACTS);
    bus.emit({ kind: 'listening', port: 6002 });
    bus.emit({ kind: 'connected', peer: 1001, direction: 'outbound' });
    bus.emit({ kind: 'connected', peer: 1003, direction: 'inbound' });
    download(5);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const status = 'peer 1002  5/20 pieces (25%)  down 2.44 KiB/s  up 0 B/s  neighbours 2/4  ETA 5.8 s';
    expect(text(), JSON.stringify(text())).to.contain(`\r\x1b[2K${status}`);
    // Plain lines are for pipes and files: on a terminal the status line says it.
    expect(text()).to.not.contain('listening on');
    r.warn('waiting for peer 1004 at 10.0.0.4:6004');
    await new Promise((resolve) => setImmediate(resolve));
    expect(text()).to.contain(`\r\x1b[2Kpeer 1002: waiting for peer 1004 at 10.0.0.4:6004\n\r\x1b[2K${status}`);
    r.finish(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(text()).to.match(/\r\x1b\[2Kpeer 1002: stopped \(exit 1\) after 0\.00 s holding 5\/20 pieces\n$/);
    const before = text();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(text(), 'no redraw after the summary').to.equal(before);
  });

  it('--quiet: no status, no plain lines, no summary on success; warnings and failures still show', async () => {
    for (const tty of [false, true]) {
      const { out, text } = capture(tty);
      const r = new PeerReporter({ out, now, quiet: true, redrawMs: 5 });
      r.attach(bus.events$, FACTS);
      bus.emit({ kind: 'listening', port: 6002 });
      bus.emit({ kind: 'connected', peer: 1001, direction: 'outbound' });
      download(3);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(text(), `tty ${tty}`).to.equal('');
      bus.emit({ kind: 'protocol-violation', peer: 1001, reason: 'bitfield has spare bits set' });
      r.finish(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(text()).to.equal('peer 1002: closed the connection to 1001: bitfield has spare bits set\n');
      const failed = new PeerReporter({ out, now, quiet: true });
      failed.attach(bus.events$, FACTS);
      failed.finish(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(text()).to.match(/peer 1002: stopped \(exit 1\) after 0\.00 s holding 0\/20 pieces\n$/);
    }
  });

  it('a seeder says it seeded; rates cover the last two seconds', () => {
    const { out, text } = capture(false);
    const r = new PeerReporter({ out, now });
    r.attach(bus.events$, { ...FACTS, self: 1001, piecesAtStart: 20 });
    bus.emit({ kind: 'piece-uploaded', peer: 1002, index: 0, bytes: 1000 });
    r.finish(0);
    expect(text()).to.equal('peer 1001: done in 0.00 s: every peer has the whole file, seeded, uploaded 1000 B to 1 neighbour\n');
    const w = new RateWindow(2000);
    w.add(0, 4000, 1000);
    w.add(1500, 2000, 0);
    expect(w.rates(1900)).to.deep.equal({ down: 3000, up: 500 });
    expect(w.rates(2050)).to.deep.equal({ down: 1000, up: 0 });
    expect(statusLine({ self: 1, have: 20, total: 20, downPerSecond: 0, upPerSecond: 2048, connected: 0, listed: 4, bytesLeft: 0 })).to.equal(
      'peer 1  20/20 pieces (100%)  down 0 B/s  up 2 KiB/s  neighbours 0/4  complete',
    );
  });
});
