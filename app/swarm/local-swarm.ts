import { ChildProcess, fork, spawn, StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSwarmConfig, SwarmConfig } from '../../core/config/load-config';
import { PeerInfo } from '../../core/config/peer-info';
import { PACKAGE_ROOT } from '../../core/paths';
import { createRandomFile, sha256File } from './file-digest';

export interface LocalSwarmOptions {
  readonly configDir: string;
  /** Working folder: peer_<id>/ folders and logs go here. */
  readonly dir: string;
  /** Extra arguments for every `peer run` (plugin choices). */
  readonly peerArgs: readonly string[];
  readonly timeoutMs: number;
  /** Extra arguments for one peer (its bandwidth limits, say). */
  readonly argsFor?: (peer: PeerInfo) => readonly string[];
  /** Start this peer so many ms after the first (a join time). */
  readonly startDelayMs?: (peer: PeerInfo) => number;
  /** Runs this peer's process through a command (e.g. `ip netns exec <ns>`: a peer per network namespace). */
  readonly launcher?: (peer: PeerInfo) => readonly string[];
  readonly onProgress?: (id: number, have: number, total: number) => void;
  readonly onPeerExit?: (peer: PeerOutcome) => void;
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
  readonly ok: boolean;
}

/** The bundled peer behind a V8 code cache: a peer starts in ~110 ms of CPU instead of ~260 (docs/performance.md). */
const PEER_SCRIPT = path.join(PACKAGE_ROOT, 'dist', 'app', 'peer-launcher.js');

/**
 * Runs every peer of the peer file as its own process on this machine,
 * creating the seeders' file if missing, and verifies every copy by SHA-256.
 */
export async function runLocalSwarm(options: LocalSwarmOptions): Promise<LocalSwarmResult> {
  const config = loadSwarmConfig(options.configDir);
  const dir = path.resolve(options.dir);
  const fileOf = (id: number): string => path.join(dir, `peer_${id}`, config.common.fileName);
  const seeders = config.peers.filter((p) => p.hasFile);
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
  let timedOut = false;

  type Exit = { id: number; code: number | null; signal: NodeJS.Signals | null };
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
    const args = ['run', '--id', String(peer.id), '--config', path.resolve(options.configDir), '--dir', dir, '--log-dir', dir, ...options.peerArgs, ...(options.argsFor?.(peer) ?? [])];
    const launcher = options.launcher?.(peer) ?? [];
    const stdio: StdioOptions = ['ignore', 'ignore', 'pipe', 'ipc'];
    // The launcher execs node in place (ip netns exec does), so the IPC channel still reaches the peer.
    const child = launcher.length > 0 ? spawn(launcher[0]!, [...launcher.slice(1), process.execPath, PEER_SCRIPT, ...args], { cwd: dir, stdio }) : fork(PEER_SCRIPT, args, { cwd: dir, stdio });
    children.set(peer.id, child);
    stderrTails.set(peer.id, '');
    child.stderr!.on('data', (chunk: Buffer) => {
      stderrTails.set(peer.id, (stderrTails.get(peer.id)! + chunk.toString()).slice(-4000));
    });
    child.on('message', (m: { kind?: string; at?: number; have?: number; total?: number; maxRssKiB?: number; cpuMicros?: number }) => {
      if (m.kind === 'connected' && m.at !== undefined) firstConnectAt = Math.min(firstConnectAt ?? m.at, m.at);
      if (m.kind === 'progress' && m.have !== undefined && m.total !== undefined) options.onProgress?.(peer.id, m.have, m.total);
      if (m.kind === 'file-complete' && m.at !== undefined) completedAt.set(peer.id, m.at);
      if (m.kind === 'exit' && m.maxRssKiB !== undefined) peakRss.set(peer.id, m.maxRssKiB * 1024);
      if (m.kind === 'exit' && m.cpuMicros !== undefined) cpuMs.set(peer.id, m.cpuMicros / 1000);
    });
    child.on('exit', (code, signal) => resolve({ id: peer.id, code, signal }));
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
  const timer = setTimeout(() => {
    timedOut = true;
    cancelWaiting();
    for (const c of children.values()) c.kill('SIGTERM');
    setTimeout(() => {
      for (const c of children.values()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, 3000).unref();
  }, options.timeoutMs);

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
      };
      outcomes.push(outcome);
      options.onPeerExit?.(outcome);
    }),
  );
  clearTimeout(timer);
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
    ok: !timedOut && outcomes.every((o) => o.exitCode === 0 && o.identical),
  };
}
