import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PeerId, SwarmEvent, SwarmEventBody } from '../../../core/events';
import { JsonlTail, parseEventLine } from '../../../app/watch/jsonl-tail';
import { SwarmView } from '../../../app/watch/swarm-view';

const T0 = 1_700_000_000_000;
const ev = (self: PeerId, at: number, body: SwarmEventBody): SwarmEvent => ({ ...body, self, at: T0 + at }) as SwarmEvent;

describe('watch: the swarm view folded from event streams', () => {
  it('starts a seeder full and a leecher empty, then sends only new pieces in deltas', () => {
    const view = new SwarmView({ title: 'run' });
    view.apply(ev(1, 0, { kind: 'store-opened', have: 10, total: 10, bitfield: 'ffc0' }));
    view.apply(ev(2, 1, { kind: 'store-opened', have: 0, total: 10, bitfield: '0000' }));
    const first = view.takeDelta()!;
    expect(first.status).to.equal('running');
    expect(first.bitfields).to.deep.equal({ 1: 'ffc0', 2: '0000' });
    expect(first.peers.map((p) => [p.id, p.have, p.seeder, p.complete])).to.deep.equal([
      [1, 10, true, true],
      [2, 0, false, false],
    ]);
    view.apply(ev(2, 600, { kind: 'piece-downloaded', peer: 1, index: 9, bytes: 100, have: 1, total: 10 }));
    view.apply(ev(2, 700, { kind: 'piece-downloaded', peer: 1, index: 0, bytes: 100, have: 2, total: 10 }));
    view.apply(ev(1, 650, { kind: 'piece-uploaded', peer: 2, index: 9, bytes: 100 }));
    const second = view.takeDelta()!;
    expect(second.bitfields).to.deep.equal({});
    expect(second.pieces).to.deep.equal({ 2: [9, 0] });
    expect(second.peers.map((p) => [p.id, p.have])).to.deep.equal([[2, 2]]);
    // 500 ms buckets from the first event: both pieces fell in bucket 1.
    expect(second.rates).to.deep.equal([{ index: 1, bytes: [[1, 0, 100], [2, 200, 0]] }]);
    expect(second.feed.map((f) => f.text)).to.deep.equal(['piece 9 from peer 1 (1/10)', 'piece 0 from peer 1 (2/10)']);
    expect(view.takeDelta(), 'nothing changed').to.equal(undefined);
    expect(view.snapshot().bitfields).to.deep.equal({ 1: 'ffc0', 2: '8040' });
  });

  it('draws who unchokes whom from what each peer received, and from choices for peers not watched', () => {
    const view = new SwarmView({ title: 'run' });
    view.apply(ev(2, 0, { kind: 'unchoked-by', peer: 1 }));
    view.apply(ev(3, 0, { kind: 'unchoked-by', peer: 1 }));
    view.apply(ev(1, 0, { kind: 'preferred-changed', neighbors: [2] }));
    view.apply(ev(1, 0, { kind: 'optimistic-changed', neighbor: 3 }));
    // Peer 9 writes no stream: 2's choice stands in for what 9 received.
    view.apply(ev(2, 0, { kind: 'preferred-changed', neighbors: [9] }));
    expect(view.takeDelta()!.unchokes).to.deep.equal([
      { from: 1, to: 2, optimistic: false },
      { from: 1, to: 3, optimistic: true },
      { from: 2, to: 9, optimistic: false },
    ]);
    view.apply(ev(3, 5, { kind: 'choked-by', peer: 1 }));
    view.apply(ev(2, 5, { kind: 'disconnected', peer: 9, reason: 'closed' }));
    expect(view.takeDelta()!.unchokes).to.deep.equal([{ from: 1, to: 2, optimistic: false }]);
    view.apply(ev(2, 6, { kind: 'swarm-complete' }));
    const last = view.takeDelta()!;
    expect(last.unchokes, 'a finished peer unchokes and is unchoked by nobody').to.deep.equal([]);
  });

  it('keeps the feed bounded and never gives a page the same entry twice', () => {
    const view = new SwarmView({ title: 'run', feedPerDelta: 3, feedKept: 4 });
    for (let i = 0; i < 5; i++) view.apply(ev(2, i, { kind: 'piece-downloaded', peer: 1, index: i, bytes: 1, have: i + 1, total: 10 }));
    view.apply(ev(2, 9, { kind: 'file-complete' }));
    view.apply(ev(2, 9, { kind: 'request-sent', peer: 1, index: 7 }));
    expect(view.snapshot().feed, 'entries not yet sent come in the next delta').to.deep.equal([]);
    const d = view.takeDelta()!;
    expect(d.feed.map((f) => f.category)).to.deep.equal(['piece', 'piece', 'piece', 'done']);
    expect(d.feedDropped).to.equal(2);
    expect(view.snapshot().feed).to.have.length(4);
    view.apply(ev(2, 10, { kind: 'swarm-complete' }));
    view.takeDelta();
    expect(view.snapshot().feed.map((f) => f.text)).to.deep.equal(['piece 1 from peer 1 (2/10)', 'piece 2 from peer 1 (3/10)', 'has downloaded the complete file', 'every peer has the whole file']);
  });

  it('reports a peer\'s completion once: from the peer itself, or from a neighbour when the peer is not watched', () => {
    const view = new SwarmView({ title: 'run' });
    view.apply(ev(1, 0, { kind: 'peer-completed', peer: 2 }));
    view.apply(ev(1, 0, { kind: 'peer-completed', peer: 9 }));
    view.apply(ev(2, 1, { kind: 'file-complete' }));
    expect(view.takeDelta()!.feed.map((f) => `${f.peer}: ${f.text}`)).to.deep.equal(['1: peer 9 has the whole file', '2: has downloaded the complete file']);
  });

  it('is finished when every watched peer saw the swarm complete, unless told otherwise', () => {
    const view = new SwarmView({ title: 'run' });
    view.apply(ev(1, 0, { kind: 'swarm-complete' }));
    view.apply(ev(2, 0, { kind: 'listening', port: 1 }));
    expect(view.snapshot().status).to.equal('running');
    view.apply(ev(2, 1, { kind: 'swarm-complete' }));
    expect(view.snapshot().status).to.equal('finished');
    view.setStatus('finished', 'OK: every copy matches the original');
    expect(view.takeDelta()!.verdict).to.equal('OK: every copy matches the original');
  });
});

