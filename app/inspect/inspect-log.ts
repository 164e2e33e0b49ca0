import { LogEvent, parseLogLine, parseLogTime } from './log-line';

export type FindingKind =
  | 'not-classic'
  | 'wrong-peer'
  | 'duplicate-piece'
  | 'count-skips'
  | 'count-goes-back'
  | 'piece-out-of-range'
  | 'choked-download'
  | 'early-complete';

/** A protocol violation the log shows, at a line of it. */
export interface Finding {
  readonly line: number;
  readonly kind: FindingKind;
  readonly message: string;
}

export interface Stamp {
  readonly line: number;
  /** ms, when the line's time could be read. */
  readonly time: number | undefined;
}

export interface PieceArrival extends Stamp {
  readonly index: number;
  readonly from: number;
  readonly count: number;
}

/** What one peer's log says happened, and what it shows was wrong. */
export interface PeerTimeline {
  readonly source: string;
  readonly self: number | undefined;
  readonly lines: number;
  readonly first: Stamp | undefined;
  readonly last: Stamp | undefined;
  readonly dialled: readonly number[];
  readonly acceptedFrom: readonly number[];
  readonly firstPiece: PieceArrival | undefined;
  readonly lastPiece: PieceArrival | undefined;
  /** Pieces downloaded, per neighbour, in order of first piece. */
  readonly piecesFrom: ReadonlyMap<number, number>;
  readonly chokes: ReadonlyArray<Stamp & { readonly by: number; readonly choked: boolean }>;
  readonly preferred: ReadonlyArray<Stamp & { readonly neighbors: readonly number[] }>;
  readonly optimistic: ReadonlyArray<Stamp & { readonly peer: number }>;
  readonly complete: (Stamp & { readonly count: number }) | undefined;
  /** The piece count of the last download line. */
  readonly pieces: number;
  /** Runs in the log (a `started with` line after the first starts a new one). */
  readonly runs: number;
  readonly findings: readonly Finding[];
}

export interface InspectOptions {
  /** The file's piece count, when known (from common.cfg): checks indices and completion. */
  readonly totalPieces?: number;
  /** How long after a choke a piece from that neighbour is still accepted (see `chokedDownload`). */
  readonly chokeGraceMs: number;
}

/**
 * Checks one classic log. The rules, each a violation of the protocol that
 * the log alone can show:
 *
 * - every line is `[<time>]: ` and one of the classic forms, about this peer;
 * - a piece is downloaded once (per run of the peer);
 * - the piece count of each download line is the previous count + 1: it
 *   neither skips nor goes back (the first download line may start anywhere,
 *   as a peer may start with pieces);
 * - a piece index is below the number of pieces, when that is known;
 * - no piece arrives from a neighbour that has choked us. A request sent
 *   before the choke may legitimately be answered on the wire just before
 *   the choke message and be logged just after it (the piece is still being
 *   written when the choke is logged; with pipelining several may be). So a
 *   piece from X logged after "is choked by X", and before "is unchoked by
 *   X", is a violation only when it is logged more than `chokeGraceMs` after
 *   the choke; in a log whose times cannot be read, only the first such
 *   piece after each choke is given the benefit of the doubt;
 * - "has downloaded the complete file" comes after the last piece: no
 *   download line follows it, and its count is the number of pieces (when
 *   known).
 *
 * A `Peer N started with ...` line (the verbose start line) after the first
 * line marks a restart: counts and downloaded pieces start over, since a
 * restarted peer may fetch again what it had not durably stored.
 */
