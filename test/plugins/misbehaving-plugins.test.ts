import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SwarmEvent } from '../../core/events';
import { PACKAGE_ROOT } from '../../core/paths';
import { PluginSelection } from '../../app/compose/compose-peer';
import { freePorts } from '../helpers/ports';
import { PeerTuning, RunningPeer, SwarmFixture } from '../helpers/swarm-fixture';

const FILE_STORE = JSON.stringify(path.join(PACKAGE_ROOT, 'dist', 'plugins', 'storage', 'file.js'));
const CLASSIC_CHOKE = JSON.stringify(path.join(PACKAGE_ROOT, 'dist', 'plugins', 'choke', 'classic.js'));
const RXJS = JSON.stringify(path.join(PACKAGE_ROOT, 'node_modules', 'rxjs'));

/** Plugins written the way a user would, as plain .js files loaded by path, each broken in one way. */
const BAD_PLUGINS: Record<string, string> = {
  'throwing-selector.js': `module.exports = { kind: 'strategy', name: 'throwing', description: 'throws', create: () => ({ select() { throw new Error('selector exploded'); } }) };`,
  'owned-piece-selector.js': `module.exports = { kind: 'strategy', name: 'owned', description: 'always piece 0', create: () => ({ select: () => 0 }) };`,
  'unoffered-piece-selector.js': `module.exports = { kind: 'strategy', name: 'unoffered', description: 'a piece nobody has', create: () => ({ select: () => 99999 }) };`,
  'async-selector.js': `module.exports = { kind: 'strategy', name: 'async', description: 'answers with a promise', create: () => ({ select: async (v) => v.candidates[0] }) };`,
  'throwing-choke.js': `module.exports = { kind: 'choke', name: 'throwing', description: 'throws', create: () => ({ choosePreferred() { throw new Error('policy exploded'); }, chooseOptimistic() { throw new Error('policy exploded'); } }) };`,
  'stranger-choke.js': `const classic = require(${CLASSIC_CHOKE}).default;
module.exports = { kind: 'choke', name: 'stranger', description: 'prefers a neighbour that does not exist', create: (ctx) => { const c = classic.create(ctx); return { choosePreferred: () => [4242], chooseOptimistic: (v) => c.chooseOptimistic(v) }; } };`,
  'silent-store.js': `const file = require(${FILE_STORE}).default;
module.exports = { kind: 'storage', name: 'silent', description: 'write() never answers', create: (ctx) => { const s = file.create(ctx); return { open: () => s.open(), read: (i) => s.read(i), write: () => new Promise(() => {}), complete: () => s.complete(), close: () => s.close() }; } };`,
  'unopenable-store.js': `module.exports = { kind: 'storage', name: 'unopenable', description: 'open() never answers', create: () => ({ open: () => new Promise(() => {}), read: () => new Promise(() => {}), write: () => new Promise(() => {}), complete: () => new Promise(() => {}), close: () => new Promise(() => {}) }) };`,
  'throwing-meter.js': `module.exports = { kind: 'rate-meter', name: 'throwing', description: 'throws and measures nonsense', create: () => ({ record() { throw new Error('meter exploded'); }, rate: () => NaN, intervalEnded() { throw new Error('meter exploded at the interval'); }, forget() {} }) };`,
  'bad-limiter.js': `module.exports = { kind: 'rate-limiter', name: 'bad', description: 'throws, or asks for a negative wait, in turns', create: () => { let calls = 0; return { reserve: () => { if (calls++ % 2 === 0) throw new Error('limiter exploded'); return -1; } }; } };`,
  'throwing-logger.js': `const { filter } = require(${RXJS});
module.exports = { kind: 'logger', name: 'throwing', description: 'throws on every piece, its flush never answers', create: () => ({ attach: (events$) => { events$.pipe(filter((e) => e.kind === 'piece-downloaded')).subscribe(() => { throw new Error('logger exploded'); }); events$.subscribe({ next: (e) => { if (e.kind === 'plugin-error') throw new Error('and again'); } }); }, flush: () => new Promise(() => {}) }) };`,
  'flaky-store.js': `const file = require(${FILE_STORE}).default;
module.exports = { kind: 'storage', name: 'flaky', description: 'the first write fails', create: (ctx) => { const s = file.create(ctx); let failed = false; return { open: () => s.open(), read: (i) => s.read(i), write: (i, d) => { if (!failed) { failed = true; return Promise.reject(new Error('disk hiccup')); } return s.write(i, d); }, complete: () => s.complete(), close: () => s.close() }; } };`,
};

