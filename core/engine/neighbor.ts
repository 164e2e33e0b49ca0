import { Bitfield } from '../bitfield';
import { PeerId } from '../events';
import { NeighborLink } from '../transport/link';

/** What the engine knows about one connected neighbour. */
export class Neighbor {
  readonly bitfield: Bitfield;
  /** The neighbour is interested in us. */
  peerInterested = false;
  /** We are not uploading to it. */
  amChoking = true;
  /** It is not uploading to us. */
  peerChoking = true;
  /** What we last told it about our interest; undefined before the first message. */
  interestSent: boolean | undefined;
  /** Pieces requested from it and not yet received, with when they were requested (scheduler ms). */
  readonly outstanding = new Map<number, number>();
  /** Requests from it waiting to be served, in order. */
  readonly serveQueue: number[] = [];
  serving = false;
  closed = false;
  /**
   * It sat on a request past the timeout: no new request goes to it before
   * this scheduler time (it may only be slow, and the only source of a piece).
   */
  stalledUntil = 0;
  /** Its stall was reported; cleared when it sends a piece, so each stall is reported once. */
  stallReported = false;

  constructor(readonly link: NeighborLink, numPieces: number) {
    this.bitfield = new Bitfield(numPieces);
  }

  get id(): PeerId {
    return this.link.remoteId;
  }
}
