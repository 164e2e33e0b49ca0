import * as path from 'node:path';
import log4js from 'log4js';
import { Observable } from 'rxjs';
import { SwarmEvent } from '../../core/events';
import { EventLogger, PluginContext, PluginDefinition } from '../../core/plugin/contracts';

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
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Writes exactly the classic lines to log_peer_<id>.log through log4js. */
export class ClassicLogger implements EventLogger {
  private readonly logger: log4js.Logger;
  readonly file: string;

  constructor(private readonly ctx: PluginContext) {
    this.file = path.join(ctx.logDir, `log_peer_${ctx.selfId}.log`);
    const category = `classic-${ctx.selfId}`;
    log4js.configure({
      appenders: { [category]: { type: 'file', filename: this.file, flags: 'w', layout: { type: 'messagePassThrough' } } },
      categories: { default: { appenders: [category], level: 'info' } },
    });
    this.logger = log4js.getLogger(category);
  }

  attach(events$: Observable<SwarmEvent>): void {
    events$.subscribe((e) => {
      if (e.kind === 'started' && this.ctx.verbose) {
        const settings = Object.entries(e.summary).map(([k, v]) => `${k} ${v}`).join(', ');
        this.logger.info(`[${classicTimestamp(e.at)}]: Peer ${e.self} started with ${settings}.`);
        return;
      }
      const line = classicLine(e);
      if (line !== undefined) this.logger.info(`[${classicTimestamp(e.at)}]: ${line}`);
    });
  }

  flush(): Promise<void> {
    // log4js writes asynchronously; shutdown is the only way to know every line reached the file.
    return new Promise((resolve) => log4js.shutdown(() => resolve()));
  }
}

const classic: PluginDefinition<'logger'> = {
  kind: 'logger',
  name: 'classic',
  description: 'classic: exactly the PROTOCOL.md lines in log_peer_<id>.log (log4js)',
  create: (ctx) => new ClassicLogger(ctx),
};
export default classic;
