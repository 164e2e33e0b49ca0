import 'reflect-metadata';
import { inject, injectable } from 'tsyringe';
import { Observable, SchedulerLike, Subject } from 'rxjs';
import { EventBus } from '../../event-bus';
import { Random } from '../../util/random';
import { ChokePolicy, EventLogger, PieceStore, RateLimiter, RateMeter, Strategy } from '../contracts';
import { TOKENS } from '../tokens';
import { GuardedChokePolicy } from './guarded-choke';
import { GuardedLogger } from './guarded-logger';
import { GuardedStrategy } from './guarded-strategy';
import { GuardedRateLimiter, GuardedRateMeter } from './guarded-rates';
import { GuardedStore } from './guarded-store';

/** The names the user chose, for error messages that say which plugin misbehaved. */
export interface PluginNames {
  readonly strategy: string;
  readonly choke: string;
  readonly rateMeter: string;
  readonly rateLimiter: string;
  readonly storage: string;
}

/** What the guard needs to know about the peer. */
export interface GuardSettings {
  readonly pluginNames: PluginNames;
  /** A store operation unanswered this long (ms) stops the peer. */
  readonly storeTimeoutMs: number;
  /** open() and complete() may touch the whole file: they get this long. */
  readonly wholeFileTimeoutMs: number;
}

/** A plugin that did not answer in time. The peer stops rather than guess what the store holds. */
export class PluginTimeoutError extends Error {
  override readonly name = 'PluginTimeoutError';
}

interface PendingStoreOp {
  readonly operation: string;
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly onOverdue: (() => void) | undefined;
}

/**
 * Stands between the peer and every plugin it calls, and contains their
 * mistakes: a throw, an answer outside the legal choices, an asynchronous
 * answer where a synchronous one is due, or (for the store) no answer at
 * all. Each is reported as a `plugin-error` naming the plugin; decisions
 * fall back to a neutral choice, so a faulty plugin slows a download but
 * never stalls or corrupts it. Registered as TOKENS.Guard: a test or an
 * embedding program may register its own.
 */
@injectable()
export class PluginGuard {
  private readonly pendingStoreOps = new Set<PendingStoreOp>();
  private readonly storeTimeouts = new Subject<PluginTimeoutError>();
  /** A store operation did not answer in time: the owner must stop. */
  readonly storeTimeouts$: Observable<PluginTimeoutError> = this.storeTimeouts.asObservable();

  constructor(
    @inject(TOKENS.Settings) private readonly settings: GuardSettings,
    @inject(TOKENS.EventBus) private readonly bus: EventBus,
    @inject(TOKENS.Random) private readonly random: Random,
    @inject(TOKENS.Scheduler) private readonly scheduler: SchedulerLike,
  ) {}

  strategy(inner: Strategy): Strategy {
    return new GuardedStrategy(inner, this.random, this.reporter(`strategy "${this.settings.pluginNames.strategy}"`));
  }

  choke(inner: ChokePolicy): ChokePolicy {
    return new GuardedChokePolicy(inner, this.random, this.reporter(`choke "${this.settings.pluginNames.choke}"`));
  }

  rateMeter(inner: RateMeter): RateMeter {
    return new GuardedRateMeter(inner, this.reporter(`rate-meter "${this.settings.pluginNames.rateMeter}"`));
  }

  rateLimiter(inner: RateLimiter): RateLimiter {
    return new GuardedRateLimiter(inner, this.reporter(`rate-limiter "${this.settings.pluginNames.rateLimiter}"`));
  }

  store(inner: PieceStore): PieceStore {
    const deadline = <T>(operation: string, run: () => Promise<T>, timeoutMs?: number, onOverdue?: () => void): Promise<T> => this.deadline(operation, run, timeoutMs, onOverdue);
    return new GuardedStore(inner, deadline, this.settings.wholeFileTimeoutMs, this.scheduler, this.settings.storeTimeoutMs, this.reporter(`storage "${this.settings.pluginNames.storage}"`));
  }

  /** `name`: the name or path the logger was chosen by (several loggers may run at once). */
  logger(inner: EventLogger, name: string): EventLogger {
    return new GuardedLogger(inner, this.reporter(`logger "${name}"`), this.scheduler, this.settings.storeTimeoutMs);
  }

  /**
   * Runs a store operation under a deadline: if it has not settled in time,
   * `storeTimeouts$` emits. One watchdog sweep (`checkOverdue`) serves all
   * pending operations: a timer per piece read or write would cost more than
   * the operation itself. `onOverdue` is called if it overran (before `storeTimeouts$` emits).
   */
  deadline<T>(operation: string, run: () => Promise<T>, timeoutMs = this.settings.storeTimeoutMs, onOverdue?: () => void): Promise<T> {
    const pending: PendingStoreOp = { operation, deadline: this.scheduler.now() + timeoutMs, timeoutMs, onOverdue };
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

  /** Fails every store operation pending for longer than its timeout. */
  checkOverdue(): void {
    const now = this.scheduler.now();
    for (const op of this.pendingStoreOps) {
      if (op.deadline > now) continue;
      this.pendingStoreOps.delete(op);
      op.onOverdue?.();
      const label = `storage "${this.settings.pluginNames.storage}"`;
      const message = `${op.operation} did not answer within ${op.timeoutMs} ms`;
      this.report(label, message);
      // The operation itself may never settle: the peer stops instead of waiting on it.
      this.storeTimeouts.next(new PluginTimeoutError(`${label}: ${message}`));
    }
  }

  /** How often `checkOverdue` should run. */
  get watchdogPeriodMs(): number {
    return Math.max(10, Math.min(1000, this.settings.storeTimeoutMs / 4));
  }

  report(plugin: string, message: string): void {
    this.bus.emit({ kind: 'plugin-error', plugin, message });
  }

  private reporter(plugin: string): (message: string) => void {
    return (message) => this.report(plugin, message);
  }
}
