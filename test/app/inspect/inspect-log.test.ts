import { expect } from 'chai';
import { FindingKind, inspectLog } from '../../../app/inspect/inspect-log';

/** A log of peer 1002 from `[seconds, event]` pairs, times as ours are written. */
function log(lines: Array<[number, string]>): string {
  const base = new Date(2026, 10, 26, 10, 0, 0).getTime();
  const stamp = (s: number): string => {
    const d = new Date(base + s * 1000);
    const p = (n: number, w = 2): string => String(n).padStart(w, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
  };
  return lines.map(([s, body]) => `[${stamp(s)}]: ${body}`).join('\n') + '\n';
}
const got = (n: number, from: number, count: number): string => `Peer 1002 has downloaded the piece ${n} from ${from}. Now the number of pieces it has is ${count}.`;
const kinds = (text: string, totalPieces?: number, chokeGraceMs = 1000): Array<[number, FindingKind]> =>
  inspectLog('log_peer_1002.log', text, { totalPieces, chokeGraceMs }).findings.map((f) => [f.line, f.kind]);

const GOOD: Array<[number, string]> = [
  [0, 'Peer 1002 makes a connection to Peer 1001.'],
  [0.1, 'Peer 1002 is connected from Peer 1003.'],
  [0.2, 'Peer 1002 is unchoked by 1001.'],
  [0.3, got(2, 1001, 1)],
  [0.4, 'Peer 1002 has the preferred neighbors 1003.'],
  [0.5, 'Peer 1002 is choked by 1001.'],
  [0.6, 'Peer 1002 is unchoked by 1003.'],
  [0.7, got(0, 1003, 2)],
  [0.8, 'Peer 1002 is unchoked by 1001.'],
  [0.9, got(1, 1001, 3)],
  [1.0, 'Peer 1002 has downloaded the complete file.'],
  [1.1, "Peer 1002 received the 'not interested' message from 1003."],
];

describe('peer inspect: one log', () => {
  it('builds the timeline of a good log and finds nothing wrong', () => {
    const t = inspectLog('run/log_peer_1002.log', log(GOOD), { totalPieces: 3, chokeGraceMs: 1000 });
    expect(t.findings).to.deep.equal([]);
    expect(t.self).to.equal(1002);
    expect(t.dialled).to.deep.equal([1001]);
    expect(t.acceptedFrom).to.deep.equal([1003]);
    expect(t.firstPiece).to.include({ index: 2, from: 1001, line: 4 });
    expect(t.lastPiece).to.include({ index: 1, from: 1001, line: 10 });
    expect([...t.piecesFrom]).to.deep.equal([[1001, 2], [1003, 1]]);
    expect(t.complete).to.include({ line: 11, count: 3 });
    expect(t.complete!.time! - t.first!.time!).to.equal(1000);
    expect(t.chokes.map((c) => [c.by, c.choked])).to.deep.equal([[1001, false], [1001, true], [1003, false], [1001, false]]);
    expect(t.preferred.map((p) => p.neighbors)).to.deep.equal([[1003]]);
  });

  it('flags a piece downloaded twice', () => {
    const text = log([[0, got(4, 1001, 1)], [0.1, got(5, 1001, 2)], [0.2, got(4, 1003, 3)]]);
    expect(kinds(text)).to.deep.equal([[3, 'duplicate-piece']]);
    expect(inspectLog('log_peer_1002.log', text, { chokeGraceMs: 1000 }).findings[0]!.message).to.equal('piece 4 downloaded again (first at line 1)');
  });

  it('flags a piece count that skips or goes back', () => {
    expect(kinds(log([[0, got(4, 1001, 1)], [0.1, got(5, 1001, 3)], [0.2, got(6, 1001, 4)]]))).to.deep.equal([[2, 'count-skips']]);
    expect(kinds(log([[0, got(4, 1001, 5)], [0.1, got(5, 1001, 6)], [0.2, got(6, 1001, 6)]]))).to.deep.equal([[3, 'count-goes-back']]);
    // More pieces than the file has.
    expect(kinds(log([[0, got(0, 1001, 2)], [0.1, got(1, 1001, 3)]]), 2)).to.deep.equal([[2, 'count-skips']]);
  });

  it('flags a piece index past the end of the file', () => {
    expect(kinds(log([[0, got(3, 1001, 1)]]), 3)).to.deep.equal([[1, 'piece-out-of-range']]);
  });

  it('flags a download from a neighbour that had choked the peer, past the grace period', () => {
    const text = log([
      [0, 'Peer 1002 is unchoked by 1001.'],
      [0.1, got(0, 1001, 1)],
      [0.2, 'Peer 1002 is choked by 1001.'],
      // Requested before the choke, written just after it was logged: fine.
      [0.25, got(1, 1001, 2)],
      [0.9, got(2, 1001, 3)],
      // Long after the choke, still no unchoke: a violation.
      [1.5, got(3, 1001, 4)],
      [1.6, 'Peer 1002 is unchoked by 1001.'],
      [1.7, got(4, 1001, 5)],
    ]);
    expect(kinds(text)).to.deep.equal([[6, 'choked-download']]);
    // A shorter grace catches the pieces logged 0.7 s after the choke too.
    expect(kinds(text, undefined, 500)).to.deep.equal([[5, 'choked-download'], [6, 'choked-download']]);
  });

  it('without readable times, excuses only the first piece after a choke', () => {
    const text = [
      '[Time]: Peer 1002 is choked by 1001.',
      `[Time]: ${got(0, 1001, 1)}`,
      `[Time]: ${got(1, 1001, 2)}`,
      '[Time]: Peer 1002 is unchoked by 1001.',
      `[Time]: ${got(2, 1001, 3)}`,
    ].join('\n');
    expect(kinds(text)).to.deep.equal([[3, 'choked-download']]);
  });

  it('flags a completion line before the last piece', () => {
    expect(kinds(log([[0, got(0, 1001, 1)], [0.1, 'Peer 1002 has downloaded the complete file.'], [0.2, got(1, 1001, 2)]]))).to.deep.equal([[3, 'early-complete']]);
    // With the piece count known, a completion with pieces missing.
    expect(kinds(log([[0, got(0, 1001, 1)], [0.1, 'Peer 1002 has downloaded the complete file.']]), 2)).to.deep.equal([[2, 'early-complete']]);
  });

  it('flags lines not in the classic format, and lines about another peer', () => {
    const text = log(GOOD.slice(0, 3)) + 'DEBUG: socket 7 readable\n' + '[10:00:01]: Peer 1002 is choked by peer 1001.\n' + log([[1, 'Peer 1003 is choked by 1001.']]);
    expect(kinds(text)).to.deep.equal([[4, 'not-classic'], [5, 'not-classic'], [6, 'wrong-peer']]);
  });

  it('treats a verbose start line after the first as a restart: counts start over', () => {
    const started = 'Peer 1002 started with FileSize 3, PieceSize 1.';
    const text = log([[0, started], [0.1, got(0, 1001, 1)], [0.2, got(1, 1001, 2)], [5, started], [5.1, got(1, 1001, 2)], [5.2, got(2, 1001, 3)]]);
    const t = inspectLog('log_peer_1002.log', text, { totalPieces: 3, chokeGraceMs: 1000 });
    expect(t.findings).to.deep.equal([]);
    expect(t.runs).to.equal(2);
  });

  it('follows times of day across midnight', () => {
    const text = ['[23:59:59.900]: Peer 1002 is choked by 1001.', `[00:00:00.100]: ${got(0, 1001, 1)}`, `[00:00:02.000]: ${got(1, 1001, 2)}`].join('\n');
    expect(kinds(text)).to.deep.equal([[3, 'choked-download']]);
  });
});
