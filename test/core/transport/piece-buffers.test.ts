import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { Message, MessageType, msg } from '../../../core/protocol/messages';
import { LinkOptions } from '../../../core/transport/tcp-link';
import { LinkPair, LinkPairs } from '../../helpers/link-pairs';
import { BufferPool } from '../../../core/util/buffer-pool';

type Piece = Extract<Message, { type: MessageType.Piece }>;

/**
 * Buffers on real links: a received piece is reassembled in a pooled buffer
 * that comes back for a later piece once the engine recycles it, and a sent
 * piece's buffer is reported free only after its bytes left the socket.
 */
describe('piece buffers on real links', function () {
  this.timeout(20000);
  const pairs = new LinkPairs();
  afterEach(() => pairs.closeAll());

  const pair = (geometry: PieceGeometry, optionsB: LinkOptions = {}): Promise<LinkPair> => pairs.open(geometry, {}, optionsB);

  const bytes = (length: number, seed: number): Buffer => {
    const b = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) b[i] = (i * 13 + seed) & 0xff;
    return b;
  };

  it('reassembles a piece that spans reads in a pooled buffer, and a recycled one serves the next piece', async () => {
    const geometry = new PieceGeometry(4 * 256 * 1024, 256 * 1024);
    const pool = new BufferPool(2);
    const { a, b } = await pair(geometry, { pieceBuffers: pool });
    const next = (): Promise<Piece> => firstValueFrom(b.messages$) as Promise<Piece>;
    const one = bytes(256 * 1024, 1);
    let arrived = next();
    await a.send(msg.piece(0, one));
    const first = await arrived;
    expect(Buffer.from(first.data).equals(one)).to.equal(true);
    b.recycle(first.data);
    const two = bytes(256 * 1024, 2);
    arrived = next();
    await a.send(msg.piece(1, two));
    const second = await arrived;
    expect(second.data.buffer, 'the recycled buffer was reused').to.equal(first.data.buffer);
    expect(Buffer.from(second.data).equals(two)).to.equal(true);
    expect(pool.reused).to.equal(1);
  });

  it('copies pieces that arrive within one read out of the socket\'s read buffer: pieces held stay intact as later reads land', async () => {
    const geometry = new PieceGeometry(40 * 16 * 1024, 16 * 1024);
    const { a, b } = await pair(geometry, { pieceBuffers: new BufferPool(2) });
    const got: Piece[] = [];
    const all = new Promise<void>((resolve) => b.messages$.subscribe((m) => void (got.push(m as Piece) === 40 && resolve())));
    const sent = Array.from({ length: 40 }, (_, i) => bytes(16 * 1024, i));
    // Sent in one go: several pieces share each 64 KiB read.
    for (let i = 0; i < 40; i++) void a.send(msg.piece(i, sent[i]!));
    await all;
    got.forEach((p, i) => expect(Buffer.from(p.data).equals(sent[i]!), `piece ${i}`).to.equal(true));
  });

  it('calls a sent piece\'s onSent only once its bytes are out of the socket: reusing the buffer then changes nothing sent', async () => {
    // Bigger than loopback's socket buffers on both sides: with the receiver not reading, the write cannot finish.
    const size = 48 * 1024 * 1024;
    const geometry = new PieceGeometry(size, size);
    const { a, b, socketB } = await pair(geometry);
    socketB.pause();
    const original = bytes(size, 3);
    const data = Buffer.from(original);
    let sentAt: number | undefined;
    const arrived = firstValueFrom(b.messages$) as Promise<Piece>;
    void a.send(msg.piece(0, data), () => {
      sentAt = Date.now();
      data.fill(0xee); // what a pool does with a buffer it got back: reuse it
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(sentAt, 'not while the receiver holds the bytes back').to.equal(undefined);
    socketB.resume();
    const got = await arrived;
    for (let i = 0; i < 200 && sentAt === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sentAt, 'called once the bytes went out').to.be.a('number');
    expect(Buffer.from(got.data).equals(original), 'the neighbour got the original bytes').to.equal(true);
  });
});
