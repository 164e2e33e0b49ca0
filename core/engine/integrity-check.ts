import { EventBus } from '../event-bus';
import { PeerId } from '../events';
import { PieceHashes } from '../integrity/piece-hashes';
import { Neighbor } from './neighbor';

/** A neighbour that sends this many pieces that fail their hash is cut off for the rest of the run. */
export const BAD_PIECES_BEFORE_BAN = 3;

/**
 * Checks each received piece against the hash file (when there is one)
 * before anything else happens to it: a piece that fails is never written,
 * counted or announced. It counts bad pieces per sender and bans a sender
 * that reaches BAD_PIECES_BEFORE_BAN: its link is closed, and it is neither
 * redialled nor accepted again in this run. Nothing of this is on the wire.
 */
export class IntegrityCheck {
  private readonly strikes = new Map<PeerId, number>();
  private readonly banned = new Set<PeerId>();

  constructor(private readonly hashes: PieceHashes | undefined, private readonly bus: EventBus) {}

  /** True when the piece may be stored: it matches its hash, or there are no hashes to check. */
  accept(from: Neighbor, index: number, data: Uint8Array): boolean {
    if (!this.hashes || this.hashes.verify(index, data)) return true;
    const strikes = (this.strikes.get(from.id) ?? 0) + 1;
    this.strikes.set(from.id, strikes);
    this.bus.emit({ kind: 'piece-corrupt', peer: from.id, index, bytes: data.length, strikes });
    if (strikes >= BAD_PIECES_BEFORE_BAN && !this.banned.has(from.id)) {
      this.banned.add(from.id);
      const reason = `sent ${strikes} pieces that do not match their hashes`;
      this.bus.emit({ kind: 'peer-banned', peer: from.id, reason });
      from.link.close(reason);
    }
    return false;
  }

  isBanned(peer: PeerId): boolean {
    return this.banned.has(peer);
  }
}
