import { CommonConfig } from '../config/common-config';
import { PeerInfo } from '../config/peer-info';
import { PieceHashes } from '../integrity/piece-hashes';
import { GuardSettings } from '../plugin/guard/plugin-guard';
import { PieceGeometry } from '../protocol/geometry';

export interface EngineSettings extends GuardSettings {
  readonly self: PeerInfo;
  readonly peers: readonly PeerInfo[];
  readonly common: CommonConfig;
  readonly geometry: PieceGeometry;
  /** Requests kept outstanding per neighbour; the classic protocol uses 1. */
  readonly pipeline: number;
  /** A request unanswered this long (ms) goes back to the pool, so a stuck neighbour cannot stall us. */
  readonly requestTimeoutMs: number;
  /** In endgame, also request pieces already asked of others (the first copy wins). */
  readonly endgame: boolean;
  /** The expected hash of every piece (opt-in): a received piece that does not match is never written, counted or announced. */
  readonly pieceHashes?: PieceHashes;
}
