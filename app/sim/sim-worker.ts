import 'reflect-metadata';
import * as v8 from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { SwarmEvent } from '../../core/events';
import { loadSwarmConfig } from '../../core/config/load-config';
import { MailBatch, SimMail } from '../../core/sim/sim-mail';
import { SimNetwork } from '../../core/sim/sim-network';
import { SimScheduler, SimTarget } from '../../core/sim/sim-scheduler';
import { abortSlots, awaitSettled, composeSlot, PeerSlot, planRun, settleSlot, SimPeerResult, slotResult, startSlot } from './run-simulation';
import { ParallelWorkerData, ToWorker, FromWorker, workerOfIndex } from './parallel-protocol';

/**
 * One worker of a parallel simulation (see parallel-simulation.ts): runs the
 * peers whose index modulo the worker count is its own, one window of
 * virtual time per message from the coordinator.
 */
function main(): void {
  const port = parentPort;
  if (!port) throw new Error('sim-worker runs as a worker thread of simulateParallel()');
  const { options, configDir, workers, worker } = workerData as ParallelWorkerData;
  const plan = planRun(options);
  const first = plan.ids[0]!;
  const local = (index: number): boolean => workerOfIndex(index, workers) === worker;
  const scheduler = new SimScheduler({ quantumMs: options.timeQuantumMs ?? 1 });
  const mail = new SimMail(workers, (id) => workerOfIndex(id - first, workers));
  const network = new SimNetwork(scheduler, { sendBufferBytes: options.sendBufferBytes, interleaveBytes: options.interleaveBytes, mail, worker });
  const swarmConfig = loadSwarmConfig(configDir);

  let joined = 0;
  let lastProgressMs = 0;
  let completions: Array<[number, number]> = [];
  const watch = (slot: PeerSlot, e: SwarmEvent): void => {
    if (e.kind === 'piece-downloaded') lastProgressMs = e.at;
    else if (e.kind === 'file-complete' && slot.completedMs === undefined) {
      slot.completedMs = e.at;
      completions.push([slot.index, e.at]);
    }
  };
  const slots: PeerSlot[] = [];
  for (let index = 0; index < plan.n; index++) {
    if (local(index)) slots.push(composeSlot(plan, options, configDir, swarmConfig, network, index, watch));
    else {
      const shape = plan.shapes[index]!;
      network.addPeer({ id: plan.ids[index]!, upload: shape.upload, download: shape.download, latencyMs: shape.latencyMs });
    }
  }
  // Joining, as in simulate(): a local peer starts and dials; a remote peer's dials to local peers open their ends here.
  const joiner: SimTarget<PeerSlot> = {
    fire(slot) {
      joined++;
      startSlot(slot, settleSlot);
      for (const other of slot.dials) network.connect(slot.id, other);
    },
  };
  const remoteJoiner: SimTarget<number> = {
    fire(index) {
      for (const j of plan.dials[index]!) if (local(j)) network.connect(plan.ids[index]!, plan.ids[j]!);
    },
  };
  for (let index = 0; index < plan.n; index++) {
    const joinMs = plan.shapes[index]!.joinMs;
    if (local(index)) scheduler.at(joinMs, joiner, slots[Math.floor(index / workers)]!);
    else if (plan.dials[index]!.some(local)) scheduler.at(joinMs, remoteJoiner, index);
  }

  let events = 0;
  let instants = 0;
  let own: MailBatch | undefined;
  const reply = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

  const runWindow = async (end: number, inbound: Array<MailBatch | null>): Promise<void> => {
    // Every message of the last window, in the order sent across the workers (this one's kept here).
    SimMail.deliverAll(inbound.map((batch, source) => (source === worker ? own : batch)), network);
    const stats = await scheduler.run({ beforeMs: end, drain: options.drain });
    events += stats.events;
    instants += stats.instants;
    const out: Array<MailBatch | null> = mail.collect();
    own = out[worker] ?? undefined;
    out[worker] = null;
    const sent = out.reduce((sum, b) => sum + (b?.count ?? 0), own?.count ?? 0);
    const done = completions;
    completions = [];
    const transfer = out.flatMap((b) => (b ? [b.records.buffer as ArrayBuffer] : []));
    reply({ kind: 'window', mail: out, sent, completions: done, lastProgressMs, joined, nextEventMs: scheduler.nextEventMs, heapBytes: v8.getHeapStatistics().used_heap_size }, transfer);
  };

  const stop = async (reason: string): Promise<void> => {
    abortSlots(slots, reason);
    await awaitSettled(slots);
    const peers: SimPeerResult[] = slots.map((s) => slotResult(s, network, plan));
    scheduler.clear();
    reply({ kind: 'done', peers, events, instants, virtualMs: scheduler.now() });
  };

  port.on('message', (m: ToWorker) => {
    const work = m.kind === 'window' ? runWindow(m.end, m.mail) : stop(m.reason);
    work.catch((err: unknown) => reply({ kind: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
  });
  reply({ kind: 'ready' });
}

main();
