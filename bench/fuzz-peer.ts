#!/usr/bin/env node
import 'reflect-metadata';
import * as net from 'node:net';
import { Command, CommanderError } from 'commander';
import { wholeNumber } from '../app/cli-options';
import { Bitfield } from '../core/bitfield';
import { PieceGeometry } from '../core/protocol/geometry';
import { encodeHandshake } from '../core/protocol/handshake';
import { MessageType, msg } from '../core/protocol/messages';
import { SeededRandom } from '../core/util/random';
import { PeerProcess } from '../test/helpers/peer-process';
import { freePorts } from '../test/helpers/ports';
import { ScriptedPeer } from '../test/helpers/scripted-peer';
import { SwarmFixture } from '../test/helpers/swarm-fixture';
import { FRAME_KINDS, FrameKind, HostileFrames } from './fuzz/hostile-frames';

export interface FuzzOptions {
  /** Frames to send in all (a flood of n requests counts n). */
  readonly frames: number;
  /** Hostile neighbours connected at the same time, each with its own id of the peer file. */
  readonly connections: number;
  readonly seed: number;
  /** Logger plugin(s) of the peer under test. */
  readonly logger: string;
  readonly progress?: (line: string) => void;
}

export interface FuzzFigures {
  readonly framesSent: number;
  readonly byKind: Readonly<Record<FrameKind, number>>;
  readonly connections: number;
  /** Connections that opened with a bad handshake (all must be refused). */
  readonly badHandshakes: number;
  readonly badHandshakesAccepted: number;
  /** Connections with a good handshake the peer refused (e.g. the id was still connected). */
  readonly refused: number;
  readonly crashes: number;
  /** stderr lines of the peer that report an exception in its own code rather than bad input. */
  readonly internalErrors: readonly string[];
  readonly protocolViolationsReported: number;
  readonly rssBeforeKiB: number;
  readonly rssMaxKiB: number;
  /** The highest RSS while each quarter of the frames was sent: growth that goes on to the end would be a leak. */
  readonly rssMaxByQuarterKiB: readonly number[];
  readonly rssAfterKiB: number;
  /** The well-behaved neighbour's check afterwards. */
  readonly piecesHeld: number;
  readonly piecesChecked: number;
  readonly piecesWrong: number;
  readonly seconds: number;
}

/**
 * Bounded memory: the RSS grows while the heap settles at its working size under this
 * allocation rate (measured: +60 MiB by 500,000 frames, then flat to 3,000,000), and never
 * by more than this.
 */
export const RSS_GROWTH_LIMIT_KIB = 128 * 1024;

const FILE_SIZE = 100_007; // 101 pieces, the last one short
const PIECE_SIZE = 1000;
/** Lines a peer writes for its own failures (the engine's catch-all, an uncaught exception), never for bad input. */
const INTERNAL_ERROR = /while handling|internal error|Uncaught|TypeError|RangeError|ReferenceError|at .*\.js:\d+/;

