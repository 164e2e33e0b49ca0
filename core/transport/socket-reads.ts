import * as net from 'node:net';

/**
 * Bytes one socket read can bring. Node's own reads take at most 64 KiB; four times that halved
 * the reads of a 256 KiB-piece download and cut its CPU (docs/performance.md), and a bigger one
 * did no better.
 */
export const READ_BUFFER_BYTES = 256 * 1024;

/**
 * The one buffer every switched socket of this process reads into. Safe to share: reads run on
 * the event loop's one thread, one at a time, and each is consumed (what is kept, copied) before
 * the callback returns, so one buffer serves any number of connections at a fixed cost.
 */
let shared: Buffer | undefined;

/** Node's keys for a socket that reads into a buffer of its own (`net.connect`'s `onread` option). */
interface ReadIntoKeys {
  readonly buffer: symbol;
  readonly callback: symbol;
}

let keys: ReadIntoKeys | null | undefined;

/** Finds the keys on a socket built with the public `onread` option (null if this Node keeps them elsewhere). */
function readIntoKeys(): ReadIntoKeys | null {
  if (keys !== undefined) return keys;
  keys = null;
  try {
    // @types/node lists `onread` for net.connect only; the Socket constructor is where Node reads it.
    const options = { onread: { buffer: Buffer.alloc(1), callback: () => true } } as net.SocketConstructorOpts;
    const probe = new net.Socket(options);
    const symbols = Object.getOwnPropertySymbols(probe);
    const buffer = symbols.find((s) => s.description === 'kBuffer');
    const callback = symbols.find((s) => s.description === 'kBufferCb');
    probe.destroy();
    if (buffer && callback) keys = { buffer, callback };
  } catch {
    keys = null;
  }
  return keys;
}

interface UserBufferHandle {
  useUserBuffer?: (buffer: Uint8Array) => void;
}

/**
 * Makes a plain TCP socket read into one buffer of the process's own (shared
 * by every such socket) instead of a fresh one per read: `onChunk` gets a
 * view into that buffer that is valid only until it returns (whatever it
 * keeps, it copies).
 *
 * Why: Node otherwise allocates a new buffer (up to 64 KiB) for every read,
 * so a peer receiving pieces makes as many bytes of garbage as it receives;
 * V8 frees that memory late, or (with a forced scavenge per few MiB, which
 * kept the peak RSS down) at a cost of tens of ms per scavenge. Node offers
 * this for sockets it dials (`net.connect({ onread })`) but not for sockets
 * a server accepts, so the socket is switched the way `onread` sets it up:
 * the stream handle's `useUserBuffer` and the socket's two keys for it,
 * found on a socket built with the public option. `pause()`/`resume()`,
 * 'end' and 'close' work as with `onread`; no 'data' events are emitted.
 *
 * Returns the buffer, or undefined (and changes nothing) where that is not possible: a TLS
 * socket (it decrypts into buffers of its own), bytes already read into the
 * stream, or a Node whose internals differ. The caller then listens to
 * 'data' as usual.
 */
export function readIntoOwnBuffer(socket: net.Socket, onChunk: (chunk: Buffer) => void): Buffer | undefined {
  if ((socket as { encrypted?: boolean }).encrypted === true || socket.readableLength > 0 || socket.destroyed) return undefined;
  const found = readIntoKeys();
  const handle = (socket as unknown as { _handle?: UserBufferHandle | null })._handle;
  if (!found || !handle || typeof handle.useUserBuffer !== 'function') return undefined;
  const buffer = (shared ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES));
  const target = socket as unknown as Record<symbol, unknown>;
  target[found.buffer] = buffer;
  // Node calls this with the number of bytes read into the buffer; returning false would pause the socket.
  target[found.callback] = (bytes: number): boolean => {
    onChunk(buffer.subarray(0, bytes));
    return true;
  };
  handle.useUserBuffer(buffer);
  return buffer;
}
