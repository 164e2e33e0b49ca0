import { PeerId, SwarmEvent } from '../../core/events';
import { consoleLine } from '../../plugins/logger/console';
import { Delta, FeedCategory, FeedEntry, PeerView, RateBucket, Snapshot, UnchokeEdge, WatchStatus } from './page/messages';

export interface SwarmViewOptions {
  /** What is being watched, shown as the page's title. */
  readonly title: string;
  /** Width of a rate bucket. */
  readonly bucketMs?: number;
  /** Rate buckets kept (older ones are dropped). */
  readonly bucketsKept?: number;
  /** Feed entries a new page gets. */
  readonly feedKept?: number;
  /** Feed entries of one category sent in one delta at most (the rest are counted, not sent). */
  readonly feedPerDelta?: number;
}

interface PeerState {
  id: PeerId;
  total: number;
  bits: Uint8Array;
  have: number;
  seeder: boolean;
  finished: boolean;
  completedAt?: number;
  readonly neighbors: Set<PeerId>;
  /** Neighbours that unchoked this peer (what it received on the wire). */
  readonly unchokedBy: Set<PeerId>;
  /** Whom this peer unchokes, by its own choice. */
  preferred: Set<PeerId>;
  optimistic: PeerId | undefined;
}

/**
 * The state a watch page shows, folded from the peers' event streams: piece
 * maps, rates per time bucket, the unchoke graph and the event feed. It hands
 * out a full snapshot for a page that connects and, a few times a second, a
 * delta of what changed, so a busy swarm costs the page one small message per
 * tick rather than one per event.
 */
export class SwarmView {
  readonly bucketMs: number;
  private readonly bucketsKept: number;
  private readonly feedKept: number;
  private readonly feedPerDelta: number;
  private readonly peers = new Map<PeerId, PeerState>();
  private origin: number | undefined;
  private latest = 0;
  private status: WatchStatus = 'waiting';
  private statusFixed = false;
  private verdict: string | undefined;
  /** bucket index -> peer -> [down, up] bytes */
  private readonly buckets = new Map<number, Map<PeerId, [number, number]>>();
  private readonly feed: FeedEntry[] = [];

  // What changed since the last delta.
  private readonly changedPeers = new Set<PeerId>();
  private readonly resetMaps = new Set<PeerId>();
  private readonly newPieces = new Map<PeerId, number[]>();
  private readonly changedBuckets = new Set<number>();
  private pendingFeed: FeedEntry[] = [];
  /** "peer X has the whole file" entries, with X: shown only for a peer not watched (one that is says so itself). */
  private readonly hearsay = new Map<FeedEntry, PeerId>();
  private pendingPerCategory = new Map<FeedCategory, number>();
  private feedDropped = 0;
  private graphChanged = false;
  private lastGraph = '[]';
  private statusChanged = false;

  constructor(readonly options: SwarmViewOptions) {
    this.bucketMs = options.bucketMs ?? 500;
    this.bucketsKept = options.bucketsKept ?? 1200;
    this.feedKept = options.feedKept ?? 300;
    this.feedPerDelta = options.feedPerDelta ?? 40;
  }

  /** Folds one event of one peer's stream in. */
  apply(e: SwarmEvent): void {
    this.origin ??= e.at;
    if (e.at > this.latest) this.latest = e.at;
    const p = this.peer(e.self);
    switch (e.kind) {
      case 'store-opened':
        this.openMap(p, e.total, e.bitfield);
        break;
      case 'piece-downloaded':
        if (p.total === 0) this.openMap(p, e.total, '');
        if (e.index >= 0 && e.index < p.total && this.setPiece(p, e.index)) {
          let list = this.newPieces.get(p.id);
          if (!list) this.newPieces.set(p.id, (list = []));
          list.push(e.index);
        }
        this.addBytes(p.id, e.at, e.bytes, 0);
        break;
      case 'piece-uploaded':
        this.addBytes(p.id, e.at, 0, e.bytes);
        break;
      case 'file-complete':
        p.completedAt = e.at;
        this.changedPeers.add(p.id);
        break;
      case 'connected':
        p.neighbors.add(e.peer);
        this.changedPeers.add(p.id);
        break;
      case 'disconnected':
        p.neighbors.delete(e.peer);
        p.unchokedBy.delete(e.peer);
        p.preferred.delete(e.peer);
        if (p.optimistic === e.peer) p.optimistic = undefined;
        this.changedPeers.add(p.id);
        this.graphChanged = true;
        break;
      case 'unchoked-by':
        p.unchokedBy.add(e.peer);
        this.graphChanged = true;
        break;
      case 'choked-by':
        p.unchokedBy.delete(e.peer);
        this.graphChanged = true;
        break;
      case 'preferred-changed':
        p.preferred = new Set(e.neighbors);
        this.graphChanged = true;
        break;
      case 'optimistic-changed':
        p.optimistic = e.neighbor;
        this.graphChanged = true;
        break;
      case 'swarm-complete':
        // Its links are closing: it unchokes nobody any more.
        p.finished = true;
        p.neighbors.clear();
        p.unchokedBy.clear();
        p.preferred.clear();
        p.optimistic = undefined;
        this.changedPeers.add(p.id);
        this.graphChanged = true;
        if (!this.statusFixed && [...this.peers.values()].every((x) => x.finished)) this.setStatusInternal('finished');
        break;
      default:
        break;
    }
    const entry = feedEntry(e);
    if (!entry) return;
    if (e.kind === 'peer-completed') this.hearsay.set(entry, e.peer);
    this.queueFeed(entry);
  }

