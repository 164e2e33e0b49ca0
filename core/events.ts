/**
 * The typed domain events a peer emits. Loggers, progress displays and metric
 * collectors are all subscribers of this one stream; the engine never writes
 * a log line itself.
 */
export type PeerId = number;

export type SwarmEventBody =
  | { readonly kind: 'started'; readonly summary: Readonly<Record<string, string | number | boolean>> }
  | { readonly kind: 'listening'; readonly port: number }
  /** What the store holds when it opens: `bitfield` is the wire bitfield in hex (piece 0 is the high bit). */
  | { readonly kind: 'store-opened'; readonly have: number; readonly total: number; readonly bitfield: string }
  | { readonly kind: 'connected'; readonly peer: PeerId; readonly direction: 'outbound' | 'inbound' }
  | { readonly kind: 'connection-rejected'; readonly peer?: PeerId; readonly reason: string }
  | { readonly kind: 'disconnected'; readonly peer: PeerId; readonly reason: string }
  | { readonly kind: 'protocol-violation'; readonly peer: PeerId; readonly reason: string }
  | { readonly kind: 'preferred-changed'; readonly neighbors: readonly PeerId[] }
  | { readonly kind: 'optimistic-changed'; readonly neighbor: PeerId | undefined }
  | { readonly kind: 'unchoked-by'; readonly peer: PeerId }
  | { readonly kind: 'choked-by'; readonly peer: PeerId }
  | { readonly kind: 'bitfield-received'; readonly peer: PeerId; readonly pieces: number }
  | { readonly kind: 'have-received'; readonly peer: PeerId; readonly index: number }
  | { readonly kind: 'interested-received'; readonly peer: PeerId }
  | { readonly kind: 'not-interested-received'; readonly peer: PeerId }
  | { readonly kind: 'request-sent'; readonly peer: PeerId; readonly index: number }
  | { readonly kind: 'piece-downloaded'; readonly peer: PeerId; readonly index: number; readonly bytes: number; readonly have: number; readonly total: number }
  | { readonly kind: 'piece-discarded'; readonly peer: PeerId; readonly index: number; readonly bytes: number; readonly reason: 'duplicate' | 'unrequested' }
  | { readonly kind: 'piece-uploaded'; readonly peer: PeerId; readonly index: number; readonly bytes: number }
  /** A neighbour sat on a request past the request timeout: reported once per neighbour until it sends a piece again. */
  | { readonly kind: 'neighbor-stalled'; readonly peer: PeerId; readonly index: number; readonly waitedMs: number }
  | { readonly kind: 'peer-completed'; readonly peer: PeerId }
  | { readonly kind: 'file-complete' }
  | { readonly kind: 'swarm-complete' }
  | { readonly kind: 'plugin-error'; readonly plugin: string; readonly message: string }
  | { readonly kind: 'error'; readonly message: string };

/** Every event carries the emitting peer and the scheduler's time (ms since the epoch, or virtual ms). */
export type SwarmEvent = SwarmEventBody & { readonly self: PeerId; readonly at: number };

export type SwarmEventKind = SwarmEvent['kind'];
export type EventOf<K extends SwarmEventKind> = Extract<SwarmEvent, { kind: K }>;
