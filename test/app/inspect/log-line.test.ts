import { expect } from 'chai';
import { parseLogLine, parseLogTime } from '../../../app/inspect/log-line';

describe('classic log lines (peer inspect)', () => {
  it('reads every classic form', () => {
    const t = '[2026-11-26 10:06:46.123]: ';
    const cases: Array<[string, object]> = [
      ['Peer 1002 makes a connection to Peer 1001.', { kind: 'dials', self: 1002, peer: 1001 }],
      ['Peer 1001 is connected from Peer 1002.', { kind: 'accepted', self: 1001, peer: 1002 }],
      ['Peer 1001 has the preferred neighbors 1002,1003,1004.', { kind: 'preferred', self: 1001, neighbors: [1002, 1003, 1004] }],
      ['Peer 1001 has the optimistically unchoked neighbor 1005.', { kind: 'optimistic', self: 1001, peer: 1005 }],
      ['Peer 1002 is unchoked by 1001.', { kind: 'unchoked', self: 1002, peer: 1001 }],
      ['Peer 1002 is choked by 1001.', { kind: 'choked', self: 1002, peer: 1001 }],
      ["Peer 1002 received the 'have' message from 1003 for the piece 17.", { kind: 'have', self: 1002, peer: 1003, index: 17 }],
      ["Peer 1001 received the 'interested' message from 1002.", { kind: 'interested', self: 1001, peer: 1002 }],
      ["Peer 1001 received the 'not interested' message from 1002.", { kind: 'not-interested', self: 1001, peer: 1002 }],
      ['Peer 1002 has downloaded the piece 17 from 1001. Now the number of pieces it has is 42.', { kind: 'downloaded', self: 1002, peer: 1001, index: 17, count: 42 }],
      ['Peer 1002 has downloaded the complete file.', { kind: 'complete', self: 1002 }],
    ];
    for (const [body, event] of cases) {
      const parsed = parseLogLine(t + body);
      expect(parsed, body).to.deep.equal({ ok: true, timeText: '2026-11-26 10:06:46.123', event });
    }
  });

  it('says why a line is not classic', () => {
    expect(parseLogLine('Peer 1002 is choked by 1001.')).to.deep.equal({ ok: false, reason: 'does not start with "[<time>]: "' });
    for (const body of [
      'Peer 1002 is choked by peer 1001.',
      'Peer 1002 is choked by 1001',
      'Peer 1001 has the preferred neighbors [1002, 1003].',
      "Peer 1002 received the \u2018have\u2019 message from 1003 for the piece 17.",
      'Peer 1002 has downloaded the piece 17 from 1001. Now the number of pieces it has is 42',
      'DEBUG socket opened',
    ]) {
      expect(parseLogLine(`[10:00:00]: ${body}`), body).to.deep.equal({ ok: false, reason: 'not one of the classic log lines' });
    }
  });

  it('reads the time formats implementations use', () => {
    expect(parseLogTime('2026-11-26 10:06:46.123')).to.equal(new Date(2026, 10, 26, 10, 6, 46, 123).getTime());
    expect(parseLogTime('2026-11-26T10:06:46')).to.equal(new Date(2026, 10, 26, 10, 6, 46).getTime());
    expect(parseLogTime('10:06:46')).to.equal(((10 * 60 + 6) * 60 + 46) * 1000);
    expect(parseLogTime('10:06:46,5')).to.equal(((10 * 60 + 6) * 60 + 46) * 1000 + 500);
    expect(parseLogTime('Thu Nov 26 10:06:46 2026')).to.equal(new Date(2026, 10, 26, 10, 6, 46).getTime());
    expect(parseLogTime('Thu Nov 26 10:06:46 UTC 2026')).to.equal(Date.UTC(2026, 10, 26, 10, 6, 46));
    expect(parseLogTime('1795687606123')).to.equal(1795687606123);
    expect(parseLogTime('Time')).to.equal(undefined);
  });
});
