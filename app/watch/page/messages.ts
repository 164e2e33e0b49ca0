/**
 * What the watch server sends the page over Server-Sent Events: one
 * `snapshot` when the page connects (or reconnects), then a `delta` a few
 * times a second with only what changed. Shared by the server (compiled with
 * the project) and the page script (compiled for the browser by
 * tsconfig.client.json): types only, no code.
 */

/** What a peer's piece map and card show. */
export interface PeerView {
  readonly id: number;
  /** Pieces in the file; 0 until the peer's store has opened. */
  readonly total: number;
  readonly have: number;
  /** Held the whole file when it started. */
  readonly seeder: boolean;
  /** Holds the whole file now. */
  readonly complete: boolean;
  /** Saw every peer complete (its process is ending or has ended). */
  readonly finished: boolean;
  /** Wall time (ms since the epoch) when its file became complete. */
  readonly completedAt?: number;
  /** Connected neighbours. */
  readonly neighbors: number;
}

/** `from` unchokes `to`: `to` may download from `from`. */
export interface UnchokeEdge {
  readonly from: number;
  readonly to: number;
  readonly optimistic: boolean;
}

export type FeedCategory = 'piece' | 'choke' | 'connection' | 'done' | 'problem';

export interface FeedEntry {
  /** ms since the epoch */
  readonly at: number;
  readonly peer: number;
  readonly category: FeedCategory;
  readonly text: string;
}

/** Bytes each peer received and sent during one time bucket. */
export interface RateBucket {
  /** Bucket number: the bucket covers [origin + index * bucketMs, origin + (index + 1) * bucketMs). */
  readonly index: number;
  /** [peer, bytes downloaded, bytes uploaded] for the peers that moved data. */
  readonly bytes: ReadonlyArray<readonly [number, number, number]>;
}

export type WatchStatus = 'waiting' | 'running' | 'finished';

export interface Snapshot {
  readonly type: 'snapshot';
  /** What is being watched (a folder). */
  readonly title: string;
  readonly status: WatchStatus;
  /** A one-line verdict once the swarm is over (e.g. the local swarm's verification). */
  readonly verdict?: string;
  /** Time of the first event: bucket 0 starts here. */
  readonly origin: number;
  readonly bucketMs: number;
  /** Time of the latest event seen. */
  readonly latest: number;
  readonly peers: readonly PeerView[];
  /** Pieces held, per peer, as the wire bitfield in hex. */
  readonly bitfields: Readonly<Record<string, string>>;
  readonly unchokes: readonly UnchokeEdge[];
  readonly rates: readonly RateBucket[];
  readonly feed: readonly FeedEntry[];
}

export interface Delta {
  readonly type: 'delta';
  readonly status: WatchStatus;
  readonly verdict?: string;
  readonly origin: number;
  readonly latest: number;
  /** Peers whose card changed (new peers included). */
  readonly peers: readonly PeerView[];
  /** Peers whose whole piece map is (re)set (a store opened, a log restarted), as hex bitfields. */
  readonly bitfields: Readonly<Record<string, string>>;
  /** New pieces per peer since the last delta. */
  readonly pieces: Readonly<Record<string, readonly number[]>>;
  /** The whole unchoke graph, when it changed since the last delta. */
  readonly unchokes?: readonly UnchokeEdge[];
  /** Buckets that changed since the last delta. */
  readonly rates: readonly RateBucket[];
  readonly feed: readonly FeedEntry[];
  /** Feed entries left out of this delta to keep it small. */
  readonly feedDropped: number;
}

export type WatchMessage = Snapshot | Delta;
