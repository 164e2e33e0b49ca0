/**
 * The eight messages of the classic P2PFILESHARINGPROJ protocol, as values.
 * Everything above the codec speaks in these; only the codec knows bytes.
 */
export enum MessageType {
  Choke = 0,
  Unchoke = 1,
  Interested = 2,
  NotInterested = 3,
  Have = 4,
  Bitfield = 5,
  Request = 6,
  Piece = 7,
}

export type ChokeMessage = { readonly type: MessageType.Choke };
export type UnchokeMessage = { readonly type: MessageType.Unchoke };
export type InterestedMessage = { readonly type: MessageType.Interested };
export type NotInterestedMessage = { readonly type: MessageType.NotInterested };
export type HaveMessage = { readonly type: MessageType.Have; readonly index: number };
/** `bits` is the raw payload: piece 0 is the high bit of the first byte. */
export type BitfieldMessage = { readonly type: MessageType.Bitfield; readonly bits: Uint8Array };
export type RequestMessage = { readonly type: MessageType.Request; readonly index: number };
export type PieceMessage = { readonly type: MessageType.Piece; readonly index: number; readonly data: Uint8Array };

export type Message =
  | ChokeMessage
  | UnchokeMessage
  | InterestedMessage
  | NotInterestedMessage
  | HaveMessage
  | BitfieldMessage
  | RequestMessage
  | PieceMessage;

export const MESSAGE_NAMES: Readonly<Record<MessageType, string>> = {
  [MessageType.Choke]: 'choke',
  [MessageType.Unchoke]: 'unchoke',
  [MessageType.Interested]: 'interested',
  [MessageType.NotInterested]: 'not interested',
  [MessageType.Have]: 'have',
  [MessageType.Bitfield]: 'bitfield',
  [MessageType.Request]: 'request',
  [MessageType.Piece]: 'piece',
};

/**
 * One `have` per piece index, made once: a peer announces each
 * piece to every neighbour, so a simulated swarm of 10,000 peers handles 77
 * million haves of a few hundred distinct values. Shared ones stay in the CPU
 * cache where a fresh object per piece would be one more memory fetch for
 * every receiver. Messages are values and never changed (readonly), so
 * sharing is safe. Not frozen: a frozen object has its own hidden class, and
 * the engine's `m.type` would then see one shape too many and go megamorphic.
 */
const haves: HaveMessage[] = [];
const MAX_SHARED_HAVE = 1 << 16;

function shareHave(index: number): HaveMessage {
  if (!(Number.isInteger(index) && index >= 0 && index < MAX_SHARED_HAVE)) return { type: MessageType.Have, index };
  return (haves[index] ??= { type: MessageType.Have, index });
}

export const msg = {
  choke: (): ChokeMessage => ({ type: MessageType.Choke }),
  unchoke: (): UnchokeMessage => ({ type: MessageType.Unchoke }),
  interested: (): InterestedMessage => ({ type: MessageType.Interested }),
  notInterested: (): NotInterestedMessage => ({ type: MessageType.NotInterested }),
  have: (index: number): HaveMessage => shareHave(index),
  bitfield: (bits: Uint8Array): BitfieldMessage => ({ type: MessageType.Bitfield, bits }),
  request: (index: number): RequestMessage => ({ type: MessageType.Request, index }),
  piece: (index: number, data: Uint8Array): PieceMessage => ({ type: MessageType.Piece, index, data }),
};
