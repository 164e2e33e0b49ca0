import { EventBus } from '../event-bus';
import { PieceStore } from '../plugin/contracts';
import { errorText } from '../plugin/guard/guard-util';
import { msg } from '../protocol/messages';
import { Bitfield } from '../bitfield';
import { Neighbor } from './neighbor';

/**
 * Serves what neighbours request: one queue per neighbour, read from the
 * store and sent one piece at a time, so the link's backpressure paces the
 * reads. A neighbour we choke loses its queue (the protocol says its
 * requests are void).
 */
export class Uploader {
  private stopped = false;

  constructor(
    private readonly store: PieceStore,
    private readonly own: () => Bitfield,
    private readonly bus: EventBus,
    /** A piece went out to `n` (the rate meter's input). */
    private readonly onSent: (n: Neighbor, bytes: number) => void,
    /** Serving `n` failed: it must be told (a choke) or its request would wait forever. */
    private readonly onFailed: (n: Neighbor) => void,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  /** A request from `n`. Requests from a choked neighbour, or for pieces we lack, are ignored as the classic peers do. */
  requested(n: Neighbor, index: number): void {
    if (n.amChoking || !this.own().has(index) || n.serveQueue.includes(index)) return;
    n.serveQueue.push(index);
    void this.serve(n);
  }

  /** Drops what `n` asked for (we choked it, or it left). */
  drop(n: Neighbor): void {
    n.serveQueue.length = 0;
  }

  private async serve(n: Neighbor): Promise<void> {
    if (n.serving) return;
    n.serving = true;
    try {
      while (n.serveQueue.length > 0 && !n.closed && !n.amChoking && !this.stopped) {
        const index = n.serveQueue.shift()!;
        const data = await this.store.read(index);
        const bytes = data.length;
        if (n.closed || n.amChoking) {
          this.store.recycle?.(data);
          break;
        }
        // The store may reuse the buffer once the link has handed its bytes to the OS, not before.
        await n.link.send(msg.piece(index, data), () => this.store.recycle?.(data));
        this.onSent(n, bytes);
        this.bus.emit({ kind: 'piece-uploaded', peer: n.id, index, bytes });
      }
    } catch (err) {
      this.bus.emit({ kind: 'error', message: `cannot serve ${n.id}: ${errorText(err)}` });
      this.drop(n);
      this.onFailed(n);
    } finally {
      n.serving = false;
    }
  }
}
