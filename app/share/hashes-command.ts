import { hashFilePieces } from '../../core/integrity/piece-hashes';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../run-peer';
import { checkSharedFile, UsageError } from './shared-file';

/** `peer hashes <file> --piece-size N`: the piece-hash file on stdout, nothing else there. */
export async function runHashesCommand(file: string, pieceSize: number): Promise<number> {
  try {
    checkSharedFile(file);
    const hashes = await hashFilePieces(file, pieceSize);
    await new Promise<void>((resolve, reject) => process.stdout.write(hashes.format(), (err) => (err ? reject(err) : resolve())));
    return EXIT_OK;
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  }
}

