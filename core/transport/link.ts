import { Observable } from 'rxjs';
import { PeerId } from '../events';
import { Message } from '../protocol/messages';

export interface LinkClosed {
  readonly reason: string;
  /** The remote peer broke the protocol (as opposed to a clean close or a network error). */
  readonly violation: boolean;
}

/**
 * One handshaken connection to a neighbour, as the engine sees it: a stream
 * of typed messages in and a send path that respects backpressure. The TCP
 * transport and a simulator both provide these.
 */
export interface NeighborLink {
  readonly remoteId: PeerId;
  readonly direction: 'outbound' | 'inbound';
  /** Messages from the neighbour, in order; completes when the link closes. */
  readonly messages$: Observable<Message>;
  /** Emits once when the link has closed, for whatever reason. */
  readonly closed$: Observable<LinkClosed>;
  /** Sends a message; resolves when the link can take more (the socket buffer has drained). */
  send(message: Message): Promise<void>;
  /** Closes after pending writes are flushed. */
  close(reason: string): void;
}

/** Produces links to the neighbours: by listening, dialling, or simulating. */
export interface Transport {
  /** Each new handshaken link, once. */
  readonly links$: Observable<NeighborLink>;
  /** Starts listening and dialling. Rejects with a clear error (e.g. port in use). */
  start(): Promise<void>;
  /** Stops dialling and listening and closes every link. */
  stop(): Promise<void>;
  /**
   * Whether to dial a neighbour again after a link to it closed (asked before
   * every attempt). Without a policy a transport that dials keeps redialling.
   */
  setRedialPolicy?(shouldRedial: (peer: PeerId) => boolean): void;
}
