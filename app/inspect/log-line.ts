/**
 * One line of a classic log (docs/protocol.md, "Log lines"), from any
 * implementation: `[<time>]: <event>`, where the event is one of the classic
 * forms, word for word. The time format is free; we read the common ones.
 */
export type LogEvent =
  | { readonly kind: 'dials'; readonly self: number; readonly peer: number }
  | { readonly kind: 'accepted'; readonly self: number; readonly peer: number }
  | { readonly kind: 'preferred'; readonly self: number; readonly neighbors: readonly number[] }
  | { readonly kind: 'optimistic'; readonly self: number; readonly peer: number }
  | { readonly kind: 'unchoked'; readonly self: number; readonly peer: number }
  | { readonly kind: 'choked'; readonly self: number; readonly peer: number }
  | { readonly kind: 'have'; readonly self: number; readonly peer: number; readonly index: number }
  | { readonly kind: 'interested'; readonly self: number; readonly peer: number }
  | { readonly kind: 'not-interested'; readonly self: number; readonly peer: number }
  | { readonly kind: 'downloaded'; readonly self: number; readonly peer: number; readonly index: number; readonly count: number }
  | { readonly kind: 'complete'; readonly self: number }
  /** The optional start line of a verbose peer (`Peer 1002 started with ...`): also marks a restart. */
  | { readonly kind: 'started'; readonly self: number };

export type ParsedLine =
  | { readonly ok: true; readonly timeText: string; readonly event: LogEvent }
  | { readonly ok: false; readonly reason: string };

const ID = String.raw`(\d+)`;
const FORMS: ReadonlyArray<{ re: RegExp; make: (m: RegExpExecArray) => LogEvent }> = [
  { re: new RegExp(`^Peer ${ID} makes a connection to Peer ${ID}\\.$`), make: (m) => ({ kind: 'dials', self: +m[1]!, peer: +m[2]! }) },
  { re: new RegExp(`^Peer ${ID} is connected from Peer ${ID}\\.$`), make: (m) => ({ kind: 'accepted', self: +m[1]!, peer: +m[2]! }) },
  {
    re: new RegExp(`^Peer ${ID} has the preferred neighbors (\\d+(?:,\\d+)*)\\.$`),
    make: (m) => ({ kind: 'preferred', self: +m[1]!, neighbors: m[2]!.split(',').map(Number) }),
  },
  { re: new RegExp(`^Peer ${ID} has the optimistically unchoked neighbor ${ID}\\.$`), make: (m) => ({ kind: 'optimistic', self: +m[1]!, peer: +m[2]! }) },
  { re: new RegExp(`^Peer ${ID} is unchoked by ${ID}\\.$`), make: (m) => ({ kind: 'unchoked', self: +m[1]!, peer: +m[2]! }) },
  { re: new RegExp(`^Peer ${ID} is choked by ${ID}\\.$`), make: (m) => ({ kind: 'choked', self: +m[1]!, peer: +m[2]! }) },
  {
    re: new RegExp(`^Peer ${ID} received the 'have' message from ${ID} for the piece ${ID}\\.$`),
    make: (m) => ({ kind: 'have', self: +m[1]!, peer: +m[2]!, index: +m[3]! }),
  },
  { re: new RegExp(`^Peer ${ID} received the 'interested' message from ${ID}\\.$`), make: (m) => ({ kind: 'interested', self: +m[1]!, peer: +m[2]! }) },
  { re: new RegExp(`^Peer ${ID} received the 'not interested' message from ${ID}\\.$`), make: (m) => ({ kind: 'not-interested', self: +m[1]!, peer: +m[2]! }) },
  {
    re: new RegExp(`^Peer ${ID} has downloaded the piece ${ID} from ${ID}\\. Now the number of pieces it has is ${ID}\\.$`),
    make: (m) => ({ kind: 'downloaded', self: +m[1]!, index: +m[2]!, peer: +m[3]!, count: +m[4]! }),
  },
  { re: new RegExp(`^Peer ${ID} has downloaded the complete file\\.$`), make: (m) => ({ kind: 'complete', self: +m[1]! }) },
  { re: new RegExp(`^Peer ${ID} started with .*\\.$`), make: (m) => ({ kind: 'started', self: +m[1]! }) },
];

/** Parses one line (without its end-of-line); says why when it is not a classic line. */
export function parseLogLine(line: string): ParsedLine {
  const framed = /^\[([^\]]+)\]: (.*)$/.exec(line);
  if (!framed) return { ok: false, reason: 'does not start with "[<time>]: "' };
  const body = framed[2]!;
  for (const form of FORMS) {
    const m = form.re.exec(body);
    if (m) return { ok: true, timeText: framed[1]!, event: form.make(m) };
  }
  return { ok: false, reason: 'not one of the classic log lines' };
}

/**
 * Reads the time of a line in ms, or undefined. Understands
 * `2026-11-26 10:06:46.123` (ours), `10:06:46` (time of day only: ms since
 * midnight), epoch milliseconds, and what JavaScript's Date.parse reads
 * (`Thu Nov 26 10:06:46 2026`, Java's Date with UTC/GMT).
 */
export function parseLogTime(text: string): number | undefined {
  const t = text.trim();
  const clock = /^(\d{1,2}):(\d\d):(\d\d)(?:[.,](\d{1,9}))?$/.exec(t);
  if (clock) return ((+clock[1]! * 60 + +clock[2]!) * 60 + +clock[3]!) * 1000 + fraction(clock[4]);
  const iso = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?$/.exec(t);
  if (iso) return new Date(+iso[1]!, +iso[2]! - 1, +iso[3]!, +iso[4]!, +iso[5]!, +iso[6]!).getTime() + fraction(iso[7]);
  if (/^\d{12,14}$/.test(t)) return Number(t);
  const parsed = Date.parse(t);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function fraction(digits: string | undefined): number {
  return digits === undefined ? 0 : Math.floor(Number(`0.${digits}`) * 1000);
}