export function inspectLog(source: string, text: string, options: InspectOptions): PeerTimeline {
  const findings: Finding[] = [];
  const fromName = /log_peer_(\d+)\.log$/.exec(source);
  let self: number | undefined = fromName ? Number(fromName[1]) : undefined;
  let first: Stamp | undefined;
  let last: Stamp | undefined;
  const dialled: number[] = [];
  const acceptedFrom: number[] = [];
  const piecesFrom = new Map<number, number>();
  const chokes: Array<Stamp & { by: number; choked: boolean }> = [];
  const preferred: Array<Stamp & { neighbors: readonly number[] }> = [];
  const optimistic: Array<Stamp & { peer: number }> = [];
  let firstPiece: PieceArrival | undefined;
  let lastPiece: PieceArrival | undefined;
  let complete: (Stamp & { count: number }) | undefined;
  let runs = 1;
  // Per run:
  let count: number | undefined;
  let downloadedAt = new Map<number, number>();
  let completeLine: number | undefined;
  /** Neighbours that have choked us: when, and whether a piece already got the benefit of the doubt. */
  let chokedBy = new Map<number, { stamp: Stamp; excused: boolean }>();

  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  // Times of day only (no date) wrap at midnight: keep them increasing.
  let dayOffset = 0;
  let previousTime: number | undefined;
  const at = (lineNo: number, timeText: string): Stamp => {
    let time = parseLogTime(timeText);
    if (time !== undefined && !/\d{4}/.test(timeText) && previousTime !== undefined && time + dayOffset < previousTime - 12 * 3600_000) dayOffset += 24 * 3600_000;
    if (time !== undefined) time += dayOffset;
    if (time !== undefined) previousTime = time;
    return { line: lineNo, time };
  };
  const flag = (line: number, kind: FindingKind, message: string): void => void findings.push({ line, kind, message });

  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const parsed = parseLogLine(line);
    if (!parsed.ok) {
      flag(lineNo, 'not-classic', `${parsed.reason}: ${JSON.stringify(line.length > 100 ? `${line.slice(0, 100)}…` : line)}`);
      return;
    }
    const e: LogEvent = parsed.event;
    const stamp = at(lineNo, parsed.timeText);
    if (self === undefined) self = e.self;
    if (e.self !== self) {
      flag(lineNo, 'wrong-peer', `a line about peer ${e.self} in the log of peer ${self}`);
      return;
    }
    if (!first) first = stamp;
    last = stamp;
    switch (e.kind) {
      case 'started':
        if (lineNo > 1 && first !== stamp) {
          runs++;
          count = undefined;
          downloadedAt = new Map();
          completeLine = undefined;
          chokedBy = new Map();
        }
        return;
      case 'dials':
        dialled.push(e.peer);
        return;
      case 'accepted':
        acceptedFrom.push(e.peer);
        return;
      case 'preferred':
        preferred.push({ ...stamp, neighbors: e.neighbors });
        return;
      case 'optimistic':
        optimistic.push({ ...stamp, peer: e.peer });
        return;
      case 'choked':
        chokes.push({ ...stamp, by: e.peer, choked: true });
        if (!chokedBy.has(e.peer)) chokedBy.set(e.peer, { stamp, excused: false });
        return;
      case 'unchoked':
        chokes.push({ ...stamp, by: e.peer, choked: false });
        chokedBy.delete(e.peer);
        return;
      case 'complete':
        if (completeLine === undefined) {
          completeLine = lineNo;
          complete = { ...stamp, count: count ?? 0 };
          if (options.totalPieces !== undefined && count !== undefined && count < options.totalPieces) {
            flag(lineNo, 'early-complete', `says it has the complete file with ${count} of ${options.totalPieces} pieces`);
          }
        }
        return;
      case 'downloaded':
        onDownload(e, stamp);
        return;
      default:
        return;
    }
  });

  function onDownload(e: Extract<LogEvent, { kind: 'downloaded' }>, stamp: Stamp): void {
    const arrival: PieceArrival = { ...stamp, index: e.index, from: e.peer, count: e.count };
    if (!firstPiece) firstPiece = arrival;
    lastPiece = arrival;
    piecesFrom.set(e.peer, (piecesFrom.get(e.peer) ?? 0) + 1);
    if (completeLine !== undefined) {
      flag(stamp.line, 'early-complete', `piece ${e.index} downloaded after "has downloaded the complete file" (line ${completeLine})`);
    }
    if (options.totalPieces !== undefined && e.index >= options.totalPieces) {
      flag(stamp.line, 'piece-out-of-range', `piece ${e.index} does not exist (the file has ${options.totalPieces} pieces, 0-${options.totalPieces - 1})`);
    }
    const earlier = downloadedAt.get(e.index);
    if (earlier !== undefined) flag(stamp.line, 'duplicate-piece', `piece ${e.index} downloaded again (first at line ${earlier})`);
    else downloadedAt.set(e.index, stamp.line);
    if (count !== undefined && e.count !== count + 1) {
      flag(stamp.line, e.count > count + 1 ? 'count-skips' : 'count-goes-back', `piece count ${e.count} after ${count} (expected ${count + 1})`);
    }
    count = e.count;
    if (options.totalPieces !== undefined && e.count > options.totalPieces) {
      flag(stamp.line, 'count-skips', `piece count ${e.count} is more than the ${options.totalPieces} pieces of the file`);
    }
    const choke = chokedBy.get(e.peer);
    if (choke) checkChokedDownload(e, stamp, choke);
  }

  function checkChokedDownload(e: Extract<LogEvent, { kind: 'downloaded' }>, stamp: Stamp, choke: { stamp: Stamp; excused: boolean }): void {
    const since = choke.stamp.time !== undefined && stamp.time !== undefined ? stamp.time - choke.stamp.time : undefined;
    if (since !== undefined) {
      if (since <= options.chokeGraceMs) return;
      flag(stamp.line, 'choked-download', `piece ${e.index} from ${e.peer}, which had choked this peer ${(since / 1000).toFixed(3)} s earlier (line ${choke.stamp.line}) and not unchoked it since`);
      return;
    }
    if (!choke.excused) {
      choke.excused = true;
      return;
    }
    flag(stamp.line, 'choked-download', `piece ${e.index} from ${e.peer}, which had choked this peer (line ${choke.stamp.line}) and not unchoked it since (a second piece after the choke)`);
  }

  return {
    source,
    self,
    lines: lines.length,
    first,
    last,
    dialled,
    acceptedFrom,
    firstPiece,
    lastPiece,
    piecesFrom,
    chokes,
    preferred,
    optimistic,
    complete,
    pieces: count ?? 0,
    runs,
    findings,
  };
}