describe('watch: reading jsonl streams', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-watch-tail-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parses event lines, skips the busy kinds and rejects lines that are not well-formed events', () => {
    expect(parseEventLine('{"t":1,"kind":"piece-downloaded","peer":1,"index":3,"bytes":9,"have":1,"total":4,"self":2,"at":5}')).to.include({ kind: 'piece-downloaded', index: 3 });
    expect(parseEventLine('{"t":1,"kind":"have-received","peer":1,"index":3,"self":2,"at":5}')).to.equal('skipped');
    expect(parseEventLine('{"t":1,"kind":"piece-downloaded","peer":1,"index":"3","bytes":9,"have":1,"total":4,"self":2,"at":5}')).to.equal(undefined);
    expect(parseEventLine('{"t":1,"kind":"store-opened","have":1,"total":4,"bitfield":"zz","self":2,"at":5}')).to.equal(undefined);
    expect(parseEventLine('{"t":1,"kind":"listening"')).to.equal(undefined);
    expect(parseEventLine('hello')).to.equal(undefined);
  });

  it('follows appended lines, holds back a line cut short, and starts over when a file is rewritten', async () => {
    const seen: string[] = [];
    const bad: number[] = [];
    const tail = new JsonlTail(dir, { event: (e) => seen.push(`${e.self}:${e.kind}`), reset: (p) => seen.push(`${p}:reset`), badLine: (_f, n) => bad.push(n) });
    const file = path.join(dir, 'log_peer_7.jsonl');
    const line = (kind: string): string => `{"t":1,"kind":"${kind}","port":1,"self":7,"at":5}\n`;
    fs.writeFileSync(file, line('listening') + 'not json\n' + line('listening').slice(0, 20));
    fs.writeFileSync(path.join(dir, 'log_peer_7.log'), 'the classic log is not read\n');
    await tail.poll();
    expect(seen).to.deep.equal(['7:listening']);
    expect(bad).to.deep.equal([2]);
    fs.appendFileSync(file, line('listening').slice(20) + line('swarm-complete'));
    await tail.poll();
    expect(seen).to.deep.equal(['7:listening', '7:listening', '7:swarm-complete']);
    fs.writeFileSync(file, line('listening'));
    await tail.poll();
    expect(seen.slice(3)).to.deep.equal(['7:reset', '7:listening']);
    expect(tail.peers).to.deep.equal([7]);
  });
});
