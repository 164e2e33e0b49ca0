import { Observable } from 'rxjs';
import { PeerInfo } from '../core/config/peer-info';
import { PeerId, SwarmEvent } from '../core/events';
import type { EngineStatus } from '../core/engine/neighbour-memory';

/**
 * What a running peer tells its user when it is stuck or something is wrong
 * with the data: whom it is waiting for, a neighbour whose host does not
 * resolve, why it gave up, a bad piece, a banned neighbour, what it resumed
 * with. The lines are made here; run-peer.ts hands them to the reporter
 * (app/reporter/), which prefixes `peer <id>: ` and writes them on stderr.
 */
export type Say = (line: string) => void;

export interface WaitNoticeTiming {
  /** First notice about a neighbour that has not connected (default 10 s). */
  readonly firstMs: number;
  /** Then again every (default 60 s). */
  readonly everyMs: number;
}

export const DEFAULT_WAIT_TIMING: WaitNoticeTiming = { firstMs: 10_000, everyMs: 60_000 };

/**
 * Watches the connections of a starting peer. A listed neighbour that is not
 * connected `firstMs` after the start is named once, with the address we dial
 * (or the port it should dial), and again every `everyMs` while any is
 * missing; a neighbour host that does not resolve is reported at the first
 * failed lookup. Returns a function that stops watching.
 */
export function watchNeighbours(events$: Observable<SwarmEvent>, self: PeerInfo, peers: readonly PeerInfo[], say: Say, timing: WaitNoticeTiming = DEFAULT_WAIT_TIMING): () => void {
  const myIndex = peers.findIndex((p) => p.id === self.id);
  const connected = new Set<PeerId>();
  const completed = new Set<PeerId>();
  const lastDialError = new Map<PeerId, string>();
  const unresolvedReported = new Set<PeerId>();
  let done = false;
  const sub = events$.subscribe((e) => {
    switch (e.kind) {
      case 'connected':
        connected.add(e.peer);
        break;
      case 'disconnected':
        connected.delete(e.peer);
        break;
      case 'peer-completed':
        completed.add(e.peer);
        break;
      case 'swarm-complete':
        done = true;
        break;
      case 'dial-failed': {
        lastDialError.set(e.peer, e.code ? describeCode(e.code) : e.reason);
        const peer = peers.find((p) => p.id === e.peer);
        if (peer && isUnresolved(e.code) && !unresolvedReported.has(e.peer)) {
          unresolvedReported.add(e.peer);
          say(`cannot resolve host "${peer.host}" of peer ${peer.id} (${e.code}); still trying to reach it at ${e.address}`);
        }
        break;
      }
    }
  });
  const report = (): void => {
    if (done) return;
    const missing = peers.filter((p, i) => i !== myIndex && !connected.has(p.id) && !completed.has(p.id));
    if (missing.length === 0) return;
    const who = missing.map((p) => {
      const earlier = peers.indexOf(p) < myIndex;
      if (!earlier) return `peer ${p.id} (it should connect to us on port ${self.port}; it is listed at ${p.host}:${p.port})`;
      const why = lastDialError.get(p.id);
      return `peer ${p.id} (dialling ${p.host}:${p.port}${why ? `: ${why}` : ''})`;
    });
    say(`waiting for ${who.join(', ')}`);
  };
  let every: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    report();
    every = setInterval(report, timing.everyMs);
    every.unref();
  }, timing.firstMs);
  first.unref();
  return () => {
    sub.unsubscribe();
    clearTimeout(first);
    if (every) clearInterval(every);
  };
}

/** The line for a piece that failed its hash, or a neighbour banned for it; undefined for other events. */
export function integrityLine(e: SwarmEvent): string | undefined {
  switch (e.kind) {
    case 'piece-corrupt':
      return `piece ${e.index} from ${e.peer} does not match its hash: discarded, to be fetched from another neighbour (${e.strikes} bad piece${e.strikes > 1 ? 's' : ''} from ${e.peer})`;
    case 'peer-banned':
      return `disconnected ${e.peer}, which ${e.reason}; it will not be dialled or accepted again in this run`;
    default:
      return undefined;
  }
}

/** What a downloading peer found on disk at start (undefined when nothing: a fresh download, or a seeder). */
export function resumeNotice(e: SwarmEvent, hasFile: boolean): string | undefined {
  if (e.kind !== 'store-opened' || hasFile || e.have === 0) return undefined;
  return e.have === e.total ? `found the whole file already on disk (${e.total} pieces): seeding it` : `resuming with ${e.have} of ${e.total} pieces already on disk`;
}

/** The give-up lines of `peer run --timeout`: which pieces are missing, and from whom the peer still expected something. */
export function timeoutNotice(seconds: number, status: EngineStatus): string {
  if (!status.opened) return `gave up after ${seconds} s: the store was still opening`;
  const pieces = status.missing.length === 0 ? 'it holds every piece' : `still missing ${status.missing.length} of ${status.total} pieces (${ranges(status.missing)})`;
  const waiting = status.neighbors
    .filter((n) => !n.complete)
    .map((n) => {
      if (!n.connected) return `peer ${n.id} (not connected)`;
      const requested = n.requested.length > 0 ? `; requested piece${n.requested.length > 1 ? 's' : ''} ${ranges(n.requested)}` : '';
      return `peer ${n.id} (connected, holds ${n.pieces ?? 0} of ${status.total} pieces${requested})`;
    });
  return `gave up after ${seconds} s: ${pieces}; waiting for ${waiting.length > 0 ? waiting.join(', ') : 'nobody (the swarm was closing)'}`;
}

/** `0-17, 20, 22-30`, cut after a few ranges. */
export function ranges(indices: readonly number[], max = 8): string {
  const sorted = [...indices].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.length > max ? `${out.slice(0, max).join(', ')}, … ${out.length - max} more ranges` : out.join(', ');
}

function isUnresolved(code: string | undefined): boolean {
  return code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME';
}

function describeCode(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused, nobody listens there yet';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    default:
      return isUnresolved(code) ? 'host name does not resolve' : code;
  }
}
