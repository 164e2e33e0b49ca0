import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { MailBatch } from '../../core/sim/sim-mail';
import { FromWorker, ParallelWorkerData, ToWorker } from './parallel-protocol';
import { planRun, SimPeerResult, simulate, SimulationOptions, SimulationResult, writeRunConfig } from './run-simulation';

type WindowReply = Extract<FromWorker, { kind: 'window' }>;
type DoneReply = Extract<FromWorker, { kind: 'done' }>;

/** A worker thread and the next reply it owes. */
class WorkerHandle {
  private readonly worker: Worker;
  private waiting: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(data: ParallelWorkerData) {
    this.worker = new Worker(path.join(__dirname, 'sim-worker.js'), { workerData: data });
    this.worker.on('message', (m: FromWorker) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (m.kind === 'error') w?.reject(new Error(`simulation worker ${data.worker}: ${m.message}`));
      else w?.resolve(m);
    });
    const fail = (err: Error): void => {
      this.failure ??= err;
      this.waiting?.reject(err);
      this.waiting = undefined;
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`simulation worker ${data.worker} exited (code ${code})`)));
  }

  /** The worker's next message (after sending it `m`, if given). */
  ask<R extends FromWorker>(m?: ToWorker, transfer: ArrayBuffer[] = []): Promise<R> {
    if (this.failure) return Promise.reject(this.failure);
    const reply = new Promise<FromWorker>((resolve, reject) => (this.waiting = { resolve, reject }));
    if (m) this.worker.postMessage(m, transfer);
    return reply as Promise<R>;
  }

  terminate(): Promise<number> {
    this.worker.removeAllListeners('exit');
    return this.worker.terminate();
  }
}

/**
 * The simulation split across `workers` threads, for swarms too big for one
 * core: a conservative parallel discrete-event simulation. Each worker runs
 * every `workers`-th peer on its own event loop and heap; all advance in
 * windows of virtual time no longer than the smallest one-way delay between
 * two peers (the two smallest access latencies added), so nothing a peer sends in a
 * window arrives before the next one, and at each window's end the messages
 * move to the receivers' workers (core/sim/sim-mail.ts). The receiver's
 * worker books each on the receiver's downlink, in the order of the workers
 * that sent them, then in the order sent.
 *
 * Deterministic for a given seed and number of workers, but not event for
 * event the single-thread run: there a message is booked on the receiver's
 * downlink when it is sent, here at the end of its window, so messages from
 * several senders to one peer may take its downlink in another order; and the
 * engines are stopped at the end of the window in which the last peer
 * completed, not at that instant (bytes counted after it differ a little).
 * Completion times are exact for each run.
 *
 * Needs plain-data options (shapes as a list, no per-peer setup function), a
 * partial mesh (degree below peers - 1) and latency on every connection (at
 * most one peer, a seeder say, without);
 * with one worker it is simulate().
 */
