import * as fs from 'node:fs';

export interface Download {
  readonly index: number;
  readonly from: number;
}

const DOWNLOADED = /has downloaded the piece (\d+) from (\d+)\. Now the number of pieces it has is \d+\.$/;

/** The pieces a peer's classic log says it downloaded, in order (an empty list while the log does not exist yet). */
export function downloadsIn(logFile: string): Download[] {
  if (!fs.existsSync(logFile)) return [];
  const out: Download[] = [];
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    const m = DOWNLOADED.exec(line);
    if (m) out.push({ index: Number(m[1]), from: Number(m[2]) });
  }
  return out;
}
