import * as fs from 'node:fs';
import * as path from 'node:path';
import { PeerId, SwarmEvent } from '../../core/events';

/** The jsonl logger's file name for a peer (plugins/logger/jsonl.ts). */
const STREAM_FILE = /^log_peer_(\d+)\.jsonl$/;

/** The kinds a watch page uses; the busy rest (requests, haves, interest) is skipped before parsing. */
const WATCHED_KINDS = new Set<string>([
  'started',
  'store-opened',
  'listening',
  'connected',
  'connection-rejected',
  'disconnected',
  'protocol-violation',
  'preferred-changed',
  'optimistic-changed',
  'unchoked-by',
  'choked-by',
  'piece-downloaded',
  'piece-discarded',
  'piece-uploaded',
  'peer-completed',
  'file-complete',
  'swarm-complete',
  'plugin-error',
  'error',
]);
const KIND = /"kind":"([a-z-]+)"/;

/** Numeric fields an event of each kind must carry for the view to use it. */
const NUMBERS: Partial<Record<string, readonly string[]>> = {
  'store-opened': ['have', 'total'],
  'piece-downloaded': ['peer', 'index', 'bytes', 'have', 'total'],
  'piece-uploaded': ['peer', 'index', 'bytes'],
  'piece-discarded': ['peer', 'index', 'bytes'],
  connected: ['peer'],
  disconnected: ['peer'],
  'unchoked-by': ['peer'],
  'choked-by': ['peer'],
  'peer-completed': ['peer'],
};

/**
 * One line of a jsonl stream as an event the watch page uses, or undefined
 * for a kind it does not use or a line that is not a well-formed event (a
 * line cut short, a foreign file): a watcher reports those, it never stops on them.
 */
export function parseEventLine(line: string): SwarmEvent | 'skipped' | undefined {
  const kind = KIND.exec(line)?.[1];
  if (kind !== undefined && !WATCHED_KINDS.has(kind)) return 'skipped';
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  if (typeof e['kind'] !== 'string' || !WATCHED_KINDS.has(e['kind'])) return kind === undefined ? undefined : 'skipped';
  if (!Number.isInteger(e['self']) || typeof e['at'] !== 'number') return undefined;
  for (const field of NUMBERS[e['kind']] ?? []) if (!Number.isInteger(e[field])) return undefined;
  if (e['kind'] === 'store-opened' && (typeof e['bitfield'] !== 'string' || !/^[0-9a-f]*$/.test(e['bitfield']))) return undefined;
  if (e['kind'] === 'preferred-changed' && !(Array.isArray(e['neighbors']) && e['neighbors'].every((n) => Number.isInteger(n)))) return undefined;
  return e as unknown as SwarmEvent;
}

export interface TailListener {
  event(e: SwarmEvent): void;
  /** The peer's file was rewritten from the start (a new run): forget what it said. */
  reset(peer: PeerId): void;
  /** A line that is not a well-formed event. */
  badLine?(file: string, lineNo: number): void;
}

interface TailedFile {
  readonly peer: PeerId;
  offset: number;
  lineNo: number;
  /** The start of a line not yet terminated. */
  partial: Buffer;
}

/**
 * Follows every log_peer_<id>.jsonl in a folder, new ones included, by
 * polling: each poll reads what was appended since the last one, at most
 * `maxReadBytes` a file, so that a watcher falling behind (a busy machine, a
 * finished run's big logs) catches up on every peer side by side rather than
 * on one peer after another, and hands the complete lines over as events.
 */
export class JsonlTail {
  private readonly files = new Map<string, TailedFile>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<number> | undefined;

  constructor(
    readonly dir: string,
    private readonly listener: TailListener,
    private readonly options: { readonly pollMs?: number; readonly maxReadBytes?: number } = {},
  ) {}

  /** Peers whose stream has been found so far. */
  get peers(): PeerId[] {
    return [...this.files.values()].map((f) => f.peer).sort((a, b) => a - b);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.options.pollMs ?? 200);
    void this.poll();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** Reads everything written so far (a poll that was running may have started before the last writes). */
  async drain(): Promise<void> {
    await this.polling;
    while ((await this.poll()) > 0);
  }

  /** Reads what was appended to every stream, one poll at a time; resolves with the bytes read. */
  poll(): Promise<number> {
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async pollOnce(): Promise<number> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.dir);
    } catch {
      return 0; // the folder may be recreated by a new run; keep trying
    }
    let read = 0;
    for (const name of names.sort()) {
      const match = STREAM_FILE.exec(name);
      if (!match) continue;
      let tailed = this.files.get(name);
      if (!tailed) this.files.set(name, (tailed = { peer: Number(match[1]), offset: 0, lineNo: 0, partial: Buffer.alloc(0) }));
      read += await this.readMore(path.join(this.dir, name), tailed);
    }
    return read;
  }

  private async readMore(file: string, tailed: TailedFile): Promise<number> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(file, 'r');
    } catch {
      return 0;
    }
    try {
      const { size } = await handle.stat();
      if (size < tailed.offset) {
        tailed.offset = 0;
        tailed.lineNo = 0;
        tailed.partial = Buffer.alloc(0);
        this.listener.reset(tailed.peer);
      }
      const length = Math.min(size - tailed.offset, this.options.maxReadBytes ?? 256 * 1024);
      if (length <= 0) return 0;
      const chunk = Buffer.alloc(length);
      const { bytesRead } = await handle.read(chunk, 0, length, tailed.offset);
      tailed.offset += bytesRead;
      const data = Buffer.concat([tailed.partial, chunk.subarray(0, bytesRead)]);
      const end = data.lastIndexOf(0x0a);
      tailed.partial = Buffer.from(end < 0 ? data : data.subarray(end + 1));
      if (end < 0) return bytesRead;
      for (const line of data.subarray(0, end).toString('utf8').split('\n')) {
        tailed.lineNo++;
        if (line.trim() === '') continue;
        const e = parseEventLine(line);
        if (e === undefined) this.listener.badLine?.(file, tailed.lineNo);
        else if (e !== 'skipped') this.listener.event(e);
      }
      return bytesRead;
    } finally {
      await handle.close();
    }
  }
}
