import { MailBatch } from '../../core/sim/sim-mail';
import { SimPeerResult, SimulationOptions } from './run-simulation';

/** Which worker runs peer `index`: every `workers`-th peer, so each gets a share of every join time and class. */
export function workerOfIndex(index: number, workers: number): number {
  return index % workers;
}

/** What a worker is started with (plain data: options without functions, shapes as a list). */
export interface ParallelWorkerData {
  readonly options: SimulationOptions;
  readonly configDir: string;
  readonly workers: number;
  readonly worker: number;
}

/**
 * Coordinator to worker: run the events before `end`, after booking the last
 * window's mail from the other workers (`mail[source]`, null for itself); or
 * stop every engine and report.
 */
export type ToWorker = { readonly kind: 'window'; readonly end: number; readonly mail: Array<MailBatch | null> } | { readonly kind: 'stop'; readonly reason: string };

/** Worker to coordinator. */
export type FromWorker =
  | { readonly kind: 'ready' }
  | {
      readonly kind: 'window';
      /** This window's mail for each worker (null for itself: it keeps its own). */
      readonly mail: Array<MailBatch | null>;
      /** Messages sent in the window, its own included. */
      readonly sent: number;
      /** [peer index, virtual ms] of each peer that completed its file in the window. */
      readonly completions: Array<[number, number]>;
      readonly lastProgressMs: number;
      readonly joined: number;
      readonly nextEventMs: number;
      readonly heapBytes: number;
    }
  | { readonly kind: 'done'; readonly peers: SimPeerResult[]; readonly events: number; readonly instants: number; readonly virtualMs: number }
  | { readonly kind: 'error'; readonly message: string };
