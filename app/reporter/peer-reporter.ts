import { Observable } from 'rxjs';
import { SwarmEvent } from '../../core/events';
import { formatSize } from '../../core/util/size';
import { formatDuration, RateWindow, statusLine } from './status-line';

/** Where the reporter writes: process.stderr, or any writable (tests). */
export type ReportStream = NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };

export interface ReporterOptions {
  /** Default process.stderr (see the class comment for why). */
  readonly out?: ReportStream;
  /** `--quiet`: no status line, no progress lines; warnings still appear. */
  readonly quiet?: boolean;
  /** Another component already prints the progress lines (the console logger): keep only warnings. */
  readonly progressShownElsewhere?: boolean;
  /** Redraw period of the status line, ms (default 250). */
  readonly redrawMs?: number;
  readonly now?: () => number;
}

/** What the reporter must know about the peer before the first event. */
export interface PeerFacts {
  readonly self: number;
  /** Neighbours listed in the peer file (everyone but us). */
  readonly neighbours: number;
  readonly totalPieces: number;
  /** Pieces held at start (a seeder: all of them). */
  readonly piecesAtStart: number;
  readonly pieceSize: number;
  readonly fileSize: number;
}

/**
 * The one place a running peer's human-readable lines go.
 *
 * - `info(text)`: progress and facts (listening, connected, complete, done).
 *   Silenced by `--quiet`. On a terminal only the status line and the final
 *   summary are shown, so info lines are printed off a terminal only.
 * - `warn(text)`: something the user should act on or know about (a neighbour
 *   we keep waiting for, a rejected connection, a protocol violation, a
 *   timeout). Always printed, `--quiet` or not, terminal or not.
 * - `finish(exitCode)`: the final summary; stops the status line. Call once.
 *
 * Every line reads `peer <id>: <text>` and ends with a newline; on a terminal
 * the live status line is cleared before a line is printed and redrawn after,
 * so callers never deal with it. Code that wants to tell the user something
 * while a peer runs (e.g. "waiting for peer 1003 at host:6003") takes the
 * reporter and calls `warn` or `info`: never process.stderr.write directly.
 *
 * Everything goes to stderr, not stdout: stdout is kept for a command's
 * result (the hash file of `peer hashes`, the report of `peer inspect`, the
 * summary of `peer swarm`), so `peer ... > file` or a pipe gets only that;
 * progress and problems are commentary, and keeping both on one stream keeps
 * a warning in order with the status line it interrupts. The terminal test
 * is on stderr for the same reason.
 */
export class PeerReporter {
  private readonly out: ReportStream;
  private readonly tty: boolean;
  private readonly quiet: boolean;
  private readonly now: () => number;
  private readonly startedAt: number;
  private facts: PeerFacts | undefined;
  private have = 0;
  private readonly connected = new Set<number>();
  private readonly uploadedTo = new Set<number>();
  private downloaded = 0;
  private uploaded = 0;
  private completeAt: number | undefined;
  private port: number | undefined;
  private readonly rates = new RateWindow(2000);
  private timer: NodeJS.Timeout | undefined;
  /** The status line currently on screen (to be cleared before other output). */
  private shown = false;
  private finished = false;

