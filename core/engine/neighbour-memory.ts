import { Bitfield } from '../bitfield';
import { PeerInfo } from '../config/peer-info';
import { EventBus } from '../event-bus';
import { PeerId } from '../events';
import { Transport } from '../transport/link';
import { Neighbor } from './neighbor';

/** A snapshot of what a running peer still waits for. */
export interface EngineStatus {
  /** False while the store is still opening. */
  readonly opened: boolean;
  readonly total: number;
  /** Pieces we lack, ascending. */
  readonly missing: readonly number[];
  readonly neighbors: ReadonlyArray<{ readonly id: PeerId; readonly connected: boolean; readonly complete: boolean; readonly pieces?: number; readonly requested: readonly number[] }>;
}

/**
 * What the engine knows of the swarm beyond the live links: what each
 * neighbour held when its link closed, and what we hold. A neighbour is
 * dialled again only while one side lacks pieces the other has (a neighbour
 * that crashed and comes back): some implementations close a link once both
 * hold the whole file and exit on the next unexpected connection. It also
 * answers what a stuck peer is still waiting for.
 */
export class NeighbourMemory {
  private readonly lastKnown = new Map<PeerId, Bitfield>();
  private own: Bitfield | undefined;

  /** It follows the engine's own events (`store-opened`: our pieces, kept up to date by the book; `disconnected`; `peer-banned`) and sets the transport's redial policy. */
  constructor(
    private readonly settings: { readonly self: PeerInfo; readonly peers: readonly PeerInfo[]; readonly geometry: { readonly numPieces: number } },
    private readonly neighbors: ReadonlyMap<PeerId, Neighbor>,
    private readonly complete: ReadonlySet<PeerId>,
    book: { readonly own: Bitfield },
    bus: EventBus,
    transport: Transport,
  ) {
    const banned = new Set<PeerId>();
    // Never redial a banned neighbour (the transport stops dialling altogether when the peer is done).
    transport.setRedialPolicy?.((peer) => !banned.has(peer) && this.needEachOther(peer));
    bus.events$.subscribe((e) => {
      if (e.kind === 'peer-banned') banned.add(e.peer);
      if (e.kind === 'store-opened') this.own = book.own;
      // The engine says so before it forgets the neighbour.
      const n = e.kind === 'disconnected' ? this.neighbors.get(e.peer) : undefined;
      if (n) this.lastKnown.set(n.id, n.bitfield);
    });
  }

  /** Whether `peer` and we may still need each other (true for a neighbour never met). */
  needEachOther(peer: PeerId): boolean {
    const theirs = this.lastKnown.get(peer);
    const own = this.own;
    if (!theirs || !own) return true;
    return theirs.hasAnyMissingFrom(own) || own.hasAnyMissingFrom(theirs);
  }

  /** The pieces we lack and, per listed neighbour, what we know of it (for a give-up message). */
  status(): EngineStatus {
    const { self, peers, geometry } = this.settings;
    const missing: number[] = [];
    if (this.own) for (let i = 0; i < this.own.size; i++) if (!this.own.has(i)) missing.push(i);
    const others = peers
      .filter((p) => p.id !== self.id)
      .map((p) => {
        const n = this.neighbors.get(p.id);
        return { id: p.id, connected: n !== undefined && !n.closed, complete: this.complete.has(p.id), pieces: n?.bitfield.count, requested: n ? [...n.outstanding.keys()] : [] };
      });
    return { opened: this.own !== undefined, total: geometry.numPieces, missing, neighbors: others };
  }
}
