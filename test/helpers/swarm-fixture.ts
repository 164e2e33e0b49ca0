import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SwarmEvent } from '../../core/events';
import { DEFAULT_MANIFEST } from '../../core/paths';
import { readManifest } from '../../core/plugin/plugin-registry';
import { composePeer, ComposedPeer, PeerOptions, PluginSelection } from '../../app/compose/compose-peer';
import { PieceGeometry } from '../../core/protocol/geometry';
import { freePorts } from './ports';

export interface FixturePeer {
  readonly id: number;
  readonly port: number;
  readonly hasFile: boolean;
}

export interface FixtureOptions {
  readonly peers: readonly FixturePeer[];
  readonly fileSize: number;
  readonly pieceSize: number;
  readonly preferred?: number;
  readonly unchokingInterval?: number;
  readonly optimisticInterval?: number;
}

/** What `SwarmFixture.onFreePorts` needs: how many peers (ids 1001, 1002, ...) and the file; short choking intervals by default. */
export interface LocalSwarmShape {
  readonly peers: number;
  /** The first `seeders` peers have the file. Default 1. */
  readonly seeders?: number;
  readonly fileSize: number;
  readonly pieceSize: number;
  readonly preferred?: number;
  /** Seconds; default 0.2 (a test swarm rechokes often). */
  readonly unchokingInterval?: number;
  /** Seconds; default 0.4. */
  readonly optimisticInterval?: number;
}

/** A temp folder with common.cfg, peer_info.cfg and a random file for every seeder. */
export class SwarmFixture {
  /**
   * A swarm of separate peers on free loopback ports: peer 1001 + i listens on
   * `ports[i]`, the first `seeders` have the file.
   */
  static async onFreePorts(shape: LocalSwarmShape): Promise<SwarmFixture> {
    const ports = await freePorts(shape.peers);
    const seeders = shape.seeders ?? 1;
    return new SwarmFixture({
      peers: ports.map((port, i) => ({ id: 1001 + i, port, hasFile: i < seeders })),
      fileSize: shape.fileSize,
      pieceSize: shape.pieceSize,
      preferred: shape.preferred,
      unchokingInterval: shape.unchokingInterval ?? 0.2,
      optimisticInterval: shape.optimisticInterval ?? 0.4,
    });
  }

  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-'));
  readonly content: Buffer;

  constructor(readonly options: FixtureOptions) {
    const { peers, fileSize, pieceSize } = options;
    fs.writeFileSync(
      path.join(this.dir, 'common.cfg'),
      [
        `NumberOfPreferredNeighbors ${options.preferred ?? 3}`,
        `UnchokingInterval ${options.unchokingInterval ?? 5}`,
        `OptimisticUnchokingInterval ${options.optimisticInterval ?? 10}`,
        'FileName TheFile.dat',
        `FileSize ${fileSize}`,
        `PieceSize ${pieceSize}`,
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(this.dir, 'peer_info.cfg'), peers.map((p) => `${p.id} 127.0.0.1 ${p.port} ${p.hasFile ? 1 : 0}`).join('\n') + '\n');
    this.content = Buffer.alloc(fileSize);
    for (let i = 0; i < fileSize; i++) this.content[i] = (i * 31 + (i >> 8) * 7) & 0xff;
    for (const p of peers.filter((x) => x.hasFile)) {
      fs.mkdirSync(path.join(this.dir, `peer_${p.id}`), { recursive: true });
      fs.writeFileSync(this.fileOf(p.id), this.content);
    }
  }

  /** The listening port of each peer, in the order of the peer file. */
  get ports(): number[] {
    return this.options.peers.map((p) => p.port);
  }

  get geometry(): PieceGeometry {
    return new PieceGeometry(this.options.fileSize, this.options.pieceSize);
  }

  fileOf(id: number): string {
    return path.join(this.dir, `peer_${id}`, 'TheFile.dat');
  }

  piece(index: number): Buffer {
    const { pieceSize, fileSize } = this.options;
    return this.content.subarray(index * pieceSize, Math.min(fileSize, (index + 1) * pieceSize));
  }

  /** Composes a peer in this process (silent logger unless told otherwise) and records its events. */
  startPeer(id: number, selection: Partial<PluginSelection> = {}, options: PeerTuning = {}): RunningPeer {
    const composed = composePeer({
      id,
      configDir: this.dir,
      dataDir: this.dir,
      logDir: this.dir,
      manifest: readManifest(DEFAULT_MANIFEST),
      selection: { loggers: ['silent'], ...selection },
      pipeline: options.pipeline ?? 1,
      endgame: options.endgame,
      storeTimeoutMs: options.storeTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs,
      register: options.register,
      verbose: false,
      listenHost: '127.0.0.1',
      seed: 7 + id,
    });
    return new RunningPeer(composed);
  }

  /** Starts every peer of the fixture in this process; resolves when all have finished. */
  startAll(selection: (id: number) => Partial<PluginSelection> = () => ({}), options: (id: number) => PeerTuning = () => ({})): RunningPeer[] {
    return this.options.peers.map((p) => this.startPeer(p.id, selection(p.id), options(p.id)));
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface PeerTuning {
  readonly pipeline?: number;
  readonly endgame?: boolean;
  readonly storeTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Replaces providers in the peer's container (e.g. TOKENS.Storage with a store of the test's own). */
  readonly register?: PeerOptions['register'];
}

export class RunningPeer {
  readonly events: SwarmEvent[] = [];
  readonly done: Promise<void>;
  settled = false;

  constructor(readonly composed: ComposedPeer) {
    composed.events.events$.subscribe((e) => this.events.push(e));
    this.done = composed.engine.run().finally(() => {
      this.settled = true;
    });
    this.done.catch(() => undefined);
  }

  of<K extends SwarmEvent['kind']>(kind: K): Array<Extract<SwarmEvent, { kind: K }>> {
    return this.events.filter((e): e is Extract<SwarmEvent, { kind: K }> => e.kind === kind);
  }

  /** Waits until an event matching `pred` has been emitted. */
  async waitFor(pred: (e: SwarmEvent) => boolean, timeoutMs = 5000): Promise<SwarmEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`event not seen within ${timeoutMs} ms; saw: ${this.events.map((e) => e.kind).join(', ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(): Promise<void> {
    await this.composed.engine.abort('test over').catch(() => undefined);
    await this.done.catch(() => undefined);
    await Promise.all(this.composed.loggers.map((l) => l.flush()));
  }
}