export async function simulateParallel(options: SimulationOptions, workers: number): Promise<SimulationResult> {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
  if (workers === 1) return simulate(options);
  const wallStart = performance.now();
  const plan = planRun(options);
  const { n } = plan;
  if (plan.fullMesh) throw new RangeError('a parallel simulation needs a partial mesh (degree below peers - 1): a full mesh ends by its engines, one worker');
  if (options.peerSetup) throw new RangeError('a parallel simulation takes no peerSetup function (workers share no functions)');
  const quantum = options.timeQuantumMs ?? 1;
  // The lookahead: a connection's one-way delay is the sum of its two ends' access latencies, so none is
  // below the sum of the two smallest (a seeder without latency still leaves its neighbours' own).
  const [lowest, second] = plan.shapes.map((s) => s.latencyMs).sort((a, b) => a - b);
  const lookahead = lowest! + second!;
  const window = quantum > 0 ? Math.floor(lookahead / quantum) * quantum : lookahead;
  if (!(window > 0)) throw new RangeError(`a parallel simulation needs latency on every connection: at most one peer may have latencyMs 0 (the two smallest: ${lowest}, ${second})`);
  const dataOptions: SimulationOptions = { ...options, shapes: plan.shapes, manifest: plan.manifest, onProgress: undefined };
  const configDir = writeRunConfig(plan, options);
  const handles: WorkerHandle[] = [];
  try {
    for (let w = 0; w < workers; w++) handles.push(new WorkerHandle({ options: dataOptions, configDir, workers, worker: w }));
    await Promise.all(handles.map((h) => h.ask()));
    const setupWallMs = performance.now() - wallStart;

    let remaining = n - plan.seeders;
    let swarmCompleteMs: number | undefined;
    let peakHeap = 0;
    const every = options.progressEveryMs ?? 10_000;
    let nextProgress = every;
    const stallLimit = options.stallLimitMs ?? 600_000;
    const untilMs = options.timeLimitMs ?? 6 * 3600_000;
    let stopReason: SimulationResult['stopReason'] = 'idle';
    let reason = 'simulation over';
    let start = 0;
    let inbound: Array<Array<MailBatch | null>> = handles.map(() => handles.map(() => null));
    for (;;) {
      const end = start + window;
      const replies = await Promise.all(
        handles.map((h, w) => {
          const mail = inbound[w]!;
          const transfer = mail.flatMap((b) => (b ? [b.records.buffer as ArrayBuffer] : []));
          return h.ask<WindowReply>({ kind: 'window', end, mail }, transfer);
        }),
      );
      inbound = handles.map((_, w) => replies.map((r) => r.mail[w] ?? null));
      let inFlight = 0;
      let joined = 0;
      let lastProgressMs = 0;
      let nextEvent = Infinity;
      let heap = v8.getHeapStatistics().used_heap_size;
      // The workers' completions are not in time order among themselves: the swarm is complete at the latest.
      let lastCompletionMs: number | undefined;
      for (const r of replies) {
        for (const [, at] of r.completions) {
          remaining--;
          lastCompletionMs = Math.max(lastCompletionMs ?? at, at);
        }
        inFlight += r.sent;
        joined += r.joined;
        lastProgressMs = Math.max(lastProgressMs, r.lastProgressMs);
        nextEvent = Math.min(nextEvent, r.nextEventMs);
        heap += r.heapBytes;
      }
      peakHeap = Math.max(peakHeap, heap);
      for (; nextProgress <= end; nextProgress += every) {
        options.onProgress?.({ virtualMs: nextProgress, wallMs: performance.now() - wallStart, joined, completed: n - remaining, peers: n, heapBytes: heap });
      }
      if (remaining === 0) {
        swarmCompleteMs = lastCompletionMs; // undefined when no peer had to complete
        stopReason = 'complete';
        reason = 'simulation complete';
        break;
      }
      if (joined === n && end - lastProgressMs > stallLimit) {
        stopReason = 'stalled';
        reason = `no piece moved for ${stallLimit / 1000} s`;
        break;
      }
      if (end > untilMs) {
        stopReason = 'time-limit';
        reason = 'time limit';
        break;
      }
      if (inFlight === 0 && nextEvent === Infinity) break;
      // Nothing in the post: the next window may start at the next event.
      start = inFlight === 0 && nextEvent > end ? nextEvent : end;
    }
    const done = await Promise.all(handles.map((h) => h.ask<DoneReply>({ kind: 'stop', reason })));
    const peers: SimPeerResult[] = [];
    for (const d of done) for (const p of d.peers) peers[p.index] = p;
    return {
      complete: remaining === 0,
      stopReason,
      swarmCompleteMs,
      virtualMs: Math.max(...done.map((d) => d.virtualMs)),
      wallMs: performance.now() - wallStart,
      setupWallMs,
      events: done.reduce((sum, d) => sum + d.events, 0),
      instants: done.reduce((sum, d) => sum + d.instants, 0),
      fullMesh: false,
      peers,
      peakHeapBytes: peakHeap,
    };
  } finally {
    await Promise.all(handles.map((h) => h.terminate()));
    fs.rmSync(configDir, { recursive: true, force: true });
  }
}
