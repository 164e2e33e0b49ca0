import { expect } from 'chai';
import { firstValueFrom, take, toArray } from 'rxjs';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { Message, MessageType } from '../../../core/protocol/messages';
import { WINDOW_BYTES } from '../../../core/transport/delay-stage';
import { TcpLink } from '../../../core/transport/tcp-link';
import { LinkPairs } from '../../helpers/link-pairs';

/**
 * The latency stage on real sockets: what a peer sends and receives waits its
 * one-way latency, so A to B takes latencyA + latencyB, in order, and a
 * sender runs ahead of the wire by at most one window.
 */
describe('latency on real links (delay stage)', function () {
  this.timeout(20000);
  const geometry = new PieceGeometry(64 * 1024 * 1024, 256 * 1024);
  const pairs = new LinkPairs();
  afterEach(() => pairs.closeAll());

  /** Two handshaken links over loopback, with the given one-way latencies. */
  async function pair(latencyA: number, latencyB: number): Promise<[TcpLink, TcpLink]> {
    const { a, b } = await pairs.open(geometry, { latencyMs: latencyA }, { latencyMs: latencyB });
    return [a, b];
  }

  it('delivers in order, latencyA + latencyB after sending', async () => {
    const [a, b] = await pair(60, 90);
    const got = firstValueFrom(b.messages$.pipe(take(50), toArray()));
    const sentAt = Date.now();
    for (let i = 0; i < 50; i++) await a.send({ type: MessageType.Have, index: i });
    const received = await got;
    const elapsed = Date.now() - sentAt;
    expect(received.map((m) => (m as Extract<Message, { type: MessageType.Have }>).index)).to.deep.equal([...Array(50).keys()]);
    expect(elapsed, 'one way is 60 + 90 ms').to.be.at.least(150);
  });

  it('what a neighbour sent before closing still arrives: the close waits behind it', async () => {
    const [a, b] = await pair(0, 100);
    const got = firstValueFrom(b.messages$.pipe(toArray()));
    for (let i = 0; i < 5; i++) await a.send({ type: MessageType.Have, index: i });
    a.close('done');
    // messages$ completes only once the close has come through, after all five haves.
    expect((await got).map((m) => (m as Extract<Message, { type: MessageType.Have }>).index)).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('the handshake itself crosses the delay: a link comes up after a round trip', async () => {
    const started = Date.now();
    await pair(50, 50);
    // Each side's handshake waits 50 ms going out and 50 ms coming in.
    expect(Date.now() - started).to.be.at.least(100);
  });

  it('holds a sender back once a window of bytes is in flight, and releases it as they arrive', async () => {
    const [a, b] = await pair(300, 0);
    const piece = new Uint8Array(256 * 1024);
    const pieces = Math.ceil(WINDOW_BYTES / piece.length) + 2;
    let received = 0;
    b.messages$.subscribe(() => received++);
    const started = Date.now();
    let blockedAfter: number | undefined;
    for (let i = 0; i < pieces; i++) {
      const sent = a.send({ type: MessageType.Piece, index: i, data: piece });
      const settled = await Promise.race([sent.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
      if (!settled && blockedAfter === undefined) blockedAfter = i;
      await sent;
    }
    // Past the window, send() waited for the delay line, not for the socket.
    expect(blockedAfter, 'send() blocked once the window was full').to.not.equal(undefined);
    // ...at the first piece that took the bytes held (9-byte header + data each) past the window.
    expect(blockedAfter).to.equal(Math.ceil((WINDOW_BYTES + 1) / (piece.length + 9)) - 1);
    expect(Date.now() - started).to.be.at.least(300);
    while (received < pieces) await new Promise((r) => setTimeout(r, 20));
    expect(received).to.equal(pieces);
  });
});
