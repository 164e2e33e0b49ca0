import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runLocalSwarm } from '../../../app/swarm/local-swarm';
import { freePorts } from '../../helpers/ports';
import { jsonlRuns } from '../../helpers/processes';

const IDS = [1001, 1002, 1003, 1004];
/** The last peer's process starts this much later (its launcher sleeps first): a slow start-up. */
const LATE_START_S = 1;

/** When each peer opened its store, and when the first connection of the whole swarm was made (ms since the epoch). */
function timeline(dir: string): { storeOpened: Map<number, number>; firstConnection: number } {
  const storeOpened = new Map<number, number>();
  let firstConnection = Infinity;
  for (const id of IDS) {
    const events = jsonlRuns(path.join(dir, `log_peer_${id}.jsonl`)).flat();
    const opened = events.find((e) => e.kind === 'store-opened');
    expect(opened, `peer ${id} logged store-opened`).to.not.equal(undefined);
    storeOpened.set(id, opened!.at as number);
    for (const e of events) if (e.kind === 'connected') firstConnection = Math.min(firstConnection, e.at as number);
  }
  return { storeOpened, firstConnection };
}

describe('peer swarm starts its peers together', function () {
  this.timeout(60000);
  let dir: string;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-together-'));
    const ports = await freePorts(IDS.length);
    fs.writeFileSync(path.join(dir, 'common.cfg'), 'NumberOfPreferredNeighbors 2\nUnchokingInterval 1\nOptimisticUnchokingInterval 2\nFileName TheFile.dat\nFileSize 200000\nPieceSize 16384\n');
    fs.writeFileSync(path.join(dir, 'peer_info.cfg'), IDS.map((id, i) => `${id} 127.0.0.1 ${ports[i]} ${i === 0 ? 1 : 0}`).join('\n') + '\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (startTogether: boolean): ReturnType<typeof runLocalSwarm> =>
    runLocalSwarm({
      configDir: dir,
      dir,
      peerArgs: ['--logger', 'classic,jsonl', '--listen-host', '127.0.0.1'],
      timeoutMs: 45000,
      makeFile: true,
      startTogether,
      launcher: (peer) => (peer.id === IDS[IDS.length - 1] ? ['sh', '-c', `sleep ${LATE_START_S}; exec "$@"`, 'sh'] : []),
    });

  it('nobody connects before every peer has opened its store, even one slow to start', async () => {
    const result = await run(true);
    expect(result.ok, result.peers.map((p) => p.stderr).join('\n')).to.equal(true);
    const { storeOpened, firstConnection } = timeline(dir);
    for (const [id, at] of storeOpened) expect(at, `peer ${id} opened its store before the first connection`).to.be.at.most(firstConnection);
  });

  it('without it, the others start swapping pieces while the slow one is still starting', async () => {
    const result = await run(false);
    expect(result.ok, result.peers.map((p) => p.stderr).join('\n')).to.equal(true);
    const { storeOpened, firstConnection } = timeline(dir);
    expect(storeOpened.get(IDS[IDS.length - 1]!)! - firstConnection).to.be.at.least(LATE_START_S * 1000 * 0.5);
  });
});