  constructor(private readonly options: ReporterOptions = {}) {
    this.out = options.out ?? process.stderr;
    this.tty = this.out.isTTY === true;
    this.quiet = options.quiet === true || options.progressShownElsewhere === true;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** Starts following a peer's events. */
  attach(events$: Observable<SwarmEvent>, facts: PeerFacts): void {
    this.facts = facts;
    this.have = facts.piecesAtStart;
    if (facts.piecesAtStart === facts.totalPieces) this.completeAt = this.startedAt;
    events$.subscribe((e) => this.onEvent(e));
    if (this.tty && !this.quiet) {
      this.timer = setInterval(() => this.draw(), this.options.redrawMs ?? 250);
      this.timer.unref();
    }
  }

  info(text: string): void {
    if (this.quiet || this.tty || this.finished) return;
    this.print(text);
  }

  warn(text: string): void {
    this.print(text);
  }

  /** The final summary (or, with --quiet, nothing unless the peer failed). */
  finish(exitCode: number): void {
    if (this.finished) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clearStatus();
    const text = this.summary(exitCode);
    if (!this.quiet || exitCode !== 0) this.print(text);
    this.finished = true;
  }

  private onEvent(e: SwarmEvent): void {
    switch (e.kind) {
      case 'listening':
        this.port = e.port;
        this.info(`listening on port ${e.port}; ${plural(this.facts?.neighbours ?? 0, 'neighbour')} listed, holding ${this.have}/${this.facts?.totalPieces ?? 0} pieces`);
        return;
      case 'connected':
        this.connected.add(e.peer);
        this.info(e.direction === 'outbound' ? `connected to peer ${e.peer}` : `peer ${e.peer} connected to us`);
        return;
      case 'disconnected':
        this.connected.delete(e.peer);
        return;
      case 'piece-downloaded':
        this.have = e.have;
        this.downloaded += e.bytes;
        this.rates.add(this.now(), e.bytes, 0);
        return;
      case 'piece-uploaded':
        this.uploaded += e.bytes;
        this.uploadedTo.add(e.peer);
        this.rates.add(this.now(), 0, e.bytes);
        return;
      case 'file-complete':
        this.completeAt = this.now();
        this.info(`has the whole file (${this.facts?.totalPieces} pieces, ${formatSize(this.facts?.fileSize ?? 0)}) after ${formatDuration(this.completeAt - this.startedAt)}`);
        return;
      case 'connection-rejected':
        this.warn(`rejected a connection${e.peer === undefined ? '' : ` with ${e.peer}`}: ${e.reason}`);
        return;
      case 'protocol-violation':
        this.warn(`closed the connection to ${e.peer}: ${e.reason}`);
        return;
      case 'plugin-error':
        this.warn(`${e.plugin} plugin: ${e.message}`);
        return;
      case 'neighbor-stalled':
        this.warn(`neighbour ${e.peer} stalled: piece ${e.index} requested ${Math.round(e.waitedMs)} ms ago and not sent; asking others`);
        return;
      case 'error':
        this.warn(e.message);
        return;
      default:
        return;
    }
  }

  private summary(exitCode: number): string {
    const took = formatDuration(this.now() - this.startedAt);
    const f = this.facts;
    const total = f?.totalPieces ?? 0;
    const up = this.uploaded > 0 ? `, uploaded ${formatSize(this.uploaded)} to ${plural(this.uploadedTo.size, 'neighbour')}` : '';
    if (exitCode !== 0) return `stopped (exit ${exitCode}) after ${took} holding ${this.have}/${total} pieces${up}`;
    const fetched = f && f.piecesAtStart < total && this.completeAt !== undefined
      ? `, downloaded ${formatSize(this.downloaded)} in ${formatDuration(this.completeAt - this.startedAt)} (${formatSize((this.downloaded * 1000) / Math.max(1, this.completeAt - this.startedAt))}/s)`
      : f && f.piecesAtStart === total
        ? ', seeded'
        : '';
    return `done in ${took}: every peer has the whole file${fetched}${up}`;
  }

  private draw(): void {
    if (this.finished || !this.facts) return;
    const t = this.now();
    const { down, up } = this.rates.rates(t);
    const line = statusLine({
      self: this.facts.self,
      have: this.have,
      total: this.facts.totalPieces,
      downPerSecond: down,
      upPerSecond: up,
      connected: this.connected.size,
      listed: this.facts.neighbours,
      bytesLeft: Math.max(0, this.facts.fileSize - this.have * this.facts.pieceSize),
      port: this.port,
    });
    const width = this.out.columns || 100;
    this.out.write(`\r\x1b[2K${line.slice(0, Math.max(20, width - 1))}`);
    this.shown = true;
  }

  private clearStatus(): void {
    if (!this.shown) return;
    this.out.write('\r\x1b[2K');
    this.shown = false;
  }

  private print(text: string): void {
    const redraw = this.shown;
    this.clearStatus();
    this.out.write(`${this.facts ? `peer ${this.facts.self}: ` : ''}${text}\n`);
    if (redraw) this.draw();
  }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
