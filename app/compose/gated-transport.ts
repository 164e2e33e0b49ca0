import { Observable } from 'rxjs';
import { PeerId } from '../../core/events';
import { NeighborLink, Transport } from '../../core/transport/link';

/**
 * A transport that starts (accepts and dials) only once a gate opens. `peer
 * swarm` gates the peers it starts together, so that every one of them has
 * loaded, opened its store and bound its port before anyone connects: the
 * swarm then starts as one, as the anchors of `bench:compare` do, and no
 * peer's start-up is paid inside the others' transfer.
 *
 * Stopping while the gate is closed releases the waiting start() without
 * starting the inner transport (a peer told to stop before the swarm began).
 */
export class GatedTransport implements Transport {
  private stopped = false;
  private releaseWaiting: (() => void) | undefined;

  constructor(
    private readonly inner: Transport,
    private readonly gate: () => Promise<void>,
  ) {}

  get links$(): Observable<NeighborLink> {
    return this.inner.links$;
  }

  async start(): Promise<void> {
    if (this.stopped) return;
    const stoppedMeanwhile = new Promise<void>((resolve) => (this.releaseWaiting = resolve));
    await Promise.race([this.gate(), stoppedMeanwhile]);
    this.releaseWaiting = undefined;
    if (this.stopped) return;
    await this.inner.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.releaseWaiting?.();
    await this.inner.stop();
  }

  setRedialPolicy(shouldRedial: (peer: PeerId) => boolean): void {
    this.inner.setRedialPolicy?.(shouldRedial);
  }
}
