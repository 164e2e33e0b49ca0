import 'reflect-metadata';
import { expect } from 'chai';
import { simulate } from '../../../app/sim/run-simulation';
import { ChokeView, NeighborSnapshot, PluginContext } from '../../../core/plugin/contracts';
import { Scratch } from '../../../core/plugin/compliance/compliance';
import bittyrant, { BitTyrantPolicy, DELTA, GAMMA } from '../../../plugins/choke/bittyrant';
import bittyrantSelfish from '../../../plugins/choke/bittyrant-selfish';
import freeRider from '../../../plugins/choke/free-rider';
import { SeededRandom } from '../../../core/util/random';

const KiB = 1024;
const PIECE = 16 * KiB;

function neighbour(id: number, fields: Partial<NeighborSnapshot> = {}): NeighborSnapshot {
  return { id, interested: true, chokedByUs: true, preferred: false, optimistic: false, downloadRate: 0, uploadRate: 0, piecesHeld: 0, ...fields };
}

function view(neighbors: NeighborSnapshot[], slots = 3, opts: Partial<ChokeView> = {}): ChokeView {
  return { trigger: 'interval', selfComplete: false, slots, neighbors, ...opts };
}

function policy(budget: number | undefined, selfish = false): BitTyrantPolicy {
  return new BitTyrantPolicy(new SeededRandom(3), { uploadBudget: budget, pieceSize: PIECE, intervalS: 1, selfish });
}

describe('choke-policy/free-rider', () => {
  const scratch = new Scratch();
  after(() => scratch.cleanup());
  const context: PluginContext = scratch.context({ seeder: false, seed: 4 });

  it('unchokes nobody while downloading, whatever the neighbours give', () => {
    const p = freeRider.create(context);
    const generous = [1, 2, 3, 4].map((id) => neighbour(id, { downloadRate: 100_000 * id, piecesHeld: 5 }));
    for (const trigger of ['interval', 'slot-free'] as const) {
      expect(p.choosePreferred(view(generous, 3, { trigger }))).to.deep.equal([]);
      expect(p.chooseOptimistic(view(generous, 3, { trigger }))).to.equal(undefined);
    }
  });

  it('serves interested neighbours once it holds the whole file', () => {
    const p = freeRider.create(context);
    const waiting = [1, 2, 3, 4].map((id) => neighbour(id, { interested: id !== 4 }));
    const chosen = p.choosePreferred(view(waiting, 2, { selfComplete: true }));
    expect(chosen).to.have.length(2);
    for (const id of chosen) expect([1, 2, 3]).to.include(id);
  });
});

