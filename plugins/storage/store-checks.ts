import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../../core/config/config-error';
import { PluginContext } from '../../core/plugin/contracts';
import { PieceGeometry } from '../../core/protocol/geometry';

/** What every store shares: where the finished file lives, the seeder's file check, and piece checks. */

/** `<dataDir>/peer_<id>/<FileName>`: the finished file, whatever the store keeps meanwhile. */
export function sharedFilePath(ctx: PluginContext): string {
  return path.join(ctx.dataDir, `peer_${ctx.selfId}`, ctx.common.fileName);
}

/** A peer with `hasFile 1` must find the whole file at `file`: a missing file or a wrong size is a config error. */
export async function checkSeedFile(ctx: PluginContext, file: string): Promise<void> {
  const size = await fileSize(file);
  if (size === undefined) throw new ConfigError(file, undefined, `missing: the peer file says peer ${ctx.self.id} has the file`);
  if (size !== ctx.common.fileSize) {
    throw new ConfigError(ctx.commonFile, 'FileSize', `FileSize is ${ctx.common.fileSize} but ${file} is ${size} bytes`);
  }
}

export async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await fs.promises.stat(file)).size;
  } catch {
    return undefined;
  }
}

export function checkPieceIndex(geometry: PieceGeometry, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= geometry.numPieces) throw new RangeError(`piece ${index} out of range 0..${geometry.numPieces - 1}`);
}

/** A piece to write must be in range and exactly as long as the geometry says. */
export function checkPieceData(geometry: PieceGeometry, index: number, data: Uint8Array): void {
  checkPieceIndex(geometry, index);
  const expected = geometry.lengthOf(index);
  if (data.length !== expected) throw new Error(`piece ${index} has ${data.length} bytes, expected ${expected}`);
}