  /** A peer's stream started over (its log was rewritten): forget what it said. */
  resetPeer(id: PeerId): void {
    if (!this.peers.has(id)) return;
    this.peers.delete(id);
    this.peer(id);
    this.resetMaps.add(id);
    this.newPieces.delete(id);
    this.graphChanged = true;
  }

  /** Overrides the status derived from the streams (the local swarm knows when it is over). */
  setStatus(status: WatchStatus, verdict?: string): void {
    this.statusFixed = true;
    this.setStatusInternal(status);
    if (verdict !== undefined) this.verdict = verdict;
  }

  snapshot(): Snapshot {
    const bitfields: Record<string, string> = {};
    for (const p of this.peers.values()) bitfields[p.id] = Buffer.from(p.bits).toString('hex');
    return {
      type: 'snapshot',
      title: this.options.title,
      status: this.status,
      verdict: this.verdict,
      origin: this.origin ?? 0,
      bucketMs: this.bucketMs,
      latest: this.latest,
      peers: this.sortedPeers().map((p) => this.peerView(p)),
      bitfields,
      unchokes: this.graph(),
      rates: [...this.buckets.keys()].sort((a, b) => a - b).map((i) => this.bucketOut(i)),
      // Entries not yet sent in a delta come with the next delta, not twice.
      feed: this.feed.slice(),
    };
  }

  /** What changed since the last call, or undefined when nothing did. */
  takeDelta(): Delta | undefined {
    let unchokes: UnchokeEdge[] | undefined;
    if (this.graphChanged) {
      this.graphChanged = false;
      const graph = this.graph();
      const text = JSON.stringify(graph);
      if (text !== this.lastGraph) {
        this.lastGraph = text;
        unchokes = graph;
      }
    }
    for (const id of this.newPieces.keys()) this.changedPeers.add(id);
    for (const id of this.resetMaps) this.changedPeers.add(id);
    const nothing =
      this.changedPeers.size === 0 && this.changedBuckets.size === 0 && this.pendingFeed.length === 0 && this.feedDropped === 0 && unchokes === undefined && !this.statusChanged;
    if (nothing) return undefined;
    if (this.hearsay.size > 0) {
      this.pendingFeed = this.pendingFeed.filter((f) => !this.peers.has(this.hearsay.get(f) ?? Number.NaN));
      this.hearsay.clear();
    }
    const bitfields: Record<string, string> = {};
    for (const id of this.resetMaps) {
      const p = this.peers.get(id);
      if (p) bitfields[id] = Buffer.from(p.bits).toString('hex');
    }
    const pieces: Record<string, number[]> = {};
    for (const [id, list] of this.newPieces) if (!this.resetMaps.has(id)) pieces[id] = list;
    const delta: Delta = {
      type: 'delta',
      status: this.status,
      verdict: this.verdict,
      origin: this.origin ?? 0,
      latest: this.latest,
      peers: [...this.changedPeers].sort((a, b) => a - b).flatMap((id) => {
        const p = this.peers.get(id);
        return p ? [this.peerView(p)] : [];
      }),
      bitfields,
      pieces,
      unchokes,
      rates: [...this.changedBuckets].filter((i) => this.buckets.has(i)).sort((a, b) => a - b).map((i) => this.bucketOut(i)),
      // Streams are read one file after another: put the peers' entries back in time order.
      feed: this.pendingFeed.sort((a, b) => a.at - b.at),
      feedDropped: this.feedDropped,
    };
    this.feed.push(...this.pendingFeed);
    if (this.feed.length > this.feedKept) this.feed.splice(0, this.feed.length - this.feedKept);
    this.pendingFeed = [];
    this.pendingPerCategory.clear();
    this.feedDropped = 0;
    this.changedPeers.clear();
    this.resetMaps.clear();
    this.newPieces.clear();
    this.changedBuckets.clear();
    this.statusChanged = false;
    return delta;
  }

  private setStatusInternal(status: WatchStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.statusChanged = true;
  }

  private peer(id: PeerId): PeerState {
    let p = this.peers.get(id);
    if (!p) {
      p = { id, total: 0, bits: new Uint8Array(0), have: 0, seeder: false, finished: false, neighbors: new Set(), unchokedBy: new Set(), preferred: new Set(), optimistic: undefined };
      this.peers.set(id, p);
      this.changedPeers.add(id);
      if (!this.statusFixed) this.setStatusInternal('running');
    }
    return p;
  }

