/** A remote peer broke the protocol. The connection is closed; the process keeps running. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}
