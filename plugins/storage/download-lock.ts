import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A lock file in a leecher's `peer_<id>/`, held while it downloads. Without
 * it, a second process started with the same peer id truncated the first
 * one's `.part` (and removed it on its way out, after failing on the port):
 * the first peer then served zeros to its neighbours and could not finish.
 * The file holds the owner's pid; a lock whose process is gone (a crash, a
 * kill -9) is taken over.
 */
export class DownloadLock {
  private constructor(readonly file: string) {}

  /** Takes `<dir>/.lock`, or throws an Error naming the process that holds it. */
  static acquire(dir: string, selfId: number): DownloadLock {
    const file = path.join(dir, '.lock');
    fs.mkdirSync(dir, { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
        return new DownloadLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = Number.parseInt(readOrEmpty(file), 10);
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new Error(`${dir} is in use by process ${owner} (another peer ${selfId} is running; stop it or use another --dir)`);
      }
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
    throw new Error(`${dir}: could not take ${file}`);
  }

  release(): void {
    fs.rmSync(this.file, { force: true });
  }
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
