import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Observable } from 'rxjs';
import { SwarmEvent } from '../../core/events';
import { EventLogger, PluginContext, PluginDefinition } from '../../core/plugin/contracts';
import { endLastLine } from './append-log';

/**
 * One JSON object per event in log_peer_<id>.jsonl: the machine-readable
 * record that metrics and A/B tools consume. `t` is a monotonic clock in ms
 * (performance.timeOrigin-based, comparable across processes on one machine).
 */
export class JsonlLogger implements EventLogger {
  readonly file: string;
  private readonly out: fs.WriteStream;

  constructor(ctx: PluginContext) {
    this.file = path.join(ctx.logDir, `log_peer_${ctx.selfId}.jsonl`);
    endLastLine(this.file);
    this.out = fs.createWriteStream(this.file, { flags: 'a' }); // a restarted peer's earlier runs stay
  }

  attach(events$: Observable<SwarmEvent>): void {
    events$.subscribe((e) => {
      this.out.write(`${JSON.stringify({ t: Number((performance.timeOrigin + performance.now()).toFixed(3)), ...e })}\n`);
    });
  }

  flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }
}

const jsonl: PluginDefinition<'logger'> = {
  kind: 'logger',
  name: 'jsonl',
  description: 'one JSON object per event, with a monotonic timestamp, in log_peer_<id>.jsonl',
  create: (ctx) => new JsonlLogger(ctx),
};
export default jsonl;