  private openMap(p: PeerState, total: number, hex: string): void {
    p.total = total;
    p.bits = new Uint8Array(Math.ceil(total / 8));
    const given = Buffer.from(hex, 'hex');
    p.bits.set(given.subarray(0, p.bits.length));
    p.have = 0;
    for (let i = 0; i < total; i++) if (this.hasPiece(p, i)) p.have++;
    p.seeder = total > 0 && p.have === total;
    this.resetMaps.add(p.id);
    this.newPieces.delete(p.id);
  }

  private hasPiece(p: PeerState, index: number): boolean {
    return (p.bits[index >> 3]! & (0x80 >> (index & 7))) !== 0;
  }

  private setPiece(p: PeerState, index: number): boolean {
    if (this.hasPiece(p, index)) return false;
    p.bits[index >> 3]! |= 0x80 >> (index & 7);
    p.have++;
    return true;
  }

  private addBytes(id: PeerId, at: number, down: number, up: number): void {
    const index = Math.floor((at - this.origin!) / this.bucketMs);
    let bucket = this.buckets.get(index);
    if (!bucket) {
      this.buckets.set(index, (bucket = new Map()));
      if (this.buckets.size > this.bucketsKept) this.buckets.delete(Math.min(...this.buckets.keys()));
    }
    const cell = bucket.get(id);
    if (cell) {
      cell[0] += down;
      cell[1] += up;
    } else bucket.set(id, [down, up]);
    this.changedBuckets.add(index);
  }

  private bucketOut(index: number): RateBucket {
    const bucket = this.buckets.get(index)!;
    return { index, bytes: [...bucket].sort((a, b) => a[0] - b[0]).map(([id, [down, up]]) => [id, down, up] as const) };
  }

  private queueFeed(entry: FeedEntry): void {
    const count = this.pendingPerCategory.get(entry.category) ?? 0;
    if (count >= this.feedPerDelta) {
      this.feedDropped++;
      return;
    }
    this.pendingPerCategory.set(entry.category, count + 1);
    this.pendingFeed.push(entry);
  }

  private sortedPeers(): PeerState[] {
    return [...this.peers.values()].sort((a, b) => a.id - b.id);
  }

  private peerView(p: PeerState): PeerView {
    return {
      id: p.id,
      total: p.total,
      have: p.have,
      seeder: p.seeder,
      complete: p.total > 0 && p.have === p.total,
      finished: p.finished,
      completedAt: p.completedAt,
      neighbors: p.neighbors.size,
    };
  }

  /**
   * Who unchokes whom. A watched peer's own record of who unchoked it is
   * exact (it is what arrived on the wire); for a peer whose stream is not
   * watched, its neighbours' choices (preferred and optimistic) stand in.
   */
  private graph(): UnchokeEdge[] {
    const edges = new Map<string, UnchokeEdge>();
    const add = (from: PeerId, to: PeerId): void => {
      const sender = this.peers.get(from);
      if (sender?.finished || this.peers.get(to)?.finished) return;
      edges.set(`${from}>${to}`, { from, to, optimistic: sender?.optimistic === to && !sender.preferred.has(to) });
    };
    for (const p of this.peers.values()) {
      for (const from of p.unchokedBy) add(from, p.id);
      for (const to of [...p.preferred, ...(p.optimistic === undefined ? [] : [p.optimistic])]) if (!this.peers.has(to)) add(p.id, to);
    }
    return [...edges.values()].sort((a, b) => a.from - b.from || a.to - b.to);
  }
}

const CATEGORY: Partial<Record<SwarmEvent['kind'], FeedCategory>> = {
  'store-opened': 'connection',
  listening: 'connection',
  connected: 'connection',
  disconnected: 'connection',
  'piece-downloaded': 'piece',
  'piece-discarded': 'piece',
  'preferred-changed': 'choke',
  'optimistic-changed': 'choke',
  'unchoked-by': 'choke',
  'choked-by': 'choke',
  'peer-completed': 'done',
  'file-complete': 'done',
  'swarm-complete': 'done',
  'connection-rejected': 'problem',
  'protocol-violation': 'problem',
  'plugin-error': 'problem',
  error: 'problem',
};

/** The feed line of an event; undefined for the busy events (requests, haves, uploads, interest). */
export function feedEntry(e: SwarmEvent): FeedEntry | undefined {
  const category = CATEGORY[e.kind];
  if (!category) return undefined;
  let text: string | undefined;
  if (e.kind === 'piece-downloaded') text = `piece ${e.index} from peer ${e.peer} (${e.have}/${e.total})`;
  else if (e.kind === 'piece-discarded') text = `discarded piece ${e.index} from peer ${e.peer} (${e.reason})`;
  else if (e.kind === 'store-opened') text = e.have === e.total ? `holds the whole file (${e.total} pieces)` : `holds ${e.have} of ${e.total} pieces`;
  else text = consoleLine(e);
  return text === undefined ? undefined : { at: e.at, peer: e.self, category, text };
}
