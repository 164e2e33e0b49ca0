import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** Another live process holds the folder: the message names it (its pid) and what to do. */
export class FolderLockedError extends Error {
  override readonly name = 'FolderLockedError';
}

/**
 * One peer per `peer_<id>/` folder. The lock is a listening local socket
 * whose name is derived from the folder's absolute path: on Linux an
 * abstract-namespace socket (on Windows a named pipe), which the kernel
 * releases the instant the holder dies, kill -9 included, so there is never a
 * stale lock to clean up and no window in which two starters can both
 * "take over" one. Elsewhere it is a socket file in the temp folder, removed
 * when nobody answers on it. The holder answers every connection with its pid,
 * so a second instance can say whom it collided with.
 *
 * Taking the lock creates nothing in the folder: it is the very first thing a
 * peer does, before it binds its port or opens any file.
 */
export class FolderLock {
  private constructor(private readonly server: net.Server, private readonly address: string) {}

  /** Takes the lock on `folder` (which need not exist yet) or throws FolderLockedError. */
  static async acquire(folder: string, label: string): Promise<FolderLock> {
    const address = lockAddress(folder);
    for (let attempt = 0; ; attempt++) {
      const server = net.createServer((socket) => {
        socket.on('error', () => undefined);
        socket.end(`${JSON.stringify({ pid: process.pid, folder: path.resolve(folder) })}\n`);
      });
      try {
        await listen(server, address);
        // The lock must not keep a finished peer alive.
        server.unref();
        return new FolderLock(server, address);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw new Error(`cannot lock ${label}: ${(err as Error).message}`);
      }
      const holder = await askHolder(address);
      if (holder !== undefined) {
        throw new FolderLockedError(`${label} is in use by another running peer (pid ${holder}); stop it first, or give this one another --dir`);
      }
      // An abstract socket or a pipe exists only while its holder lives, even if it is too busy to answer.
      if (!isSocketFile(address)) throw new FolderLockedError(`${label} is in use by another running peer (it did not say its pid); stop it first, or give this one another --dir`);
      // Nobody answers on a socket file left by a dead holder: remove it, once.
      if (attempt > 0) throw new Error(`cannot lock ${label}: ${address} is in use but does not answer`);
      fs.rmSync(address, { force: true });
    }
  }

  release(): void {
    this.server.close();
    if (isSocketFile(this.address)) fs.rmSync(this.address, { force: true });
  }
}

/** The lock's socket name for a folder: the same for every spelling of the folder's path. */
export function lockAddress(folder: string): string {
  const digest = createHash('sha256').update(canonical(folder)).digest('hex').slice(0, 32);
  if (process.platform === 'linux') return `\0swarmlab-peer-folder-${digest}`;
  if (process.platform === 'win32') return `\\\\.\\pipe\\swarmlab-peer-folder-${digest}`;
  return path.join(os.tmpdir(), `swarmlab-peer-folder-${digest}.sock`);
}

/** The absolute path with symbolic links resolved as far as the path exists (the folder itself may not yet). */
function canonical(folder: string): string {
  const absolute = path.resolve(folder);
  try {
    return fs.realpathSync(absolute);
  } catch {
    try {
      return path.join(fs.realpathSync(path.dirname(absolute)), path.basename(absolute));
    } catch {
      return absolute;
    }
  }
}

function isSocketFile(address: string): boolean {
  return !address.startsWith('\0') && !address.startsWith('\\\\.\\pipe\\');
}

function listen(server: net.Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path: address, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The pid the lock holder reports, or undefined when nobody answers within a second. */
function askHolder(address: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const socket = net.connect({ path: address });
    const done = (pid: number | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(pid);
    };
    const timer = setTimeout(() => done(undefined), 1000);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('end', () => {
      try {
        const pid = (JSON.parse(text) as { pid?: unknown }).pid;
        done(typeof pid === 'number' ? pid : undefined);
      } catch {
        done(undefined);
      }
    });
    socket.on('error', () => done(undefined));
  });
}
