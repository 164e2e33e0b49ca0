import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths';

export const PEER_SCRIPT = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer.js');

/** A process started by a test, with what it wrote so far. */
export interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: string;
  stderr: string;
}

/** Starts `node dist/app/peer.js <args>` (or `command <args>`) in `cwd`, collecting its output. */
export function start(args: readonly string[], cwd: string, command?: string): Running {
  const child = command ? spawn(command, [...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(process.execPath, [PEER_SCRIPT, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const r: Running = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stdout!.on('data', (c: Buffer) => (r.stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (r.stderr += c.toString()));
  return r;
}

/**
 * For a suite whose tests start processes in a temp folder: returns the list
 * to push them onto; after each test every one still running is killed and
 * the folder (`folderOf()`, if set) is removed.
 */
export function killedAfterEach(folderOf: () => string | undefined): Running[] {
  const running: Running[] = [];
  afterEach(() => {
    for (const r of running.splice(0)) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    const dir = folderOf();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });
  return running;
}

/** Polls `check` every 25 ms until it returns true; fails after `timeoutMs` or when `running` exits first. */
export async function until(what: string, check: () => boolean, timeoutMs = 15000, running?: Running): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (running && running.child.exitCode !== null) throw new Error(`exited with ${running.child.exitCode} while waiting for ${what}:\n${running.stderr}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${running ? `; stderr:\n${running.stderr}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Whether `file` exists and contains `text`. */
export function fileHas(file: string, text: string | RegExp): boolean {
  if (!fs.existsSync(file)) return false;
  const content = fs.readFileSync(file, 'utf8');
  return typeof text === 'string' ? content.includes(text) : text.test(content);
}

/** The pids whose parent is `pid` (Linux /proc). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.ppid === pid) out.push(Number(entry));
  }
  return out;
}

/** A process that has not exited (a zombie has exited: it holds no port and runs no code). */
export function isRunning(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

function readStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields after it are plain.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/**
 * Whether some process listens on `port` (any address), from the kernel's
 * socket tables (Linux /proc/net/tcp and tcp6). Binding the port to find out
 * would also fail while another program's outgoing connection happens to use
 * it as its local port, which a busy machine does.
 */
export function portHeld(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN.
      if (fields.length > 3 && fields[1]!.endsWith(`:${hex}`) && fields[3] === '0A') return true;
    }
  }
  return false;
}

/** Every file under `dir` with its bytes, by relative path: a before/after snapshot. */
export function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.set(path.relative(dir, full), fs.readFileSync(full));
    }
  };
  walk(dir);
  return out;
}

/** Waits until a peer accepts connections: a swarmlab peer says so in its jsonl log (`jsonl`), the Python peer on stdout. */
export async function listening(r: Running, jsonl?: string): Promise<void> {
  await until('the peer listening', () => r.stdout.includes('listening') || (jsonl !== undefined && fileHas(jsonl, '"kind":"listening"')), 10000, r);
}

/** The events of a jsonl log, split into runs (each run starts with a `started` event); a line cut by a kill is skipped. */
export function jsonlRuns(file: string): Array<Array<{ kind: string } & Record<string, unknown>>> {
  const runs: Array<Array<{ kind: string } & Record<string, unknown>>> = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    let e: { kind: string } & Record<string, unknown>;
    try {
      e = JSON.parse(line) as { kind: string } & Record<string, unknown>;
    } catch {
      continue;
    }
    if (e.kind === 'started' || runs.length === 0) runs.push([]);
    runs[runs.length - 1]!.push(e);
  }
  return runs;
}

/** When one of `group` exits with a failure, stops the rest (they would wait for it forever); the failure stays visible. */
export function failFast(group: readonly Running[]): void {
  for (const r of group) {
    void r.exited.then(({ code }) => {
      if (code !== 0) for (const other of group) if (other.child.exitCode === null) other.child.kill('SIGTERM');
    });
  }
}
