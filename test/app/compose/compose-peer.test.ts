import 'reflect-metadata';
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DependencyContainer, instanceCachingFactory } from 'tsyringe';
import { composePeer, PeerOptions } from '../../../app/compose/compose-peer';
import { DEFAULT_MANIFEST } from '../../../core/paths';
import { PluginContext, RateLimiter, Strategy, StrategyView } from '../../../core/plugin/contracts';
import { PluginGuard } from '../../../core/plugin/guard/plugin-guard';
import { loadPlugin, readManifest } from '../../../core/plugin/plugin-registry';
import { TOKENS } from '../../../core/plugin/tokens';
import { TcpTransport } from '../../../core/transport/tcp-transport';
import { FakeTransport } from '../../helpers/fake-link';
import { SwarmFixture } from '../../helpers/swarm-fixture';

describe('app/compose: the container assembles the peer, and any part can be replaced', () => {
  let fx: SwarmFixture;
  beforeEach(() => {
    fx = new SwarmFixture({ peers: [{ id: 1001, port: 1, hasFile: true }, { id: 1002, port: 2, hasFile: false }], fileSize: 4000, pieceSize: 1000 });
  });
  afterEach(() => fx.cleanup());

  const options = (register?: (c: DependencyContainer) => void, extra: Partial<PeerOptions> = {}): PeerOptions => ({
    id: 1002,
    configDir: fx.dir,
    dataDir: fx.dir,
    logDir: fx.dir,
    manifest: readManifest(DEFAULT_MANIFEST),
    selection: { loggers: ['silent'] },
    pipeline: 1,
    verbose: false,
    register,
    ...extra,
  });

  it('picks the defaults in app/: random strategy, classic choke, file storage, the TCP transport', () => {
    const { container, selection } = composePeer(options());
    expect(selection).to.include({ strategy: 'random', choke: 'classic', rateMeter: 'interval', rateLimiter: 'token-bucket', storage: 'file' });
    expect(container.resolve(TOKENS.Transport)).to.be.instanceOf(TcpTransport);
  });

  it('creates each plugin once, from the plugin context, when first resolved', () => {
    const { container } = composePeer(options());
    expect(container.resolve(TOKENS.Strategy)).to.equal(container.resolve(TOKENS.Strategy));
    expect(container.resolve<PluginContext>(TOKENS.PluginContext)).to.include({ selfId: 1002, dataDir: fx.dir });
  });

  it('uses a strategy, transport or rate limiter registered by the caller instead of the default', () => {
    const asked: StrategyView[] = [];
    const mine: Strategy = { select: (v) => (asked.push(v), v.candidates[0]) };
    const transport = new FakeTransport();
    const limiter: RateLimiter = { reserve: () => 0 };
    const { container } = composePeer(
      options((c) => {
        c.register(TOKENS.Strategy, { useValue: mine });
        c.register(TOKENS.Transport, { useValue: transport });
        c.register(TOKENS.RateLimiter, { useValue: limiter });
      }),
    );
    expect(container.resolve(TOKENS.Strategy)).to.equal(mine);
    expect(container.resolve(TOKENS.Transport)).to.equal(transport);
    expect(container.resolve(TOKENS.RateLimiter)).to.equal(limiter);
  });

  it('builds the engine with a guard registered by the caller (e.g. one that records every plugin it wraps)', () => {
    const wrapped: string[] = [];
    class RecordingGuard extends PluginGuard {
      override strategy(inner: Strategy): Strategy {
        wrapped.push('strategy');
        return super.strategy(inner);
      }
    }
    composePeer(
      options((c) =>
        c.register(TOKENS.Guard, {
          useFactory: instanceCachingFactory((r) => new RecordingGuard(r.resolve(TOKENS.Settings), r.resolve(TOKENS.EventBus), r.resolve(TOKENS.Random), r.resolve(TOKENS.Scheduler))),
        }),
      ),
    );
    expect(wrapped).to.deep.equal(['strategy']);
  });

  it('refuses a simulation-only store for a peer on real sockets, but not on a replaced transport', () => {
    const manifest = readManifest(DEFAULT_MANIFEST);
    expect(() => composePeer(options(undefined, { selection: { storage: 'virtual', loggers: ['silent'] }, manifest }))).to.throw(/storage plugin "virtual" is for simulations only/);
    expect(() => composePeer(options(undefined, { selection: { storage: 'virtual', loggers: ['silent'] }, transport: new FakeTransport() }))).to.not.throw();
  });

  it('still loads plugins written for the kind names of earlier releases (piece-selector, choke-policy)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmlab-legacy-'));
    try {
      const file = path.join(dir, 'old.js');
      fs.writeFileSync(file, `module.exports = { kind: 'piece-selector', name: 'old', description: 'first candidate', create: () => ({ select: (v) => v.candidates[0] }) };`);
      const def = loadPlugin('strategy', file, []);
      expect(def.kind).to.equal('strategy');
      expect(() => loadPlugin('choke', file, [])).to.throw(/is a strategy plugin, not a choke plugin/);
      fs.writeFileSync(path.join(fx.dir, 'common.cfg'), `${fs.readFileSync(path.join(fx.dir, 'common.cfg'), 'utf8')}Plugin.piece-selector ${file}\n`);
      expect(composePeer(options(undefined, { transport: new FakeTransport() })).selection.strategy).to.equal(file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
