import * as fs from 'node:fs';
import { crc32 } from 'node:zlib';
import { PieceGeometry } from '../../core/protocol/geometry';

/**
 * The record of which pieces of a `.part` file were written, so a peer that
 * is stopped in any way (kill -9 included) resumes with exactly those pieces.
 * docs/resume.md explains why this is safe at every moment.
 *
 * Layout (all integers big-endian):
 *   header, 24 bytes: "SWLJRNL1", FileSize (u64), PieceSize (u32), CRC-32 of the 20 bytes before
 *   record, 12 bytes: piece index (u32), CRC-32 of the piece's bytes (u32), CRC-32 of the 8 bytes before
 *
 * A record is appended only after its piece's bytes were written to the
 * `.part` file, and a resumed peer trusts a record only if the piece read
 * back from the `.part` file still has the recorded CRC-32: a record torn by
 * a crash fails its own check, and a piece whose bytes never reached the disk
 * (power loss) fails the data check. Either way that piece is fetched again.
 */
const MAGIC = Buffer.from('SWLJRNL1', 'ascii');
export const HEADER_BYTES = 24;
export const RECORD_BYTES = 12;

export interface JournalContents {
  /** The last valid record of each piece: index -> CRC-32 of its bytes. */
  readonly pieces: ReadonlyMap<number, number>;
  /** False when there was no journal, or one written for another FileSize / PieceSize. */
  readonly matchesGeometry: boolean;
}

/** Reads a journal; stops at the first invalid record (the tail a crash may have torn). */
export function readJournal(file: string, geometry: PieceGeometry): JournalContents {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { pieces: new Map(), matchesGeometry: false };
    throw err;
  }
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, HEADER_BYTES).equals(header(geometry))) return { pieces: new Map(), matchesGeometry: false };
  const pieces = new Map<number, number>();
  for (let at = HEADER_BYTES; at + RECORD_BYTES <= bytes.length; at += RECORD_BYTES) {
    const index = bytes.readUInt32BE(at);
    if (crc32(bytes.subarray(at, at + 8)) !== bytes.readUInt32BE(at + 8) || index >= geometry.numPieces) break;
    pieces.set(index, bytes.readUInt32BE(at + 4));
  }
  return { pieces, matchesGeometry: true };
}

/** The header that ties a journal to one file geometry. */
function header(geometry: PieceGeometry): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeBigUInt64BE(BigInt(geometry.fileSize), 8);
  h.writeUInt32BE(geometry.pieceSize, 16);
  h.writeUInt32BE(crc32(h.subarray(0, 20)), 20);
  return h;
}

function record(index: number, checksum: number): Buffer {
  const r = Buffer.alloc(RECORD_BYTES);
  r.writeUInt32BE(index, 0);
  r.writeUInt32BE(checksum, 4);
  r.writeUInt32BE(crc32(r.subarray(0, 8)), 8);
  return r;
}

export function pieceChecksum(data: Uint8Array): number {
  return crc32(data);
}

/**
 * An open journal, appended to as pieces are written. Opening rewrites it to
 * hold exactly the pieces trusted now (written beside it, then renamed over
 * it, so a crash while opening leaves either the old or the new journal).
 */
export class PieceJournal {
  private constructor(private readonly fd: number) {}

  static create(file: string, geometry: PieceGeometry, trusted: ReadonlyArray<{ index: number; checksum: number }>): PieceJournal {
    const tmp = `${file}.new`;
    fs.writeFileSync(tmp, Buffer.concat([header(geometry), ...trusted.map((t) => record(t.index, t.checksum))]));
    const fd = fs.openSync(tmp, 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
    return new PieceJournal(fs.openSync(file, 'a'));
  }

  /** Records a piece whose bytes are already in the `.part` file. */
  append(index: number, data: Uint8Array): void {
    fs.writeSync(this.fd, record(index, crc32(data)));
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