/**
 * Feeds a live peer process hostile frames over loopback from many
 * connections, watching that it neither crashes nor grows, then checks that it
 * still serves a well-behaved neighbour the right bytes.
 *
 * The peer under test (1002) is a leecher first primed with every other piece
 * by a scripted seeder (1001), so requests hit pieces it has and pieces it
 * lacks. Hostile neighbours use the ids after it; the last id is kept for the
 * well-behaved neighbour, which never claims a piece, so the swarm can never
 * complete and the peer stays up for the whole run.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzFigures> {
  const started = Date.now();
  const geometry = new PieceGeometry(FILE_SIZE, PIECE_SIZE);
  const ports = await freePorts(options.connections + 3);
  const ids = ports.map((_, i) => 1001 + i);
  const [primerId, targetId] = [ids[0]!, ids[1]!];
  const fuzzIds = ids.slice(2, -1);
  const goodId = ids[ids.length - 1]!;
  const fx = new SwarmFixture({
    peers: ids.map((id, i) => ({ id, port: ports[i]!, hasFile: id === primerId })),
    fileSize: FILE_SIZE,
    pieceSize: PIECE_SIZE,
    preferred: 3,
    unchokingInterval: 0.2,
    optimisticInterval: 0.5,
  });
  const internalErrors: string[] = [];
  let violations = 0;
  const target = new PeerProcess(targetId, fx.dir, ['--logger', options.logger], {
    stderrLimit: 20_000,
    onLine: (line) => {
      if (INTERNAL_ERROR.test(line)) internalErrors.push(line);
      if (/closed the connection to \d+:/.test(line)) violations++;
    },
  });
  const primerListener = ScriptedPeer.listen(ports[0]!, geometry);
  let primer: ScriptedPeer | undefined;
  let rssTimer: NodeJS.Timeout | undefined;
  try {
    const primed = Array.from({ length: geometry.numPieces }, (_, i) => i).filter((i) => i % 2 === 0);
    primer = await prime(primerListener.accepted, primerId, primed, fx, geometry);
    const rssBeforeKiB = target.rssKiB();
    const rssMax = [rssBeforeKiB, rssBeforeKiB, rssBeforeKiB, rssBeforeKiB];
    let framesSent = (): number => 0;
    rssTimer = setInterval(() => {
      if (!target.running) return;
      const quarter = Math.min(3, Math.floor((4 * framesSent()) / options.frames));
      rssMax[quarter] = Math.max(rssMax[quarter]!, target.rssKiB());
    }, 250);

    const random = new SeededRandom(options.seed);
    const frames = new HostileFrames(geometry, random, (i) => fx.piece(i));
    const tally = {
      framesSent: 0,
      byKind: Object.fromEntries(FRAME_KINDS.map((k) => [k, 0])) as Record<FrameKind, number>,
      connections: 0,
      badHandshakes: 0,
      badHandshakesAccepted: 0,
      refused: 0,
    };
    framesSent = () => tally.framesSent;
    let crashed = false;
    void target.exited.then(() => (crashed = true));
    let lastReport = Date.now();
    const worker = async (id: number): Promise<void> => {
      while (tally.framesSent < options.frames && !crashed) {
        await hostileSession(id, ports[1]!, targetId, frames, random, tally, options.frames);
        if (options.progress && Date.now() - lastReport > 5000) {
          lastReport = Date.now();
          options.progress(`${tally.framesSent} frames, ${tally.connections} connections, peer RSS ${(target.rssKiB() / 1024).toFixed(1)} MiB`);
        }
      }
    };
    await Promise.all(fuzzIds.map((id) => worker(id)));
    // Let the peer finish with what it read before measuring it.
    await new Promise((r) => setTimeout(r, 1000));
    clearInterval(rssTimer);
    const crashes = target.running ? 0 : 1;
    const rssAfterKiB = target.running ? target.rssKiB() : 0;
    const check = target.running ? await checkServes(ports[1]!, goodId, geometry, fx) : { held: 0, checked: 0, wrong: 0, heldSet: new Set<number>() };
    // Every piece it downloaded before the fuzzing must still be there.
    const missingPrimed = primed.filter((i) => !check.heldSet.has(i)).length;
    return {
      ...tally,
      crashes,
      internalErrors,
      protocolViolationsReported: violations,
      rssBeforeKiB,
      rssMaxKiB: Math.max(...rssMax),
      rssMaxByQuarterKiB: rssMax,
      rssAfterKiB,
      piecesHeld: check.held,
      piecesChecked: check.checked,
      piecesWrong: check.wrong + missingPrimed,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    clearInterval(rssTimer);
    primer?.destroy();
    await primerListener.close();
    await target.stop();
    fx.cleanup();
  }
}

/** Plays the seeder 1001 for a while: the peer under test downloads `pieces` from it. */
async function prime(accepted: Promise<ScriptedPeer>, primerId: number, pieces: number[], fx: SwarmFixture, geometry: PieceGeometry): Promise<ScriptedPeer> {
  const primer = await accepted;
  await primer.handshake(10_000);
  primer.sendHandshake(primerId);
  const bits = new Bitfield(geometry.numPieces);
  for (const i of pieces) bits.set(i);
  primer.send(msg.bitfield(bits.toBytes()));
  await primer.nextOfType(MessageType.Interested, 10_000);
  primer.send(msg.unchoke());
  const haves = new Set<number>();
  while (haves.size < pieces.length) {
    const m = await primer.next(10_000);
    if (m.type === MessageType.Request) primer.send(msg.piece(m.index, fx.piece(m.index)));
    if (m.type === MessageType.Have) haves.add(m.index);
  }
  primer.send(msg.choke());
  return primer;
}