describe('misbehaving plugins are contained', function () {
  this.timeout(20000);
  let pluginDir: string;
  let fx: SwarmFixture | undefined;
  let peers: RunningPeer[] = [];

  before(() => {
    pluginDir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-badplugins-'));
    for (const [file, code] of Object.entries(BAD_PLUGINS)) fs.writeFileSync(path.join(pluginDir, file), code);
  });
  after(() => fs.rmSync(pluginDir, { recursive: true, force: true }));
  afterEach(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    peers = [];
    fx?.cleanup();
    fx = undefined;
  });

  const plugin = (file: string): string => path.join(pluginDir, file);

  /** A 3-peer swarm in this process: 1001 seeds, 1002 runs `bad`, 1003 is ordinary. */
  async function swarm(bad: Partial<PluginSelection>, badPeer = 1002, tuning: PeerTuning = {}): Promise<SwarmFixture> {
    const ports = await freePorts(3);
    fx = new SwarmFixture({
      peers: [
        { id: 1001, port: ports[0]!, hasFile: true },
        { id: 1002, port: ports[1]!, hasFile: false },
        { id: 1003, port: ports[2]!, hasFile: false },
      ],
      fileSize: 20 * 500 - 123,
      pieceSize: 500,
      preferred: 1,
      unchokingInterval: 0.1,
      optimisticInterval: 0.2,
    });
    const f = fx;
    peers = f.options.peers.map((p) => f.startPeer(p.id, p.id === badPeer ? bad : {}, p.id === badPeer ? tuning : {}));
    return f;
  }

  async function expectCompleteAndIdentical(f: SwarmFixture): Promise<void> {
    await Promise.all(peers.map((p) => p.done));
    for (const id of [1002, 1003]) expect(fs.readFileSync(f.fileOf(id)).equals(f.content), `peer ${id} copy`).to.equal(true);
  }

  function pluginErrors(p: RunningPeer): Array<Extract<SwarmEvent, { kind: 'plugin-error' }>> {
    return p.of('plugin-error');
  }

  const selectorCases: Array<[string, string, RegExp]> = [
    ['throws', 'throwing-selector.js', /select\(\) threw: selector exploded/],
    ['picks a piece we already have', 'owned-piece-selector.js', /chose piece 0, which is not among the \d+ legal choices/],
    ['picks a piece nobody offers', 'unoffered-piece-selector.js', /chose piece 99999, which is not among/],
    ['answers with a Promise', 'async-selector.js', /returned a Promise; it must answer synchronously/],
  ];
  for (const [what, file, message] of selectorCases) {
    it(`a piece selector that ${what}: reported by name, the download completes intact`, async () => {
      const f = await swarm({ strategy: plugin(file) });
      await expectCompleteAndIdentical(f);
      const errors = pluginErrors(peers[1]!);
      expect(errors.length).to.be.greaterThan(0);
      expect(errors[0]!.plugin).to.equal(`strategy "${plugin(file)}"`);
      expect(errors.map((e) => e.message).join('\n')).to.match(message);
    });
  }

  it('a choke policy that throws: reported by name, the seeder falls back and the swarm completes', async () => {
    const f = await swarm({ choke: plugin('throwing-choke.js') }, 1001);
    await expectCompleteAndIdentical(f);
    const errors = pluginErrors(peers[0]!);
    expect(errors[0]!.plugin).to.equal(`choke "${plugin('throwing-choke.js')}"`);
    expect(errors.map((e) => e.message).join('\n')).to.match(/choosePreferred\(\) threw: policy exploded/);
  });

  it('a choke policy that names an unknown neighbour: reported, ignored, the swarm completes', async () => {
    const f = await swarm({ choke: plugin('stranger-choke.js') }, 1001);
    await expectCompleteAndIdentical(f);
    expect(pluginErrors(peers[0]!).map((e) => e.message).join('\n')).to.match(/chose 4242, which is not a connected, interested neighbour/);
  });

  it('a store that never answers: the peer stops cleanly with an error naming the plugin, no file under the final name', async () => {
    const f = await swarm({ storage: plugin('silent-store.js') }, 1002, { storeTimeoutMs: 300 });
    let failure: unknown;
    await peers[1]!.done.catch((err: unknown) => (failure = err));
    expect(String(failure)).to.match(new RegExp(`storage "${plugin('silent-store.js').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}": write\\(\\d+\\) did not answer within 300 ms`));
    expect(fs.existsSync(f.fileOf(1002))).to.equal(false);
    // The others carry on: 1003 still gets the whole file.
    await peers[2]!.waitFor((e) => e.kind === 'file-complete', 10000);
    expect(fs.readFileSync(f.fileOf(1003)).equals(f.content)).to.equal(true);
  });

  it('a store whose open() never answers: the peer gives up with an error naming the plugin', async () => {
    await swarm({ storage: plugin('unopenable-store.js') }, 1002, { storeTimeoutMs: 200 });
    let failure: unknown;
    await peers[1]!.done.catch((err: unknown) => (failure = err));
    expect(String(failure)).to.match(/storage ".*unopenable-store\.js": open\(\) did not answer within \d+ ms/);
  });

  it('a store whose write fails once: the error is reported, the piece is fetched again, the file is intact', async () => {
    const f = await swarm({ storage: plugin('flaky-store.js') });
    await expectCompleteAndIdentical(f);
    expect(peers[1]!.of('error').map((e) => e.message).join('\n')).to.match(/cannot store piece \d+: disk hiccup/);
  });

  it('a rate meter that throws and measures NaN: reported by name, ranked as 0, the swarm completes', async () => {
    const f = await swarm({ rateMeter: plugin('throwing-meter.js') }, 1001);
    await expectCompleteAndIdentical(f);
    const errors = pluginErrors(peers[0]!);
    expect(errors[0]!.plugin).to.equal(`rate-meter "${plugin('throwing-meter.js')}"`);
    const messages = errors.map((e) => e.message).join('\n');
    expect(messages).to.match(/record\(\) threw: meter exploded/);
    expect(messages).to.match(/rate\(\) returned NaN, not a number of bytes per second >= 0/);
  });

  it('a rate limiter that throws or asks for a negative wait: reported by name, traffic moves unshaped, the swarm completes', async () => {
    const f = await swarm({ rateLimiter: plugin('bad-limiter.js') });
    await expectCompleteAndIdentical(f);
    const errors = pluginErrors(peers[1]!);
    expect(errors[0]!.plugin).to.equal(`rate-limiter "${plugin('bad-limiter.js')}"`);
    const messages = errors.map((e) => e.message).join('\n');
    expect(messages).to.match(/reserve\(\) threw: limiter exploded/);
    expect(messages).to.match(/reserve\(\) returned -1, not a wait in ms >= 0/);
  });

  it('a logger that throws (also through pipe()) and never flushes: reported a bounded number of times, the peer completes and stops', async () => {
    const f = await swarm({ loggers: [plugin('throwing-logger.js')] }, 1002, { storeTimeoutMs: 300 });
    await expectCompleteAndIdentical(f);
    const errors = pluginErrors(peers[1]!);
    expect(errors[0]!.plugin).to.equal(`logger "${plugin('throwing-logger.js')}"`);
    expect(errors[0]!.message).to.equal('threw on an event: logger exploded');
    expect(errors.length).to.equal(10);
    expect(errors[9]!.message).to.match(/\(further errors from it are not reported\)$/);
    const started = Date.now();
    await peers[1]!.composed.loggers[0]!.flush();
    expect(Date.now() - started).to.be.lessThan(5000);
  });
});
