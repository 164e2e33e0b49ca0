import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PieceGeometry } from '../../protocol/geometry';
import { SeededRandom } from '../../util/random';
import { PluginContext, PluginDefinition, PluginKind } from '../contracts';

/**
 * A contract check: one behaviour every plugin of a kind must show. The same
 * checks run in our test suite against every plugin of the manifest and from
 * `peer plugins test ./my-plugin.js` against a plugin someone wrote. A check
 * throws (node:assert) when the plugin breaks the contract.
 */
export interface ContractCheck<K extends PluginKind> {
  readonly name: string;
  run(definition: PluginDefinition<K>, scratch: Scratch): Promise<void> | void;
}

/** A throw-away folder and plugin context for one check. */
export class Scratch {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-contract-'));
  /** 10 pieces: nine of 1000 bytes and a short last one of 537. */
  readonly geometry = new PieceGeometry(9537, 1000);
  readonly content: Buffer;

  constructor() {
    this.content = Buffer.alloc(this.geometry.fileSize);
    for (let i = 0; i < this.content.length; i++) this.content[i] = (i * 131 + 7) & 0xff;
  }

  /** A context for peer 2 (a leecher) or peer 1 (a seeder, whose file is written here). */
  context(opts: { seeder: boolean; seed?: number }): PluginContext {
    const peers = [
      { id: 1, host: '127.0.0.1', port: 1, hasFile: true },
      { id: 2, host: '127.0.0.1', port: 2, hasFile: false },
    ];
    const self = opts.seeder ? peers[0]! : peers[1]!;
    if (opts.seeder) {
      fs.mkdirSync(path.join(this.dir, 'peer_1'), { recursive: true });
      fs.writeFileSync(path.join(this.dir, 'peer_1', 'TheFile.dat'), this.content);
    }
    return {
      selfId: self.id,
      self,
      peers,
      common: {
        numberOfPreferredNeighbors: 2,
        unchokingInterval: 1,
        optimisticUnchokingInterval: 2,
        fileName: 'TheFile.dat',
        fileSize: this.geometry.fileSize,
        pieceSize: this.geometry.pieceSize,
        plugins: {},
      },
      geometry: this.geometry,
      random: new SeededRandom(opts.seed ?? 1),
      dataDir: this.dir,
      logDir: this.dir,
      commonFile: path.join(this.dir, 'common.cfg'),
      verbose: false,
    };
  }

  piece(index: number): Buffer {
    return this.content.subarray(this.geometry.offsetOf(index), this.geometry.offsetOf(index) + this.geometry.lengthOf(index));
  }

  finalFile(peerId: number): string {
    return path.join(this.dir, `peer_${peerId}`, 'TheFile.dat');
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface CheckResult {
  readonly name: string;
  readonly error?: Error;
}

/** Runs every check of a plugin's kind, each in its own scratch folder. */
export async function runChecks<K extends PluginKind>(definition: PluginDefinition<K>, checks: readonly ContractCheck<K>[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    const scratch = new Scratch();
    try {
      await check.run(definition, scratch);
      results.push({ name: check.name });
    } catch (err) {
      results.push({ name: check.name, error: err instanceof Error ? err : new Error(String(err)) });
    } finally {
      scratch.cleanup();
    }
  }
  return results;
}

export function isThenable(x: unknown): boolean {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}
