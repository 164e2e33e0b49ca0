import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths';

export const PEER_SCRIPT = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js');

/** One `peer` process started by a test: its stderr as it grows, its exit, and a way to stop it. */
export class PeerProcess {
  readonly child: ChildProcess;
  private err = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `prefix` runs the peer through another command (e.g. `ip netns exec NAME`). */
  constructor(args: readonly string[], cwd: string, prefix: readonly string[] = []) {
    const [cmd, ...rest] = [...prefix, process.execPath, PEER_SCRIPT, ...args];
    this.child = spawn(cmd!, rest, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.err += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get stderr(): string {
    return this.err;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves when stderr matches `pattern`; rejects after `timeoutMs` with what stderr holds. */
  async waitForStderr(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.err)) {
      if (Date.now() > deadline) throw new Error(`stderr did not match ${pattern} within ${timeoutMs} ms; it holds: ${JSON.stringify(this.err)}`);
      if (!this.running) throw new Error(`peer exited (${this.child.exitCode ?? this.child.signalCode}) before stderr matched ${pattern}: ${JSON.stringify(this.err)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM, then SIGKILL if it lingers; resolves when it has exited. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timer);
  }
}