describe('choke-policy/bittyrant', () => {
  it('unchokes in decreasing d/u: the neighbours that give the most per byte needed first', () => {
    const p = policy(300 * KiB);
    // Equal u (our equal split, 100 KiB/s) for newcomers: d decides. 4 sends nothing and announces nothing.
    const ns = [neighbour(1, { downloadRate: 20 * KiB }), neighbour(2, { downloadRate: 60 * KiB }), neighbour(3, { downloadRate: 40 * KiB }), neighbour(4)];
    expect(p.choosePreferred(view(ns))).to.deep.equal([2, 3, 1]);
    expect(p.estimate(2)!.u).to.equal(100 * KiB);
  });

  it('estimates a silent neighbour from the pieces it announces, split over its slots', () => {
    const p = policy(300 * KiB);
    p.choosePreferred(view([neighbour(5, { piecesHeld: 10 })]));
    // 30 new pieces in a 1 s round: it downloads 480 KiB/s, so one of its 3 slots is worth 160 KiB/s.
    p.choosePreferred(view([neighbour(5, { piecesHeld: 40 })]));
    expect(p.estimate(5)!.d).to.equal((30 * PIECE) / 3);
  });

  it('raises u for an unchoked neighbour that does not reciprocate, lowers it after 3 rounds of reciprocation', () => {
    const p = policy(300 * KiB);
    const u0 = 100 * KiB;
    const round = (rate: number, unchoked: boolean) => p.choosePreferred(view([neighbour(7, { downloadRate: rate, chokedByUs: !unchoked, preferred: unchoked })]));
    round(0, false);
    expect(p.estimate(7)!.u).to.equal(u0);
    round(0, false); // choked by us: its silence says nothing about u
    expect(p.estimate(7)!.u).to.equal(u0);
    round(0, true);
    expect(p.estimate(7)!.u).to.be.closeTo(u0 * (1 + DELTA), 1e-9);
    round(0, true);
    expect(p.estimate(7)!.u).to.be.closeTo(u0 * (1 + DELTA) ** 2, 1e-9);
    const raised = p.estimate(7)!.u;
    round(5000, true);
    round(5000, true);
    expect(p.estimate(7)!.u, 'two rounds of reciprocation are not yet enough').to.be.closeTo(raised, 1e-9);
    round(5000, true);
    expect(p.estimate(7)!.u).to.be.closeTo(raised * (1 - GAMMA), 1e-9);
    round(5000, true);
    expect(p.estimate(7)!.u).to.be.closeTo(raised * (1 - GAMMA) ** 2, 1e-9);
    expect(p.estimate(7)!.d).to.equal(5000);
  });

  it('stops when the upload budget is spent: fewer slots than allowed', () => {
    const p = policy(100 * KiB);
    // 1 and 2 already take 60 + 45 KiB/s of our 100 KiB/s: the budget is spent, 3 and 4 stay choked.
    const ns = [
      neighbour(1, { downloadRate: 50 * KiB, uploadRate: 60 * KiB, chokedByUs: false }),
      neighbour(2, { downloadRate: 40 * KiB, uploadRate: 45 * KiB, chokedByUs: false }),
      neighbour(3, { downloadRate: 10 * KiB }),
      neighbour(4, { downloadRate: 5 * KiB }),
    ];
    expect(p.choosePreferred(view(ns, 4))).to.deep.equal([1, 2]);
    // Slower takers leave budget for more neighbours: 20 + 20 + 25 (an equal split for 4) = 65 < 100.
    const light = ns.map((n) => ({ ...n, uploadRate: n.id <= 2 ? 20 * KiB : 0 }));
    expect(policy(100 * KiB).choosePreferred(view(light, 4))).to.deep.equal([1, 2, 3, 4]);
    // Without a budget only the slot count bounds the set.
    expect(policy(undefined).choosePreferred(view(ns, 3))).to.deep.equal([1, 2, 3]);
  });

  it('as released keeps the optimistic unchoke; the selfish variant withholds it while data comes in', () => {
    const scratch = new Scratch();
    try {
      const context = { ...scratch.context({ seeder: false, seed: 2 }), limits: { upload: 200 * KiB } };
      const released = bittyrant.create(context);
      const selfish = bittyrantSelfish.create(context);
      const receiving = [neighbour(1, { downloadRate: 30 * KiB, chokedByUs: false, preferred: true }), neighbour(2), neighbour(3)];
      expect([2, 3]).to.include(released.chooseOptimistic(view(receiving)));
      expect(selfish.chooseOptimistic(view(receiving))).to.equal(undefined);
      // Nothing comes in: even the selfish one must explore to get anything.
      const starving = [neighbour(1), neighbour(2), neighbour(3)];
      expect([1, 2, 3]).to.include(selfish.chooseOptimistic(view(starving)));
    } finally {
      scratch.cleanup();
    }
  });

  it('selfish: the fewest neighbours whose d keeps the current download rate', () => {
    const p = policy(1000 * KiB, true);
    // 1 and 2 give 60 + 30 KiB/s; 3 and 4 give nothing. Budget and slots would allow all four.
    const ns = [
      neighbour(1, { downloadRate: 60 * KiB }),
      neighbour(2, { downloadRate: 30 * KiB }),
      neighbour(3, { piecesHeld: 0 }),
      neighbour(4, { piecesHeld: 0 }),
    ];
    expect(p.choosePreferred(view(ns, 4))).to.deep.equal([1, 2]);
    const released = policy(1000 * KiB, false);
    expect(released.choosePreferred(view(ns, 4))).to.have.length(4);
  });

  it('seeds like the classic policy', () => {
    const p = policy(100 * KiB);
    const ns = [neighbour(1), neighbour(2, { interested: false }), neighbour(3)];
    expect(p.choosePreferred(view(ns, 2, { selfComplete: true }))).to.have.members([1, 3]);
  });
});

describe('strategic choke policies in a simulated swarm', function () {
  this.timeout(60_000);

  it('free riders upload nothing before they complete; bittyrant peers trade; everyone completes', async () => {
    const freeRiders = new Set([2, 5, 8]);
    const tyrants = new Set([3, 6]);
    const r = await simulate({
      peers: 10,
      fileSize: 1024 * KiB,
      pieceSize: PIECE,
      unchokingIntervalS: 1,
      optimisticIntervalS: 2,
      seed: 9,
      shapes: (i) => ({ upload: i === 0 ? 512 * KiB : 256 * KiB, download: 2048 * KiB, latencyMs: 5, joinMs: 0 }),
      peerSetup: (i) => ({ selection: { choke: freeRiders.has(i) ? 'free-rider' : tyrants.has(i) ? 'bittyrant' : 'classic' } }),
      collect: ['piece-uploaded', 'file-complete', 'error', 'plugin-error'],
    });
    expect(r.complete).to.equal(true);
    for (const p of r.peers) {
      expect(p.events.filter((e) => e.kind === 'error' || e.kind === 'plugin-error'), `peer ${p.index}`).to.deep.equal([]);
      const completeAt = p.events.find((e) => e.kind === 'file-complete')?.at ?? 0;
      const uploadsBefore = p.events.filter((e) => e.kind === 'piece-uploaded' && e.at < completeAt).length;
      if (freeRiders.has(p.index)) expect(uploadsBefore, `free rider ${p.index}`).to.equal(0);
      else if (!p.seeder) expect(uploadsBefore, `peer ${p.index}`).to.be.above(0);
    }
  });
});
