import * as fs from 'node:fs';
import * as os from 'node:os';
import { crc32 } from 'node:zlib';
import { PieceGeometry } from '../../core/protocol/geometry';

/**
 * The record of which pieces of a `.part` file were written, so a peer that
 * is stopped in any way (kill -9 included) resumes with exactly those pieces.
 * docs/resume.md explains why this is safe at every moment.
 *
 * Layout (integers big-endian):
 *   header, 64 bytes: "SWLJRNL2", FileSize (u64), PieceSize (u32), the boot id
 *                     (36 ASCII bytes, padded), 4 spare bytes, CRC-32 of the 60 bytes before
 *   record, 12 bytes: piece index (u32), 0 (u32), CRC-32 of the 8 bytes before
 *   sync mark, 12 bytes: 0xFFFFFFFF, n (u32), CRC-32 of the 8 bytes before:
 *                     the first n piece records are on the disk for good (fdatasync)
 *
 * A record is appended only after its piece's bytes were written to the
 * `.part` file. A process that dies (kill -9, a crash) loses no write that
 * returned: the kernel holds it. So while the machine has not restarted since
 * the journal was written (same boot id) every valid record is trusted. After
 * a restart (a power cut may have lost writes, in any order) only the records
 * covered by the last sync mark are. A record torn by a crash fails its own
 * check, and reading stops there.
 */
const MAGIC = Buffer.from('SWLJRNL2', 'ascii');
export const HEADER_BYTES = 64;
export const RECORD_BYTES = 12;
const SYNC_MARK = 0xffffffff;

export interface JournalContents {
  /** The pieces the journal vouches for, in the order they were recorded. */
  readonly pieces: readonly number[];
  /** False when there was no journal, or one written for another FileSize / PieceSize. */
  readonly matchesGeometry: boolean;
}

/** Something that changes whenever the machine restarts: Linux's boot id, else the boot time to the minute. */
export function bootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return `boot@${Math.round((Date.now() / 1000 - os.uptime()) / 60)}`;
  }
}

/** Reads a journal; stops at the first invalid record (the tail a crash may have torn). */
export function readJournal(file: string, geometry: PieceGeometry, currentBoot = bootId()): JournalContents {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { pieces: [], matchesGeometry: false };
    throw err;
  }
  if (bytes.length < HEADER_BYTES) return { pieces: [], matchesGeometry: false };
  const head = bytes.subarray(0, HEADER_BYTES);
  if (crc32(head.subarray(0, HEADER_BYTES - 4)) !== head.readUInt32BE(HEADER_BYTES - 4)) return { pieces: [], matchesGeometry: false };
  if (!head.subarray(0, 20).equals(header(geometry, '').subarray(0, 20))) return { pieces: [], matchesGeometry: false };
  const sameBoot = head.subarray(20, 56).toString('ascii').replace(/\0+$/, '') === currentBoot;
  const pieces: number[] = [];
  let durable = 0;
  for (let at = HEADER_BYTES; at + RECORD_BYTES <= bytes.length; at += RECORD_BYTES) {
    if (crc32(bytes.subarray(at, at + 8)) !== bytes.readUInt32BE(at + 8)) break;
    const index = bytes.readUInt32BE(at);
    if (index === SYNC_MARK) durable = Math.max(durable, Math.min(bytes.readUInt32BE(at + 4), pieces.length));
    else if (index < geometry.numPieces) pieces.push(index);
    else break;
  }
  return { pieces: sameBoot ? pieces : pieces.slice(0, durable), matchesGeometry: true };
}

/** The header that ties a journal to one file geometry and one boot of the machine. */
function header(geometry: PieceGeometry, boot: string): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeBigUInt64BE(BigInt(geometry.fileSize), 8);
  h.writeUInt32BE(geometry.pieceSize, 16);
  h.write(boot.slice(0, 36), 20, 'ascii');
  h.writeUInt32BE(crc32(h.subarray(0, HEADER_BYTES - 4)), HEADER_BYTES - 4);
  return h;
}

function record(index: number, arg: number): Buffer {
  const r = Buffer.alloc(RECORD_BYTES);
  r.writeUInt32BE(index, 0);
  r.writeUInt32BE(arg, 4);
  r.writeUInt32BE(crc32(r.subarray(0, 8)), 8);
  return r;
}

/**
 * An open journal, appended to as pieces are written. Opening rewrites it to
 * hold exactly the pieces trusted now, all durable (the `.part` file is
 * synced first; the journal is written beside, synced, and renamed over the
 * old one, so a crash while opening leaves the old journal or the new one).
 */
export class PieceJournal {
  private recorded: number;
  private syncing = false;

  private constructor(private readonly fd: number, trusted: number) {
    this.recorded = trusted;
  }

  static create(file: string, geometry: PieceGeometry, trusted: readonly number[]): PieceJournal {
    const tmp = `${file}.new`;
    fs.writeFileSync(tmp, Buffer.concat([header(geometry, bootId()), ...trusted.map((i) => record(i, 0)), record(SYNC_MARK, trusted.length)]));
    const fd = fs.openSync(tmp, 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
    return new PieceJournal(fs.openSync(file, 'a'), trusted.length);
  }

  /** Records a piece whose bytes are already in the `.part` file. */
  append(index: number): void {
    fs.writeSync(this.fd, record(index, 0));
    this.recorded++;
  }

  /**
   * Makes what was recorded so far survive a power cut: syncs the `.part`
   * file (`partFd`), then the journal, then marks it. Asynchronous (the
   * thread pool waits on the disk, not the event loop); one at a time.
   */
  async sync(partFd: number): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      const covered = this.recorded;
      await new Promise<void>((resolve, reject) => fs.fdatasync(partFd, (err) => (err ? reject(err) : resolve())));
      await new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, (err) => (err ? reject(err) : resolve())));
      fs.writeSync(this.fd, record(SYNC_MARK, covered));
    } finally {
      this.syncing = false;
    }
  }

  get pieces(): number {
    return this.recorded;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
