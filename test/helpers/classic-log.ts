import * as fs from 'node:fs';

export interface Download {
  readonly index: number;
  readonly from: number;
  /** When the peer stored it (ms since the epoch, from the line's local-time stamp). */
  readonly at: number;
}

const DOWNLOADED = /^\[(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})\]: Peer \d+ has downloaded the piece (\d+) from (\d+)\. Now the number of pieces it has is \d+\.$/;

/** The pieces a peer's classic log says it downloaded, in order (an empty list while the log does not exist yet). */
export function downloadsIn(logFile: string): Download[] {
  if (!fs.existsSync(logFile)) return [];
  const out: Download[] = [];
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    const m = DOWNLOADED.exec(line);
    if (!m) continue;
    const [y, mo, d, h, mi, s, ms] = m.slice(1, 8).map(Number) as [number, number, number, number, number, number, number];
    out.push({ index: Number(m[8]), from: Number(m[9]), at: new Date(y, mo - 1, d, h, mi, s, ms).getTime() });
  }
  return out;
}
