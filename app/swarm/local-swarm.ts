import { ChildProcess, fork, spawn, StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../../core/config/config-error';
import { loadSwarmConfig, SwarmConfig } from '../../core/config/load-config';
import { PeerInfo } from '../../core/config/peer-info';
import { PACKAGE_ROOT } from '../../core/paths';
import { createRandomFile, sha256File } from './file-digest';
import { GO_MESSAGE, START_TOGETHER_ENV, StartLine } from './start-together';

export interface LocalSwarmOptions {
  readonly configDir: string;
  /** Working folder: peer_<id>/ folders and logs go here. */
  readonly dir: string;
  /** Extra arguments for every `peer run` (plugin choices). */
  readonly peerArgs: readonly string[];
  readonly timeoutMs: number;
  /**
   * Create a seeder's missing file from random bytes (a demo, or a test that
   * only needs some file). Otherwise a missing seeder file is a ConfigError:
   * a user's file is never replaced by made-up bytes.
   */
  readonly makeFile?: boolean;
  /** Stops the swarm early: every peer is sent SIGTERM (SIGKILL a second later if it lingers). */
  readonly signal?: AbortSignal;
  /** Extra arguments for one peer (its bandwidth limits, say). */
  readonly argsFor?: (peer: PeerInfo) => readonly string[];
  /** Start this peer so many ms after the first (a join time). */
  readonly startDelayMs?: (peer: PeerInfo) => number;
  /** Runs this peer's process through a command (e.g. `ip netns exec <ns>`: a peer per network namespace). */
  readonly launcher?: (peer: PeerInfo) => readonly string[];
  readonly onProgress?: (id: number, have: number, total: number) => void;
  readonly onPeerExit?: (peer: PeerOutcome) => void;
  /**
   * Hold the peers started at once until every one of them is ready (loaded,
   * port bound, store open), then let them connect together (start-together.ts).
   * Default true.
   */
  readonly startTogether?: boolean;
}

export interface PeerOutcome {
  readonly id: number;
  readonly seeder: boolean;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Last lines the peer wrote to stderr. */
  readonly stderr: string;
  /** When its file became complete (ms since the epoch), for leechers. */
  readonly completedAt?: number;
  readonly sha256?: string;
  readonly identical: boolean;
  /** The peer's peak resident memory in bytes, as it reported on exit. */
  readonly peakRssBytes?: number;
  /** CPU time (user + system) the peer used, ms, as it reported on exit. */
  readonly cpuMs?: number;
  /** The pieces it last reported holding (what a stuck run got to). */
  readonly progress?: { readonly have: number; readonly total: number };
  /** It was still running when the run's time was up (and was stopped). */
  readonly runningAtTimeout: boolean;
}

export interface LocalSwarmResult {
  readonly config: SwarmConfig;
  readonly peers: readonly PeerOutcome[];
  readonly originalSha256: string;
  /** From the first handshake until the last leecher holds the whole file. */
  readonly transferWindowMs: number | undefined;
  /** From starting the first process until every copy is verified. */
  readonly wallMs: number;
  readonly timedOut: boolean;
  /** Stopped through `signal`. */
  readonly aborted: boolean;
  readonly ok: boolean;
}

/** The bundled peer behind a V8 code cache: a peer starts in ~110 ms of CPU instead of ~260 (docs/performance.md). */
const PEER_SCRIPT = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer-launcher.js');

/**
 * Runs every peer of the peer file as its own process on this machine
 * (creating the seeders' file only with `makeFile`), and verifies every copy
 * by SHA-256. The peers end with this process, however it ends.
 */
export async function runLocalSwarm(options: LocalSwarmOptions): Promise<LocalSwarmResult> {
  const config = loadSwarmConfig(options.configDir);
  const dir = path.resolve(options.dir);
  const fileOf = (id: number): string => path.join(dir, `peer_${id}`, config.common.fileName);
  const seeders = config.peers.filter((p) => p.hasFile);
  const missing = seeders.filter((s) => !fs.existsSync(fileOf(s.id)));
  if (missing.length > 0 && !options.makeFile) {
    const first = missing[0]!;
    throw new ConfigError(
      fileOf(first.id),
      undefined,
      `missing: the peer file says peer ${first.id} has the file${missing.length > 1 ? ` (so do ${missing.slice(1).map((m) => m.id).join(', ')})` : ''}; put it there, or pass --make-file to create random demo content`,
    );
  }
  for (const s of seeders) {
    if (!fs.existsSync(fileOf(s.id))) {
      const source = seeders.map((x) => fileOf(x.id)).find((f) => fs.existsSync(f));
      if (source) {
        await fs.promises.mkdir(path.dirname(fileOf(s.id)), { recursive: true });
        await fs.promises.copyFile(source, fileOf(s.id));
      } else {
        await createRandomFile(fileOf(s.id), config.common.fileSize);
      }
    }
  }
  // Stale copies from an earlier run would make a failed download look verified.
  for (const p of config.peers.filter((x) => !x.hasFile)) {
    await fs.promises.rm(fileOf(p.id), { force: true });
    await fs.promises.rm(`${fileOf(p.id)}.part`, { force: true });
  }
  const originalSha256 = seeders.length > 0 ? await sha256File(fileOf(seeders[0]!.id)) : '';

  const started = Date.now();
  let firstConnectAt: number | undefined;
  const completedAt = new Map<number, number>();
  const children = new Map<number, ChildProcess>();
  const stderrTails = new Map<number, string>();
  const peakRss = new Map<number, number>();
  const cpuMs = new Map<number, number>();
  const progress = new Map<number, { have: number; total: number }>();
  const runningAtTimeout = new Set<number>();
  let timedOut = false;
  let aborted = false;

  type Exit = { id: number; code: number | null; signal: NodeJS.Signals | null };
  const together = options.startTogether === false ? [] : config.peers.filter((p) => (options.startDelayMs?.(p) ?? 0) <= 0).map((p) => p.id);
  const startLine = new StartLine(together, (id) => {
    const child = children.get(id);
    // A peer that is already going may have closed its end: the error comes to the callback, not as an 'error' event.
    if (child?.connected) child.send(GO_MESSAGE, () => undefined);
  });
  /** Peers waiting for their join time; cancelled if the run ends first. */
  const waiting = new Map<number, { timer: NodeJS.Timeout; cancel: () => void }>();
  const cancelWaiting = (): void => {
    for (const w of waiting.values()) {
      clearTimeout(w.timer);
      w.cancel();
    }
    waiting.clear();
  };
  const spawnPeer = (peer: PeerInfo, resolve: (e: Exit) => void): void => {
    if (aborted) {
      resolve({ id: peer.id, code: null, signal: 'SIGTERM' });
      return;
    }
    const args = ['run', '--id', String(peer.id), '--config', path.resolve(options.configDir), '--dir', dir, '--log-dir', dir, ...options.peerArgs, ...(options.argsFor?.(peer) ?? [])];
    const launcher = options.launcher?.(peer) ?? [];
    const stdio: StdioOptions = ['ignore', 'ignore', 'pipe', 'ipc'];
    const env = startLine.isHeld(peer.id) ? { ...process.env, [START_TOGETHER_ENV]: '1' } : process.env;
    // The IPC channel is also the peer's lifeline: it ends itself when this process goes (see run-peer.ts).
    // The launcher execs node in place (ip netns exec does), so the IPC channel still reaches the peer.
    const child =
      launcher.length > 0 ? spawn(launcher[0]!, [...launcher.slice(1), process.execPath, PEER_SCRIPT, ...args], { cwd: dir, stdio, env }) : fork(PEER_SCRIPT, args, { cwd: dir, stdio, env });
    children.set(peer.id, child);
    stderrTails.set(peer.id, '');
    child.stderr!.on('data', (chunk: Buffer) => {
      stderrTails.set(peer.id, (stderrTails.get(peer.id)! + chunk.toString()).slice(-4000));
    });
    child.on('message', (m: { kind?: string; at?: number; have?: number; total?: number; maxRssKiB?: number; cpuMicros?: number }) => {
      if (m.kind === 'ready') startLine.ready(peer.id);
      if (m.kind === 'connected' && m.at !== undefined) firstConnectAt = Math.min(firstConnectAt ?? m.at, m.at);
      if (m.kind === 'progress' && m.have !== undefined && m.total !== undefined) {
        progress.set(peer.id, { have: m.have, total: m.total });
        options.onProgress?.(peer.id, m.have, m.total);
      }
      if (m.kind === 'file-complete' && m.at !== undefined) completedAt.set(peer.id, m.at);
      if (m.kind === 'exit' && m.maxRssKiB !== undefined) peakRss.set(peer.id, m.maxRssKiB * 1024);
      if (m.kind === 'exit' && m.cpuMicros !== undefined) cpuMs.set(peer.id, m.cpuMicros / 1000);
    });
    child.on('exit', (code, signal) => {
      // A peer that ended before it was ready must not hold the others back.
      startLine.ready(peer.id);
      resolve({ id: peer.id, code, signal });
    });
  };
  const exits = config.peers.map(
    (peer) =>
      new Promise<Exit>((resolve) => {
        const delay = options.startDelayMs?.(peer) ?? 0;
        if (delay <= 0) {
          spawnPeer(peer, resolve);
          return;
        }
        const timer = setTimeout(() => {
          waiting.delete(peer.id);
          spawnPeer(peer, resolve);
        }, delay);
        waiting.set(peer.id, { timer, cancel: () => resolve({ id: peer.id, code: null, signal: 'SIGTERM' }) });
      }),
  );
  const stopAll = (graceMs: number): void => {
    cancelWaiting();
    for (const c of children.values()) c.kill('SIGTERM');
    setTimeout(() => {
      for (const c of children.values()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, graceMs).unref();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    for (const [id, c] of children) if (c.exitCode === null && c.signalCode === null) runningAtTimeout.add(id);
    stopAll(3000);
  }, options.timeoutMs);
  const onAbort = (): void => {
    aborted = true;
    stopAll(1000);
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  // If one peer fails, the others would wait for it forever: stop them.
  const outcomes: PeerOutcome[] = [];
  await Promise.all(
    exits.map(async (exited) => {
      const { id, code, signal } = await exited;
      if (code !== 0 && !timedOut) {
        for (const c of children.values()) if (c.exitCode === null) c.kill('SIGTERM');
        cancelWaiting();
      }
      const seeder = config.peers.find((p) => p.id === id)!.hasFile;
      const file = fileOf(id);
      const sha256 = fs.existsSync(file) ? await sha256File(file) : undefined;
      const outcome: PeerOutcome = {
        id,
        seeder,
        exitCode: code,
        signal,
        stderr: stderrTails.get(id) ?? '',
        completedAt: completedAt.get(id),
        sha256,
        identical: sha256 === originalSha256,
        peakRssBytes: peakRss.get(id),
        cpuMs: cpuMs.get(id),
        progress: progress.get(id),
        runningAtTimeout: runningAtTimeout.has(id),
      };
      outcomes.push(outcome);
      options.onPeerExit?.(outcome);
    }),
  );
  clearTimeout(timer);
  options.signal?.removeEventListener('abort', onAbort);
  outcomes.sort((a, b) => config.peers.findIndex((p) => p.id === a.id) - config.peers.findIndex((p) => p.id === b.id));
  const leecherDone = outcomes.filter((o) => !o.seeder).map((o) => o.completedAt);
  const transferWindowMs =
    firstConnectAt !== undefined && leecherDone.every((t) => t !== undefined) && leecherDone.length > 0
      ? Math.max(...(leecherDone as number[])) - firstConnectAt
      : undefined;
  return {
    config,
    peers: outcomes,
    originalSha256,
    transferWindowMs,
    wallMs: Date.now() - started,
    timedOut,
    aborted,
    ok: !timedOut && !aborted && outcomes.every((o) => o.exitCode === 0 && o.identical),
  };
}
