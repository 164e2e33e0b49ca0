import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface SimConfigSpec {
  readonly ids: readonly number[];
  /** How many of `ids`, from the first, start with the whole file. */
  readonly seeders: number;
  readonly fileSize: number;
  readonly pieceSize: number;
  readonly preferredNeighbors: number;
  readonly unchokingIntervalS: number;
  readonly optimisticIntervalS: number;
}

/** The name every simulated peer's host gets in the generated peer file (never resolved: the network is simulated). */
export function simHost(id: number): string {
  return `peer${id}.sim`;
}

/**
 * Writes common.cfg and peer_info.cfg for a simulated swarm to a fresh temp
 * folder (composePeer reads a config folder) and returns it. Hosts are
 * `peer<id>.sim` on port 6881, so any number of peers gets unique endpoints.
 */
export function writeSimConfig(spec: SimConfigSpec): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-sim-'));
  const number = (x: number): string => {
    const text = String(x);
    if (!/^[0-9]*\.?[0-9]+$/.test(text)) throw new RangeError(`cannot write ${x} to common.cfg`);
    return text;
  };
  fs.writeFileSync(
    path.join(dir, 'common.cfg'),
    [
      `NumberOfPreferredNeighbors ${number(spec.preferredNeighbors)}`,
      `UnchokingInterval ${number(spec.unchokingIntervalS)}`,
      `OptimisticUnchokingInterval ${number(spec.optimisticIntervalS)}`,
      'FileName TheFile.dat',
      `FileSize ${number(spec.fileSize)}`,
      `PieceSize ${number(spec.pieceSize)}`,
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'peer_info.cfg'), spec.ids.map((id, i) => `${id} ${simHost(id)} 6881 ${i < spec.seeders ? 1 : 0}\n`).join(''));
  return dir;
}
