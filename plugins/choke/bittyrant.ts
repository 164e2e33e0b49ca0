import { ChokePolicy, ChokeView, NeighborSnapshot, PluginContext, PluginDefinition } from '../../core/plugin/contracts';
import { PeerId } from '../../core/events';
import { Random } from '../../core/util/random';
import { randomOptimistic, topKByDownloadRate } from './classic';

/**
 * A strategic choke policy after BitTyrant (Piatek et al., "Do incentives
 * build robustness in BitTorrent?", NSDI 2007). For every neighbour p it keeps
 * two estimates:
 *
 * - d_p, the rate p gives us if we reciprocate: the rate we measured from p
 *   when p sends to us, else p's equal-split rate guessed from how fast it
 *   announces new pieces (its download rate) divided by its slots;
 * - u_p, the rate we must give p to be reciprocated: it starts at our
 *   equal-split rate (budget / slots), shrinks by GAMMA after every round
 *   once p has reciprocated RECIPROCATION_ROUNDS rounds in a row, and grows by
 *   DELTA after a round in which we unchoked p and got nothing back.
 *
 * Every unchoking interval it unchokes the interested neighbours in
 * decreasing d_p / u_p until the upload budget (the peer's upload limit; with
 * none, only the slot count bounds it) is spent: what an unchoked neighbour
 * takes is its measured upload rate, a new one is expected to take an equal
 * split. The original client also sets each neighbour's rate to u_p; this
 * engine cannot (the transport serves every unchoked neighbour as fast as it
 * asks, one request round trip at a time), so here u_p only orders the
 * neighbours. The active set never exceeds NumberOfPreferredNeighbors (the
 * choke contract).
 *
 * Two variants, as the paper distinguishes them:
 * - `bittyrant` (as released): spends the whole budget and keeps the
 *   optimistic unchoke, so it uploads about as much as before, to better
 *   partners.
 * - `bittyrant-selfish`: of that ranking it keeps the fewest neighbours whose
 *   d_p add up to the download rate it gets now, and makes no optimistic
 *   unchoke while anything comes in: it withholds the upload that does not
 *   buy it download.
 *
 * When it holds the whole file there is nothing to reciprocate: it seeds like
 * the classic policy.
 */
export const GAMMA = 0.1;
export const DELTA = 0.2;
export const RECIPROCATION_ROUNDS = 3;
/** u_p never drops below this (bytes/s): a neighbour that reciprocates for ever still costs something. */
const MIN_UPLOAD_NEED = 1;

export interface BitTyrantOptions {
  /** The upload budget, bytes/s (the peer's upload limit); undefined: unknown, only the slots bound the active set. */
  readonly uploadBudget?: number;
  /** Piece size, to turn announced pieces into a rate. */
  readonly pieceSize: number;
  /** UnchokingInterval in seconds: the length of one round. */
  readonly intervalS: number;
  readonly selfish: boolean;
}

/** What the policy believes about one neighbour. */
export interface NeighbourEstimate {
  /** Expected download rate from it if we reciprocate (bytes/s). */
  d: number;
  /** Upload rate needed for it to reciprocate (bytes/s). */
  u: number;
  /** Pieces it held at the end of the last round. */
  pieces: number;
  /** Consecutive rounds it sent us data. */
  streak: number;
}

export class BitTyrantPolicy implements ChokePolicy {
  private readonly estimates = new Map<PeerId, NeighbourEstimate>();

  constructor(
    private readonly random: Random,
    private readonly options: BitTyrantOptions,
  ) {}

  /** The current beliefs (for tests and diagnostics). */
  estimate(id: PeerId): Readonly<NeighbourEstimate> | undefined {
    return this.estimates.get(id);
  }

