import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PieceGeometry } from '../protocol/geometry';

/**
 * The piece-hash file: `<FileName>.hashes` beside the config, one lowercase hex
 * SHA-256 per piece, in piece order, one per line, nothing else, so any
 * implementation (or a three-line script) can write or read it. It is an
 * opt-in addition: nothing of it goes on the wire.
 */
export class HashFileError extends Error {
  override readonly name = 'HashFileError';
}

/** The hash file's name for a shared file called `fileName`. */
export function hashFileName(fileName: string): string {
  return `${fileName}.hashes`;
}

/** Where a config folder keeps the hash file of its shared file. */
export function hashFilePath(configDir: string, fileName: string): string {
  return path.join(configDir, hashFileName(fileName));
}

/** The SHA-256 of one piece's bytes, as 32 raw bytes. */
export function hashPiece(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** The expected digests of every piece, checked one piece at a time. */
export class PieceHashes {
  private constructor(private readonly digests: readonly Buffer[]) {}

  static fromDigests(digests: readonly Buffer[]): PieceHashes {
    return new PieceHashes(digests);
  }

  get count(): number {
    return this.digests.length;
  }

  /** True when `data` is exactly piece `index` of the original. */
  verify(index: number, data: Uint8Array): boolean {
    const expected = this.digests[index];
    return expected !== undefined && hashPiece(data).equals(expected);
  }

  digestHex(index: number): string {
    return this.digests[index]?.toString('hex') ?? '';
  }

  /** The file's text: one lowercase hex digest per line, with a final newline. */
  format(): string {
    return this.digests.map((d) => d.toString('hex')).join('\n') + '\n';
  }
}

/** Parses a hash file's text for a file of `geometry`; errors name the source and line. */
export function parseHashFile(text: string, geometry: PieceGeometry, source: string): PieceHashes {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop(); // the final newline
  const digests: Buffer[] = [];
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!/^[0-9a-f]{64}$/.test(line)) {
      throw new HashFileError(`${source}:${i + 1}: expected a lowercase hex SHA-256 (64 characters), got "${line.slice(0, 80)}"`);
    }
    digests.push(Buffer.from(line, 'hex'));
  });
  if (digests.length !== geometry.numPieces) {
    throw new HashFileError(`${source}: has ${digests.length} piece hashes, but the file has ${geometry.numPieces} pieces (FileSize ${geometry.fileSize}, PieceSize ${geometry.pieceSize})`);
  }
  return PieceHashes.fromDigests(digests);
}

/** Reads the hash file if the config folder holds one; undefined when it does not. */
export function readHashFileIfPresent(configDir: string, fileName: string, geometry: PieceGeometry): PieceHashes | undefined {
  const file = hashFilePath(configDir, fileName);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HashFileError(`${file}: cannot read: ${(err as Error).message}`);
  }
  return parseHashFile(text, geometry, file);
}

/** Hashes a file piece by piece (streaming: memory stays at one piece). */
export async function hashFilePieces(file: string, pieceSize: number): Promise<PieceHashes> {
  const digests: Buffer[] = [];
  let hash = createHash('sha256');
  let filled = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: Math.max(64 * 1024, Math.min(pieceSize, 4 << 20)) })) {
    let buf = chunk as Buffer;
    while (buf.length > 0) {
      const take = Math.min(pieceSize - filled, buf.length);
      hash.update(buf.subarray(0, take));
      filled += take;
      buf = buf.subarray(take);
      if (filled === pieceSize) {
        digests.push(hash.digest());
        hash = createHash('sha256');
        filled = 0;
      }
    }
  }
  if (filled > 0) digests.push(hash.digest());
  return PieceHashes.fromDigests(digests);
}
