import * as fs from 'node:fs';

/**
 * Logs append across runs (a restarted peer's history stays). A run
 * killed in the middle of a write may have left a line without its end: end
 * it, so the next run's first line starts on a line of its own.
 */
export function endLastLine(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return; // no log yet
  }
  try {
    const size = fs.fstatSync(fd).size;
    const last = Buffer.alloc(1);
    if (size > 0 && fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a) fs.appendFileSync(file, '\n');
  } finally {
    fs.closeSync(fd);
  }
}

