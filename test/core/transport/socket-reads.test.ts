import { expect } from 'chai';
import * as net from 'node:net';
import { READ_BUFFER_BYTES, readIntoOwnBuffer } from '../../../core/transport/socket-reads';

/** A plain loopback connection: the accepted socket (a server's, which Node's `onread` cannot reach) and the dialler. */
async function connection(): Promise<{ accepted: net.Socket; dialler: net.Socket; close: () => void }> {
  const server = net.createServer();
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dialler = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const socket = await accepted;
  return { accepted: socket, dialler, close: () => (socket.destroy(), dialler.destroy(), server.close()) };
}

describe('readIntoOwnBuffer: a socket reading into one buffer of its own', function () {
  this.timeout(20000);

  it('delivers every byte of an accepted socket, in order, as views into one reused buffer, and still ends', async () => {
    const { accepted, dialler, close } = await connection();
    try {
      const sent = Buffer.allocUnsafe(5 * 1024 * 1024 + 123);
      for (let i = 0; i < sent.length; i++) sent[i] = (i * 31 + 7) & 0xff;
      const received: Buffer[] = [];
      const buffers = new Set<ArrayBufferLike>();
      let dataEvents = 0;
      accepted.on('data', () => dataEvents++);
      const own = readIntoOwnBuffer(accepted, (chunk) => {
        buffers.add(chunk.buffer);
        received.push(Buffer.from(chunk)); // a view is valid only during the call
      });
      expect(own, 'a plain accepted socket can be switched').to.be.instanceOf(Buffer);
      expect(own!.length).to.equal(READ_BUFFER_BYTES);
      const ended = new Promise<void>((resolve) => accepted.once('end', resolve));
      dialler.end(sent);
      await ended;
      expect(Buffer.concat(received).equals(sent)).to.equal(true);
      expect([...buffers]).to.deep.equal([own!.buffer]);
      expect(received.length, 'many reads').to.be.greaterThan(1);
      expect(dataEvents, 'no data events').to.equal(0);
    } finally {
      close();
    }
  });

  it('shares the one buffer between sockets receiving at the same time, each getting its own bytes', async () => {
    const one = await connection();
    const two = await connection();
    try {
      const pattern = (seed: number): Buffer => {
        const b = Buffer.allocUnsafe(3 * 1024 * 1024);
        for (let i = 0; i < b.length; i++) b[i] = (i * seed + 3) & 0xff;
        return b;
      };
      const sent = [pattern(7), pattern(11)];
      const got: Buffer[][] = [[], []];
      const buffers = new Set<ArrayBufferLike>();
      const ends = [one, two].map((c, k) => {
        readIntoOwnBuffer(c.accepted, (chunk) => {
          buffers.add(chunk.buffer);
          got[k]!.push(Buffer.from(chunk));
        });
        return new Promise<void>((resolve) => c.accepted.once('end', resolve));
      });
      one.dialler.end(sent[0]);
      two.dialler.end(sent[1]);
      await Promise.all(ends);
      expect(Buffer.concat(got[0]!).equals(sent[0]!)).to.equal(true);
      expect(Buffer.concat(got[1]!).equals(sent[1]!)).to.equal(true);
      expect(buffers.size, 'one buffer for both').to.equal(1);
    } finally {
      one.close();
      two.close();
    }
  });

  it('pauses and resumes like any socket', async () => {
    const { accepted, dialler, close } = await connection();
    try {
      let bytes = 0;
      readIntoOwnBuffer(accepted, (chunk) => void (bytes += chunk.length));
      accepted.pause();
      dialler.write(Buffer.alloc(1000, 1));
      await new Promise((r) => setTimeout(r, 200));
      expect(bytes, 'nothing read while paused').to.equal(0);
      accepted.resume();
      for (let i = 0; i < 100 && bytes < 1000; i++) await new Promise((r) => setTimeout(r, 10));
      expect(bytes).to.equal(1000);
    } finally {
      close();
    }
  });

  it('leaves a socket that already buffered bytes (or is destroyed) as it is', async () => {
    const { accepted, dialler, close } = await connection();
    try {
      const first = new Promise<void>((resolve) => accepted.once('readable', resolve));
      dialler.write('early');
      await first;
      expect(accepted.readableLength).to.be.greaterThan(0);
      expect(readIntoOwnBuffer(accepted, () => undefined)).to.equal(undefined);
      accepted.destroy();
      expect(readIntoOwnBuffer(accepted, () => undefined)).to.equal(undefined);
    } finally {
      close();
    }
  });
});
