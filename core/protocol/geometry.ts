/** How a file of `fileSize` bytes splits into pieces of `pieceSize` (the last one may be shorter). */
export class PieceGeometry {
  readonly numPieces: number;

  constructor(readonly fileSize: number, readonly pieceSize: number) {
    if (!Number.isSafeInteger(fileSize) || fileSize <= 0) throw new RangeError(`file size must be a positive integer, got ${fileSize}`);
    if (!Number.isSafeInteger(pieceSize) || pieceSize <= 0) throw new RangeError(`piece size must be a positive integer, got ${pieceSize}`);
    this.numPieces = Math.ceil(fileSize / pieceSize);
  }

  offsetOf(index: number): number {
    return index * this.pieceSize;
  }

  lengthOf(index: number): number {
    return index === this.numPieces - 1 ? this.fileSize - index * this.pieceSize : this.pieceSize;
  }

  get bitfieldBytes(): number {
    return Math.ceil(this.numPieces / 8);
  }

  /** The largest frame body (type byte + payload) any valid message can have: a full piece. */
  get maxFrameLength(): number {
    return 1 + 4 + Math.max(this.pieceSize, this.bitfieldBytes);
  }
}
