import { CommonConfig } from '../config/common-config';
import { PeerInfo } from '../config/peer-info';
import { PieceGeometry } from '../protocol/geometry';

export interface EngineSettings {
  readonly self: PeerInfo;
  readonly peers: readonly PeerInfo[];
  readonly common: CommonConfig;
  readonly geometry: PieceGeometry;
  /** Requests kept outstanding per neighbour; the classic protocol uses 1. */
  readonly pipeline: number;
  /** A request unanswered this long (ms) goes back to the pool, so a stuck neighbour cannot stall us. */
  readonly requestTimeoutMs: number;
}