  choosePreferred(view: ChokeView): PeerId[] {
    if (view.selfComplete) return topKByDownloadRate(view, this.random);
    if (view.trigger === 'interval') this.endRound(view);
    const ranked = this.random
      .shuffle(view.neighbors.filter((n) => n.interested))
      .map((n) => ({ n, e: this.estimateOf(n, view) }))
      .sort((x, y) => y.e.d / y.e.u - x.e.d / x.e.u);
    // Spend the budget: add neighbours in rank order until what they take from our uplink reaches it. What an
    // unchoked neighbour takes is measured (its upload rate); a new one is expected to take an equal split.
    const budget = this.options.uploadBudget ?? Infinity;
    const chosen: Array<{ n: NeighborSnapshot; e: NeighbourEstimate }> = [];
    let spent = 0;
    for (const candidate of ranked) {
      if (chosen.length >= view.slots || spent >= budget) break;
      chosen.push(candidate);
      spent += candidate.n.uploadRate > 0 ? candidate.n.uploadRate : budget / Math.max(1, view.slots);
    }
    if (this.options.selfish) {
      const received = receivedRate(view);
      if (received > 0 && chosen.length > 0) {
        let expected = 0;
        let keep = 0;
        while (keep < chosen.length && expected < received) expected += chosen[keep++]!.e.d;
        chosen.length = Math.max(1, keep);
      }
    }
    return chosen.map((c) => c.n.id);
  }

  chooseOptimistic(view: ChokeView): PeerId | undefined {
    // The selfish variant explores only when nothing comes in: otherwise an optimistic slot is a gift.
    if (this.options.selfish && !view.selfComplete && receivedRate(view) > 0) return undefined;
    return randomOptimistic(view, this.random);
  }

  private estimateOf(n: NeighborSnapshot, view: ChokeView): NeighbourEstimate {
    let e = this.estimates.get(n.id);
    if (!e) {
      const budget = this.options.uploadBudget;
      // Until we know better: our own equal-split rate buys reciprocation (what a classic peer gives each slot).
      const u = budget === undefined ? 1 : Math.max(MIN_UPLOAD_NEED, budget / Math.max(1, view.slots));
      e = { d: n.downloadRate, u, pieces: n.piecesHeld, streak: 0 };
      this.estimates.set(n.id, e);
    }
    return e;
  }

  /** A round (unchoking interval) ended: learn from what each neighbour did in it. */
  private endRound(view: ChokeView): void {
    const present = new Set<PeerId>();
    for (const n of view.neighbors) {
      present.add(n.id);
      const e = this.estimateOf(n, view);
      // The view still shows the round that just ended: whom we unchoked in it.
      const unchoked = !n.chokedByUs;
      const announced = Math.max(0, n.piecesHeld - e.pieces);
      e.pieces = n.piecesHeld;
      if (n.downloadRate > 0) {
        e.d = n.downloadRate;
        e.streak++;
        if (unchoked && e.streak >= RECIPROCATION_ROUNDS) e.u = Math.max(MIN_UPLOAD_NEED, e.u * (1 - GAMMA));
      } else {
        e.streak = 0;
        // Its download rate, from its announcements, split over as many slots as ours: what it would give one partner.
        e.d = (announced * this.options.pieceSize) / this.options.intervalS / Math.max(1, view.slots);
        if (unchoked) e.u *= 1 + DELTA;
      }
    }
    for (const id of this.estimates.keys()) if (!present.has(id)) this.estimates.delete(id);
  }
}

function receivedRate(view: ChokeView): number {
  return view.neighbors.reduce((s, n) => s + n.downloadRate, 0);
}

export function bitTyrantOptions(context: PluginContext, selfish: boolean): BitTyrantOptions {
  return {
    uploadBudget: context.limits?.upload,
    pieceSize: context.geometry.pieceSize,
    intervalS: context.common.unchokingInterval,
    selfish,
  };
}

const bittyrant: PluginDefinition<'choke'> = {
  kind: 'choke',
  name: 'bittyrant',
  description: 'strategic (BitTyrant as released): unchoke by d/u (rate received per rate needed to be reciprocated) until the upload budget is spent',
  create: (context) => new BitTyrantPolicy(context.random, bitTyrantOptions(context, false)),
};
export default bittyrant;
