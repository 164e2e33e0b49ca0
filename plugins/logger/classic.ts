import * as path from 'node:path';
import log4js from 'log4js';
import { Observable } from 'rxjs';
import { SwarmEvent } from '../../core/events';
import { EventLogger, PluginContext, PluginDefinition } from '../../core/plugin/contracts';
import { endLastLine } from './append-log';

/** The classic log line for an event, without the timestamp; undefined for events the classic log does not show. */
export function classicLine(e: SwarmEvent): string | undefined {
  const me = `Peer ${e.self}`;
  switch (e.kind) {
    case 'connected':
      return e.direction === 'outbound' ? `${me} makes a connection to Peer ${e.peer}.` : `${me} is connected from Peer ${e.peer}.`;
    case 'preferred-changed':
      return `${me} has the preferred neighbors ${e.neighbors.join(',')}.`;
    case 'optimistic-changed':
      return e.neighbor === undefined ? undefined : `${me} has the optimistically unchoked neighbor ${e.neighbor}.`;
    case 'unchoked-by':
      return `${me} is unchoked by ${e.peer}.`;
    case 'choked-by':
      return `${me} is choked by ${e.peer}.`;
    case 'have-received':
      return `${me} received the 'have' message from ${e.peer} for the piece ${e.index}.`;
    case 'interested-received':
      return `${me} received the 'interested' message from ${e.peer}.`;
    case 'not-interested-received':
      return `${me} received the 'not interested' message from ${e.peer}.`;
    case 'piece-downloaded':
      return `${me} has downloaded the piece ${e.index} from ${e.peer}. Now the number of pieces it has is ${e.have}.`;
    case 'file-complete':
      return `${me} has downloaded the complete file.`;
    default:
      return undefined;
  }
}

/** `2026-11-25 14:35:45.123` in local time. */
export function classicTimestamp(ms: number): string {
  const second = Math.floor(ms / 1000);
  // Thousands of lines share a second: format the date part once per second.
  if (second !== cachedSecond) {
    const d = new Date(ms);
    cachedPrefix = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    cachedSecond = second;
  }
  return `${cachedPrefix}.${pad(Math.floor(ms) - second * 1000, 3)}`;
}
let cachedSecond = NaN;
let cachedPrefix = '';
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Writes exactly the classic lines to log_peer_<id>.log through log4js,
 * appending to what earlier runs wrote. A
 * busy peer logs thousands of lines a second, and log4js costs far more per
 * call than per byte, so lines are handed over in batches (one call per
 * 20 ms); the file reads the same, line for line.
 */
export class ClassicLogger implements EventLogger {
  private readonly logger: log4js.Logger;
  readonly file: string;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: PluginContext) {
    this.file = path.join(ctx.logDir, `log_peer_${ctx.selfId}.log`);
    endLastLine(this.file);
    const category = `classic-${ctx.selfId}`;
    log4js.configure({
      // fileSync, not file: the stream-based appender re-decodes every chunk for a debug message even
      // when debugging is off, which made logging a tenth of a busy peer's CPU. Batches keep the
      // synchronous appends to a few dozen a second.
      appenders: { [category]: { type: 'fileSync', filename: this.file, flags: 'a', layout: { type: 'messagePassThrough' } } },
      categories: { default: { appenders: [category], level: 'info' } },
    });
    this.logger = log4js.getLogger(category);
  }

  attach(events$: Observable<SwarmEvent>): void {
    events$.subscribe((e) => {
      if (e.kind === 'started' && this.ctx.verbose) {
        const settings = Object.entries(e.summary).map(([k, v]) => `${k} ${v}`).join(', ');
        this.write(`[${classicTimestamp(e.at)}]: Peer ${e.self} started with ${settings}.`);
        return;
      }
      const line = classicLine(e);
      if (line !== undefined) this.write(`[${classicTimestamp(e.at)}]: ${line}`);
    });
  }

  flush(): Promise<void> {
    this.writeBatch();
    // log4js writes asynchronously; shutdown is the only way to know every line reached the file.
    return new Promise((resolve) => log4js.shutdown(() => resolve()));
  }

  private write(line: string): void {
    this.pending.push(line);
    if (!this.timer) this.timer = setTimeout(() => this.writeBatch(), 20).unref();
  }

  private writeBatch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    // The layout appends the end-of-line after the last line of the batch.
    this.logger.info(this.pending.join('\n'));
    this.pending = [];
  }
}

const classic: PluginDefinition<'logger'> = {
  kind: 'logger',
  name: 'classic',
  description: 'classic: exactly the classic lines of docs/protocol.md in log_peer_<id>.log (log4js)',
  create: (ctx) => new ClassicLogger(ctx),
};
export default classic;
