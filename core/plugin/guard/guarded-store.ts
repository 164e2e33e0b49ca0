import { SchedulerLike } from 'rxjs';
import { Bitfield } from '../../bitfield';
import { PieceStore } from '../contracts';

/** Runs a store operation under a deadline (see PluginGuard.deadline). */
export type Deadline = <T>(operation: string, run: () => Promise<T>, timeoutMs?: number) => Promise<T>;

/**
 * A store whose every operation runs under a deadline: a store that stops
 * answering stops the peer (see PluginGuard) instead of hanging it. open()
 * and complete() may touch the whole file (load it, merge it), so they get
 * `wholeFileTimeoutMs`.
 */
export class GuardedStore implements PieceStore {
  constructor(
    private readonly inner: PieceStore,
    private readonly deadline: Deadline,
    private readonly wholeFileTimeoutMs: number,
    private readonly scheduler: SchedulerLike,
    private readonly closeTimeoutMs: number,
  ) {}

  open(): Promise<Bitfield> {
    return this.deadline('open()', () => this.inner.open(), this.wholeFileTimeoutMs);
  }

  read(index: number): Promise<Uint8Array> {
    return this.deadline(`read(${index})`, () => this.inner.read(index));
  }

  write(index: number, data: Uint8Array): Promise<void> {
    return this.deadline(`write(${index})`, () => this.inner.write(index, data));
  }

  complete(): Promise<void> {
    return this.deadline('complete()', () => this.inner.complete(), this.wholeFileTimeoutMs);
  }

  /**
   * Resolves when the store has closed, or after the store timeout: the peer
   * may be closing because the store hung, and a hung store may never close.
   * Rejects if closing failed.
   */
  close(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = this.scheduler.schedule(() => resolve(), this.closeTimeoutMs);
      let closing: Promise<void>;
      try {
        closing = this.inner.close();
      } catch (err) {
        closing = Promise.reject(err);
      }
      closing.then(
        () => {
          timer.unsubscribe();
          resolve();
        },
        (err: unknown) => {
          timer.unsubscribe();
          reject(err);
        },
      );
    });
  }
}