interface Tally {
  framesSent: number;
  byKind: Record<FrameKind, number>;
  connections: number;
  badHandshakes: number;
  badHandshakesAccepted: number;
  refused: number;
}

/** One connection as a hostile neighbour: handshake, frames until one breaks the protocol, then close. */
async function hostileSession(id: number, port: number, targetId: number, frames: HostileFrames, random: SeededRandom, tally: Tally, limit: number): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let received = 0;
  let closed = false;
  const closedP = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void closedP.then(() => (closed = true));
  socket.on('error', () => undefined);
  // Whatever the peer sends (its handshake, bitfield, pieces) is read and dropped, so it is never held up by us.
  socket.on('data', (chunk: Buffer) => (received += chunk.length));
  const connected = await Promise.race([new Promise<boolean>((r) => socket.once('connect', () => r(true))), closedP.then(() => false)]);
  if (!connected) return;
  tally.connections++;
  const waitUntil = async (cond: () => boolean, ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    return cond();
  };
  if (random.next() < 0.01) {
    tally.badHandshakes++;
    socket.end(frames.badHandshake(targetId, 9999));
    await waitUntil(() => closed, 5000);
    // The peer sends its 32-byte handshake first; anything after it would mean it accepted ours.
    if (received > 32) tally.badHandshakesAccepted++;
    socket.destroy();
    return;
  }
  socket.write(encodeHandshake(id));
  // Accepted once the peer sends more than its handshake: it always sends its bitfield next.
  if (!(await waitUntil(() => received > 32 || closed, 5000)) || closed) {
    tally.refused++;
    socket.destroy();
    return;
  }
  for (;;) {
    const parts: Buffer[] = [];
    let count = 0;
    let last = false;
    while (count < 64 && !last && tally.framesSent + count < limit) {
      const f = frames.next();
      parts.push(f.bytes);
      const n = HostileFrames.framesIn(f);
      tally.byKind[f.kind] += n;
      count += n;
      last = f.last;
    }
    if (closed) break;
    const flushed = socket.write(Buffer.concat(parts));
    tally.framesSent += count;
    if (last || tally.framesSent >= limit) break;
    if (!flushed) await Promise.race([new Promise((r) => socket.once('drain', r)), closedP]);
    else await new Promise((r) => setImmediate(r));
  }
  socket.end();
  await waitUntil(() => closed, 5000);
  socket.destroy();
}

/** A well-behaved neighbour asks for every piece the peer says it has and compares the bytes. */
async function checkServes(port: number, id: number, geometry: PieceGeometry, fx: SwarmFixture): Promise<{ held: number; checked: number; wrong: number; heldSet: Set<number> }> {
  const good = await ScriptedPeer.connect(port, geometry);
  try {
    good.sendHandshake(id);
    await good.handshake(10_000);
    const { message: bitfield } = await good.nextOfType(MessageType.Bitfield, 10_000);
    const held = new Bitfield(geometry.numPieces, bitfield.bits);
    const heldSet = new Set(held.indices());
    good.send(msg.interested());
    let unchoked = false;
    let checked = 0;
    let wrong = 0;
    for (const index of heldSet) {
      for (;;) {
        while (!unchoked) {
          const m = await good.next(15_000);
          if (m.type === MessageType.Unchoke) unchoked = true;
        }
        good.send(msg.request(index));
        const m = await waitForPieceOrChoke(good, index);
        if (m === 'choked') {
          unchoked = false;
          continue;
        }
        checked++;
        if (!Buffer.from(m).equals(fx.piece(index))) wrong++;
        break;
      }
    }
    return { held: heldSet.size, checked, wrong, heldSet };
  } finally {
    good.destroy();
  }
}

