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
  /**
   * Sends a message; resolves when the link can take more (the socket buffer has drained).
   * `onSent`, if given, is called once the link no longer reads the message's bytes (they were
   * handed to the operating system): the caller may then reuse a piece's buffer. A link may
   * never call it (the message was dropped with the connection, or the link does not track
   * its writes): the buffer is then left to the garbage collector.
   */
  send(message: Message, onSent?: () => void): Promise<void>;
  /**
   * The engine is done with the bytes of a `piece` message this link delivered: the piece was
   * discarded, or written by a store that copied it, and nothing holds a reference to them.
   * The link may reuse that memory for a later piece. Optional: a link that does not pool
   * its buffers leaves it out.
   */
  recycle?(data: Uint8Array): void;
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
