import { Random } from '../../util/random';
import { Strategy, StrategyView } from '../contracts';
import { errorText, isThenable, Report, sortedIncludes } from './guard-util';

/**
 * A strategy whose mistakes are contained: a throw, an asynchronous answer or
 * a piece outside the legal choices is reported and replaced by a random
 * legal piece, so a faulty strategy slows a download but never stalls it.
 */
export class GuardedStrategy implements Strategy {
  constructor(private readonly inner: Strategy, private readonly random: Random, private readonly report: Report) {}

  select(view: StrategyView): number | undefined {
    let choice: unknown;
    try {
      choice = this.inner.select(view);
    } catch (err) {
      return this.fallback(view, `select() threw: ${errorText(err)}`);
    }
    if (choice === undefined) return undefined;
    if (isThenable(choice)) return this.fallback(view, 'select() returned a Promise; it must answer synchronously');
    if (typeof choice !== 'number' || !sortedIncludes(view.candidates, choice)) {
      return this.fallback(view, `select() chose piece ${String(choice)}, which is not among the ${view.candidates.length} legal choices (a piece we lack, the neighbour has, and nobody is fetching)`);
    }
    return choice;
  }

  private fallback(view: StrategyView, message: string): number {
    this.report(message);
    return this.random.pick(view.candidates);
  }
}