async function waitForPieceOrChoke(good: ScriptedPeer, index: number): Promise<Uint8Array | 'choked'> {
  for (;;) {
    const m = await good.next(15_000);
    if (m.type === MessageType.Choke) return 'choked';
    if (m.type === MessageType.Piece && m.index === index) return m.data;
  }
}

export function describeFuzz(f: FuzzFigures): string[] {
  const mib = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;
  const kinds = FRAME_KINDS.map((k) => `${k} ${f.byKind[k]}`).join(', ');
  return [
    `frames sent        ${f.framesSent} (${kinds})`,
    `connections        ${f.connections} (bad handshakes ${f.badHandshakes}, accepted ${f.badHandshakesAccepted}; good handshakes refused ${f.refused})`,
    `violations logged  ${f.protocolViolationsReported}`,
    `crashes            ${f.crashes}`,
    `internal errors    ${f.internalErrors.length}${f.internalErrors.length > 0 ? `: ${f.internalErrors.slice(0, 3).join(' | ')}` : ''}`,
    `peer RSS           before ${mib(f.rssBeforeKiB)}, max ${mib(f.rssMaxKiB)}, after ${mib(f.rssAfterKiB)} (limit: before + ${mib(RSS_GROWTH_LIMIT_KIB)})`,
    `                   max by quarter of the frames: ${f.rssMaxByQuarterKiB.map(mib).join(', ')}`,
    `well-behaved check ${f.piecesChecked} of ${f.piecesHeld} pieces held served, ${f.piecesWrong} wrong or missing`,
    `time               ${f.seconds.toFixed(1)} s`,
  ];
}

/** Whether the run passed: no crash, no internal error, bounded memory, and the right bytes afterwards. */
export function fuzzPassed(f: FuzzFigures): boolean {
  return (
    f.crashes === 0 &&
    f.internalErrors.length === 0 &&
    f.badHandshakesAccepted === 0 &&
    f.rssMaxKiB <= f.rssBeforeKiB + RSS_GROWTH_LIMIT_KIB &&
    f.piecesHeld > 0 &&
    f.piecesChecked === f.piecesHeld &&
    f.piecesWrong === 0
  );
}

async function main(): Promise<void> {
  const program = new Command('fuzz')
    .description('feed a live peer process random and mutated frames over loopback, then check it still serves the right bytes')
    .option('--frames <n>', 'frames to send in all', wholeNumber('--frames', 1), 100_000)
    .option('--connections <n>', 'hostile neighbours connected at once', wholeNumber('--connections', 1), 8)
    .option('--seed <n>', 'seed of the frame generator', wholeNumber('--seed', 0), 1)
    .option('--logger <names>', 'logger plugin(s) of the peer under test', 'classic')
    .exitOverride();
  let opts: { frames: number; connections: number; seed: number; logger: string };
  try {
    opts = program.parse(process.argv).opts();
  } catch (err) {
    process.exitCode = err instanceof CommanderError && err.exitCode === 0 ? 0 : 2;
    return;
  }
  const figures = await runFuzz({ ...opts, progress: (line) => process.stderr.write(`${line}\n`) });
  for (const line of describeFuzz(figures)) process.stdout.write(`${line}\n`);
  const ok = fuzzPassed(figures);
  process.stdout.write(`result             ${ok ? 'OK' : 'FAILED'}\n`);
  process.exitCode = ok ? 0 : 1;
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`fuzz: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
