import * as fs from 'node:fs';

/** A problem with what the user asked for (exit 2), as opposed to a failure while doing it. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The file to share must be a non-empty regular file; returns its size. */
export function checkSharedFile(file: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(err)})`);
  }
  if (!stat.isFile()) throw new UsageError(`${file}: not a regular file`);
  if (stat.size === 0) throw new UsageError(`${file}: is empty (the protocol needs FileSize > 0)`);
  return stat.size;
}
