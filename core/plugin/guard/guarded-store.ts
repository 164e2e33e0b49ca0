import { SchedulerLike } from 'rxjs';
import { Bitfield } from '../../bitfield';
import { PieceStore } from '../contracts';
import { errorText, Report } from './guard-util';

/** Runs a store operation under a deadline (see PluginGuard.deadline); `onOverdue` hears if it overran. */
export type Deadline = <T>(operation: string, run: () => Promise<T>, timeoutMs?: number, onOverdue?: () => void) => Promise<T>;

/**
 * A store whose every operation runs under a deadline: a store that stops
 * answering stops the peer (see PluginGuard) instead of hanging it. open()
 * and complete() may touch the whole file (load it, merge it), so they get
 * `wholeFileTimeoutMs`.
 */
export class GuardedStore implements PieceStore {
  /** A write overran its deadline: it may still be using its buffer when it settles. */
  private writeOverran = false;

  constructor(
    private readonly inner: PieceStore,
    private readonly deadline: Deadline,
    private readonly wholeFileTimeoutMs: number,
    private readonly scheduler: SchedulerLike,
    private readonly closeTimeoutMs: number,
    private readonly report: Report = () => undefined,
  ) {}

  /**
   * What the store declares (PieceStore.copiesOnWrite), until one of its writes overran the
   * store timeout: from then on no written buffer is reused, since a write that settles after
   * the peer stopped waiting for it cannot be told apart from one still copying.
   */
  get copiesOnWrite(): boolean {
    return this.inner.copiesOnWrite === true && !this.writeOverran;
  }

  recycle(data: Uint8Array): void {
    if (!this.inner.recycle) return;
    try {
      this.inner.recycle(data);
    } catch (err) {
      this.report(`recycle() threw: ${errorText(err)}`);
    }
  }

  open(): Promise<Bitfield> {
    return this.deadline('open()', () => this.inner.open(), this.wholeFileTimeoutMs);
  }

  read(index: number): Promise<Uint8Array> {
    return this.deadline(`read(${index})`, () => this.inner.read(index));
  }

  write(index: number, data: Uint8Array): Promise<void> {
    return this.deadline(`write(${index})`, () => this.inner.write(index, data), undefined, () => void (this.writeOverran = true));
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
