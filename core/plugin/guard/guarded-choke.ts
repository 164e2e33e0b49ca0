import { PeerId } from '../../events';
import { Random } from '../../util/random';
import { ChokePolicy, ChokeView } from '../contracts';
import { errorText, isThenable, Report } from './guard-util';

/**
 * A choke policy whose mistakes are contained: a throw or an answer naming a
 * neighbour that cannot be unchoked is reported, and the neutral fallback
 * (a random choice among the legal ones) keeps the upload slots busy.
 */
export class GuardedChokePolicy implements ChokePolicy {
  constructor(private readonly inner: ChokePolicy, private readonly random: Random, private readonly report: Report) {}

  choosePreferred(view: ChokeView): PeerId[] {
    let chosen: unknown;
    try {
      chosen = this.inner.choosePreferred(view);
    } catch (err) {
      this.report(`choosePreferred() threw: ${errorText(err)}`);
      return this.randomPreferred(view);
    }
    if (!Array.isArray(chosen)) {
      this.report(`choosePreferred() returned ${isThenable(chosen) ? 'a Promise' : typeof chosen}, not a list of neighbour ids`);
      return this.randomPreferred(view);
    }
    const ok: PeerId[] = [];
    let invalid = 0;
    for (const id of chosen as unknown[]) {
      const v = view.neighbors.find((x) => x.id === id);
      if (!v || !v.interested || ok.includes(id as PeerId)) {
        this.report(`choosePreferred() chose ${String(id)}, which is not a connected, interested neighbour (or chosen twice)`);
        invalid++;
        continue;
      }
      if (ok.length === view.slots) {
        this.report(`choosePreferred() chose more than ${view.slots} neighbours`);
        break;
      }
      ok.push(v.id);
    }
    // Nothing usable came back although neighbours wait: do not leave every upload slot idle.
    if (ok.length === 0 && invalid > 0) return this.randomPreferred(view);
    return ok;
  }

  chooseOptimistic(view: ChokeView): PeerId | undefined {
    const candidates = view.neighbors.filter((n) => n.interested && (n.chokedByUs || n.optimistic));
    let pick: unknown;
    try {
      pick = this.inner.chooseOptimistic(view);
    } catch (err) {
      this.report(`chooseOptimistic() threw: ${errorText(err)}`);
      return candidates.length > 0 ? this.random.pick(candidates).id : undefined;
    }
    if (pick === undefined) return undefined;
    if (!candidates.some((c) => c.id === pick)) {
      this.report(`chooseOptimistic() chose ${isThenable(pick) ? 'a Promise' : String(pick)}, which is not a choked, interested neighbour`);
      return candidates.length > 0 ? this.random.pick(candidates).id : undefined;
    }
    return pick as PeerId;
  }

  /** The neutral fallback: up to `slots` interested neighbours at random. */
  private randomPreferred(view: ChokeView): PeerId[] {
    return this.random
      .shuffle(view.neighbors.filter((n) => n.interested))
      .slice(0, view.slots)
      .map((n) => n.id);
  }
}
