import { SchedulerLike } from 'rxjs';
import { EventBus } from '../event-bus';
import { PeerId } from '../events';
import { ChokePolicy, ChokeView, PieceSelectionView, PieceSelector } from '../plugin/contracts';
import { Random } from '../util/random';

/** The names the user chose, for error messages that say which plugin misbehaved. */
export interface PluginNames {
  readonly pieceSelector: string;
  readonly chokePolicy: string;
  readonly rateMeter: string;
  readonly storage: string;
}

/** A plugin that did not answer in time. The peer stops rather than guess what the store holds. */
export class PluginTimeoutError extends Error {
  override readonly name = 'PluginTimeoutError';
}

/**
 * Calls plugins on the engine's behalf and contains their mistakes: a throw,
 * an answer outside the legal choices, an asynchronous answer where a
 * synchronous one is due, or (for the store) no answer at all. Each is
 * reported as a `plugin-error` naming the plugin; decisions fall back to a
 * neutral random choice, so a faulty strategy slows a download but never
 * stalls or corrupts it.
 */
interface PendingStoreOp {
  readonly operation: string;
  readonly deadline: number;
  readonly timeoutMs: number;
}

export class PluginGuard {
  private readonly pendingStoreOps = new Set<PendingStoreOp>();

  constructor(
    private readonly names: PluginNames,
    private readonly bus: EventBus,
    private readonly random: Random,
    private readonly scheduler: SchedulerLike,
    private readonly storeTimeoutMs: number,
    private readonly onStoreTimeout: (err: PluginTimeoutError) => void,
  ) {}

  selectPiece(selector: PieceSelector, view: PieceSelectionView): number | undefined {
    const label = `piece-selector "${this.names.pieceSelector}"`;
    const fallback = (message: string): number => {
      this.report(label, message);
      return this.random.pick(view.candidates);
    };
    let choice: unknown;
    try {
      choice = selector.select(view);
    } catch (err) {
      return fallback(`select() threw: ${errorText(err)}`);
    }
    if (choice === undefined) return undefined;
    if (isThenable(choice)) return fallback('select() returned a Promise; it must answer synchronously');
    if (typeof choice !== 'number' || !sortedIncludes(view.candidates, choice)) {
      return fallback(`select() chose piece ${String(choice)}, which is not among the ${view.candidates.length} legal choices (a piece we lack, the neighbour has, and nobody is fetching)`);
    }
    return choice;
  }

  choosePreferred(policy: ChokePolicy, view: ChokeView): PeerId[] {
    const label = `choke-policy "${this.names.chokePolicy}"`;
    let chosen: unknown;
    try {
      chosen = policy.choosePreferred(view);
    } catch (err) {
      this.report(label, `choosePreferred() threw: ${errorText(err)}`);
      return this.randomPreferred(view);
    }
    if (!Array.isArray(chosen)) {
      this.report(label, `choosePreferred() returned ${isThenable(chosen) ? 'a Promise' : typeof chosen}, not a list of neighbour ids`);
      return this.randomPreferred(view);
    }
    const ok: PeerId[] = [];
    let invalid = 0;
    for (const id of chosen as unknown[]) {
      const v = view.neighbors.find((x) => x.id === id);
      if (!v || !v.interested || ok.includes(id as PeerId)) {
        this.report(label, `choosePreferred() chose ${String(id)}, which is not a connected, interested neighbour (or chosen twice)`);
        invalid++;
        continue;
      }
      if (ok.length === view.slots) {
        this.report(label, `choosePreferred() chose more than ${view.slots} neighbours`);
        break;
      }
      ok.push(v.id);
    }
    // Nothing usable came back although neighbours wait: do not leave every upload slot idle.
    if (ok.length === 0 && invalid > 0) return this.randomPreferred(view);
    return ok;
  }

  chooseOptimistic(policy: ChokePolicy, view: ChokeView): PeerId | undefined {
    const label = `choke-policy "${this.names.chokePolicy}"`;
    const candidates = view.neighbors.filter((n) => n.interested && (n.chokedByUs || n.optimistic));
    let pick: unknown;
    try {
      pick = policy.chooseOptimistic(view);
    } catch (err) {
      this.report(label, `chooseOptimistic() threw: ${errorText(err)}`);
      return candidates.length > 0 ? this.random.pick(candidates).id : undefined;
    }
    if (pick === undefined) return undefined;
    if (!candidates.some((c) => c.id === pick)) {
      this.report(label, `chooseOptimistic() chose ${isThenable(pick) ? 'a Promise' : String(pick)}, which is not a choked, interested neighbour`);
      return candidates.length > 0 ? this.random.pick(candidates).id : undefined;
    }
    return pick as PeerId;
  }

  /**
   * Runs a store operation under a deadline: if it has not settled in time,
   * `onStoreTimeout` is called with a PluginTimeoutError. One watchdog sweep
   * (`checkOverdue`) serves all pending operations: a timer per piece read or
   * write would cost more than the operation itself.
   */
  store<T>(operation: string, run: () => Promise<T>, timeoutMs = this.storeTimeoutMs): Promise<T> {
    const pending: PendingStoreOp = { operation, deadline: this.scheduler.now() + timeoutMs, timeoutMs };
    this.pendingStoreOps.add(pending);
    const settled = (): void => void this.pendingStoreOps.delete(pending);
    let result: Promise<T>;
    try {
      result = run();
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(settled, settled);
    return result;
  }

  /** Fails every store operation pending for longer than the timeout. */
  checkOverdue(): void {
    const now = this.scheduler.now();
    for (const op of this.pendingStoreOps) {
      if (op.deadline > now) continue;
      this.pendingStoreOps.delete(op);
      const label = `storage "${this.names.storage}"`;
      const message = `${op.operation} did not answer within ${op.timeoutMs} ms`;
      this.report(label, message);
      // The operation itself may never settle: the peer stops instead of waiting on it.
      this.onStoreTimeout(new PluginTimeoutError(`${label}: ${message}`));
    }
  }

  /** How often `checkOverdue` should run. */
  get watchdogPeriodMs(): number {
    return Math.max(10, Math.min(1000, this.storeTimeoutMs / 4));
  }

  report(plugin: string, message: string): void {
    this.bus.emit({ kind: 'plugin-error', plugin, message });
  }

  /** The neutral fallback: up to `slots` interested neighbours at random. */
  private randomPreferred(view: ChokeView): PeerId[] {
    return this.random
      .shuffle(view.neighbors.filter((n) => n.interested))
      .slice(0, view.slots)
      .map((n) => n.id);
  }
}

/** Binary search: the candidates are ascending, and this runs for every request. */
function sortedIncludes(sorted: readonly number[], x: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function isThenable(x: unknown): boolean {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
