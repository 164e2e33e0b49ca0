import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths';

export const PEER_SCRIPT = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js');

export interface PeerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * One `peer run` as a real process on loopback, with its config in `configDir`:
 * what it writes on stderr, its exit, and its resident memory.
 */
export class PeerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<PeerExit>;
  /** Everything written on stderr so far (the tail, when it is long). */
  stderr = '';
  /** stderr lines seen so far, counted whole (the text itself is kept only as a tail). */
  stderrLines = 0;
  private exit: PeerExit | undefined;

  constructor(
    readonly id: number,
    configDir: string,
    args: readonly string[] = [],
    options: { dataDir?: string; logDir?: string; stderrLimit?: number; onLine?: (line: string) => void } = {},
  ) {
    const dataDir = options.dataDir ?? configDir;
    const logDir = options.logDir ?? configDir;
    this.child = spawn(
      process.execPath,
      [PEER_SCRIPT, 'run', '--id', String(id), '--config', configDir, '--dir', dataDir, '--log-dir', logDir, '--listen-host', '127.0.0.1', ...args],
      { cwd: configDir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const limit = options.stderrLimit ?? 200_000;
    let partial = '';
    this.child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      this.stderr = (this.stderr + text).slice(-limit);
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      this.stderrLines += lines.length;
      if (options.onLine) for (const line of lines) options.onLine(line);
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Resident set size in KiB (VmRSS of /proc/<pid>/status). */
  rssKiB(): number {
    const status = fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    if (!m) throw new Error(`no VmRSS in /proc/${this.child.pid}/status`);
    return Number(m[1]);
  }

  /** Waits for the exit, failing after `timeoutMs` with what the peer said on stderr. */
  async waitExit(timeoutMs: number): Promise<PeerExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`peer ${this.id} still running after ${timeoutMs} ms; stderr:\n${this.stderr.slice(-2000)}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves once stderr holds a line matching `pattern` (or rejects after `timeoutMs`). */
  async waitStderr(pattern: RegExp, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.stderr.split('\n').find((l) => pattern.test(l));
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`peer ${this.id}: no stderr line matching ${pattern} within ${timeoutMs} ms; stderr:\n${this.stderr.slice(-2000)}`);
      if (!this.running) throw new Error(`peer ${this.id} exited (${JSON.stringify(this.exit)}) without a stderr line matching ${pattern}; stderr:\n${this.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL if it lingers) and waits for it. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<PeerExit> {
    if (this.running) {
      this.child.kill(signal);
      const kill = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await this.exited;
      clearTimeout(kill);
    }
    return this.exited;
  }
}
