/** Pieces stay at the classic 16 KiB until a file would need more than this many. */
export const TARGET_MAX_PIECES = 2000;
export const MIN_DEFAULT_PIECE_SIZE = 16 * 1024;
export const MAX_DEFAULT_PIECE_SIZE = 16 * 1024 * 1024;

/**
 * The piece size `peer share` picks when none is given: the smallest power of
 * two from 16 KiB (the classic size) up to 16 MiB that cuts the file into at
 * most 2,000 pieces. Fewer, larger pieces keep bitfields, `have` traffic, the
 * classic log and the hash file small for big files; 16 KiB keeps small files
 * in enough pieces to spread; a piece is one message, so it stays well under
 * what a peer holds in memory per request. A 20 MiB file gets 16 KiB pieces
 * (1,280 of them), 700 MiB gets 512 KiB (1,400), 100 GiB gets 16 MiB (6,400).
 */
export function defaultPieceSize(fileSize: number): number {
  let size = MIN_DEFAULT_PIECE_SIZE;
  while (Math.ceil(fileSize / size) > TARGET_MAX_PIECES && size < MAX_DEFAULT_PIECE_SIZE) size *= 2;
  return size;
}
