import cliProgress from 'cli-progress';
import { Observable } from 'rxjs';
import { SwarmEvent } from '../../core/events';
import { EventLogger, PluginDefinition } from '../../core/plugin/contracts';

/** Where the console logger writes: process.stderr, or anything writable (tests). */
export type ConsoleStream = NodeJS.WritableStream & { readonly isTTY?: boolean };

/** The human-readable line for an event, without time and peer; undefined for events the console does not show. */
export function consoleLine(e: SwarmEvent, verbose = false): string | undefined {
  switch (e.kind) {
    case 'started':
      return verbose ? `started with ${Object.entries(e.summary).map(([k, v]) => `${k} ${v}`).join(', ')}` : undefined;
    case 'listening':
      return `listening on port ${e.port}`;
    case 'connected':
      return e.direction === 'outbound' ? `connected to peer ${e.peer}` : `connection from peer ${e.peer}`;
    case 'connection-rejected':
      return `rejected a connection${e.peer === undefined ? '' : ` with peer ${e.peer}`}: ${e.reason}`;
    case 'disconnected':
      return `disconnected from peer ${e.peer}: ${e.reason}`;
    case 'protocol-violation':
      return `closed the connection to peer ${e.peer}: ${e.reason}`;
    case 'preferred-changed':
      return e.neighbors.length === 0 ? 'no preferred neighbours' : `preferred neighbours ${e.neighbors.join(',')}`;
    case 'optimistic-changed':
      return e.neighbor === undefined ? undefined : `optimistically unchoked peer ${e.neighbor}`;
    case 'unchoked-by':
      return `unchoked by peer ${e.peer}`;
    case 'choked-by':
      return `choked by peer ${e.peer}`;
    case 'peer-completed':
      return `peer ${e.peer} has the whole file`;
    case 'file-complete':
      return 'has downloaded the complete file';
    case 'swarm-complete':
      return 'every peer has the whole file';
    case 'neighbor-stalled':
      return `neighbour ${e.peer} stalled: piece ${e.index} requested ${Math.round(e.waitedMs)} ms ago and not sent; asking others`;
    case 'plugin-error':
      return `error in the ${e.plugin} plugin: ${e.message}`;
    case 'error':
      return `error: ${e.message}`;
    default:
      // The busy events (have, request, piece up/down, interest) are not worth a line each.
      return undefined;
  }
}

/**
 * Human-readable lines on stderr: connections, choking, completion, errors.
 * On a terminal, a cli-progress bar shows our own download (lines are printed
 * above it); elsewhere (a pipe, a file) a progress line at most every 10%.
 * Cheap per event: the busy events cost a switch, a piece a comparison.
 */
export class ConsoleLogger implements EventLogger {
  private multibar: cliProgress.MultiBar | undefined;
  private bar: cliProgress.SingleBar | undefined;
  /** Set once the download is over (or the logger flushed): no bar any more. */
  private barDone = false;
  /** The last tenth of the download reported (non-terminal mode). */
  private reportedTenths = 0;
  private startedAt: number | undefined;
  private stampSecond = NaN;
  private stampText = '';

  constructor(
    private readonly out: ConsoleStream = process.stderr,
    private readonly verbose = false,
  ) {}

  attach(events$: Observable<SwarmEvent>): void {
    events$.subscribe({
      next: (e) => this.onEvent(e),
      complete: () => this.stopBar(),
    });
  }

  flush(): Promise<void> {
    this.stopBar();
    // Writes are ordered: this callback runs once everything before it is out.
    return new Promise((resolve) => {
      this.out.write('', () => resolve());
    });
  }

  private onEvent(e: SwarmEvent): void {
    if (e.kind === 'piece-downloaded') {
      this.progress(e.self, e.at, e.have, e.total);
      return;
    }
    if (e.kind === 'started') this.startedAt = e.at;
    // Stop the bar first, so the completion line comes below its final state.
    if (e.kind === 'file-complete' || e.kind === 'swarm-complete') this.stopBar();
    let line = consoleLine(e, this.verbose);
    if (line === undefined) return;
    if (e.kind === 'file-complete' && this.startedAt !== undefined) line += ` in ${((e.at - this.startedAt) / 1000).toFixed(1)} s`;
    this.print(`${this.stamp(e.at)} peer ${e.self}: ${line}\n`);
  }

  private progress(self: number, at: number, have: number, total: number): void {
    if (this.barDone) return;
    if (this.out.isTTY === true) {
      if (this.bar) this.bar.update(have);
      else this.startBar(self, have, total);
      return;
    }
    const tenths = Math.floor((have * 10) / total);
    // 100% is the "complete file" line.
    if (tenths <= this.reportedTenths || have >= total) return;
    this.reportedTenths = tenths;
    this.print(`${this.stamp(at)} peer ${self}: downloaded ${Math.floor((have * 100) / total)}% (${have}/${total} pieces)\n`);
  }

  private startBar(self: number, have: number, total: number): void {
    this.multibar = new cliProgress.MultiBar(
      {
        format: ' peer {peer} [{bar}] {percentage}% | {value}/{total} pieces | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: false,
        stream: this.out,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar = this.multibar.create(total, have, { peer: self });
  }

  private stopBar(): void {
    this.barDone = true;
    const multibar = this.multibar;
    if (!multibar) return;
    this.multibar = undefined;
    this.bar = undefined;
    // Lines logged since the last redraw are printed by update(); stop() alone would drop them.
    multibar.update();
    multibar.stop();
  }

  private print(text: string): void {
    if (this.multibar) this.multibar.log(text);
    else this.out.write(text);
  }

  /** `14:35:45` in local time, formatted once per second. */
  private stamp(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.stampSecond) {
      const d = new Date(ms);
      this.stampSecond = second;
      this.stampText = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    }
    return this.stampText;
  }
}

const pad = (n: number): string => String(n).padStart(2, '0');

const consoleLogger: PluginDefinition<'logger'> = {
  kind: 'logger',
  name: 'console',
  description: 'human-readable lines on stderr (connections, choking, completion, errors) with a progress bar on a terminal',
  create: (ctx) => new ConsoleLogger(process.stderr, ctx.verbose),
};
export default consoleLogger;
