import { expect } from 'chai';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { PieceGeometry } from '../../../core/protocol/geometry';
import { encodeHandshake } from '../../../core/protocol/handshake';
import { PeerProcess } from '../../helpers/peer-process';
import { ScriptedPeer } from '../../helpers/scripted-peer';
import { SwarmFixture } from '../../helpers/swarm-fixture';

/**
 * An attacker holding `count` connections to `port` at all times: half open
 * and silent, half sending a real neighbour's handshake one byte a second.
 * Each connection the peer closes is replaced after a short pause.
 */
class SlowLoris {
  private stopped = false;
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  opened = 0;
  /** How long the peer let each connection live, ms. */
  readonly lifetimes: number[] = [];

  constructor(private readonly port: number, count: number, private readonly asId: number) {
    for (let i = 0; i < count; i++) this.open(i % 2 === 0);
  }

  private open(dribble: boolean): void {
    if (this.stopped) return;
    const socket = net.connect(this.port, '127.0.0.1');
    const openedAt = Date.now();
    this.opened++;
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    const bytes = encodeHandshake(this.asId);
    let sent = 0;
    const drip = dribble ? setInterval(() => sent < bytes.length - 1 && socket.write(bytes.subarray(sent, ++sent)), 1000) : undefined;
    socket.once('close', () => {
      clearInterval(drip);
      this.sockets.delete(socket);
      if (this.stopped) return;
      this.lifetimes.push(Date.now() - openedAt);
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.open(dribble);
      }, 200);
      this.timers.add(t);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
  }
}

describe('fault: half-open connections and handshakes sent a byte a second', function () {
  this.timeout(60000);
  let fx: SwarmFixture;
  let peers: PeerProcess[] = [];
  let loris: SlowLoris | undefined;
  afterEach(async () => {
    loris?.stop();
    await Promise.all(peers.map((p) => p.stop('SIGKILL')));
    peers = [];
    fx?.cleanup();
  });

  it('a handshake timeout frees each slot, and a hundred of them do not stop the swarm', async () => {
    fx = await SwarmFixture.onFreePorts({ peers: 3, fileSize: 300_000, pieceSize: 1000, preferred: 2 });
    const { ports } = fx;
    const timeout = ['--handshake-timeout', '1'];
    const seeder = new PeerProcess(1001, fx.dir, timeout);
    peers = [seeder];
    // Once the seeder listens, hold a hundred stalled connections to it, posing as 1002.
    (await ScriptedPeer.connect(ports[0]!, new PieceGeometry(300_000, 1000))).destroy();
    loris = new SlowLoris(ports[0]!, 100, 1002);
    await new Promise((r) => setTimeout(r, 1500));
    const started = Date.now();
    peers.push(new PeerProcess(1002, fx.dir, timeout), new PeerProcess(1003, fx.dir, timeout));
    for (const p of peers) {
      const exit = await p.waitExit(30000);
      expect(exit.code, `peer ${p.id} exit; stderr:\n${p.stderr.slice(-3000)}`).to.equal(0);
    }
    const swarmSeconds = (Date.now() - started) / 1000;
    loris.stop();
    for (const id of [1002, 1003]) expect(fs.readFileSync(fx.fileOf(id)).equals(fx.content), `peer ${id} copy`).to.equal(true);
    // Every stalled connection was closed by the peer's handshake timeout, and reported once.
    const timedOut = seeder.stderr.split('\n').filter((l) => /^peer 1001: rejected a connection: no handshake within 1000 ms$/.test(l)).length;
    expect(timedOut, seeder.stderr.slice(-2000)).to.be.at.least(100);
    expect(loris.lifetimes.length).to.be.at.least(100);
    expect(Math.max(...loris.lifetimes), 'longest life of a stalled connection, ms').to.be.below(4000); // the default handshake timeout would be 10 s
    if (process.env.FAULTS_REPORT) {
      process.stdout.write(
        `      ${loris.opened} stalled connections (100 at a time): ${timedOut} closed by the handshake timeout; the swarm completed in ${swarmSeconds.toFixed(1)} s\n`,
      );
    }
  });
});
