/**
 * Run plans: which variant each peer of a run uses. A plain comparison runs
 * the whole swarm on A, then on B. A mixed comparison (`peer ab --b-fraction
 * F`) asks "does a peer that switches to B gain, and does the swarm lose?":
 * each pair runs the swarm with everyone on A (the baseline), then the same
 * swarm with a cohort of F of the leechers on B and the rest still on A.
 */
import { SeededRandom } from '../../core/util/random';
import { RunPlan, Variant } from './model';
import { PeerShape } from './profile';

/** Everyone on `variant`. */
export function uniformPlan(variant: Variant): RunPlan {
  return { label: variant.label, variantOf: () => variant };
}

/** How many of `leechers` join the B cohort: F of them, rounded, at least one. */
export function cohortSize(fraction: number, leechers: number): number {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`--b-fraction must be in (0, 1], got ${fraction}`);
  return Math.min(leechers, Math.max(1, Math.round(fraction * leechers)));
}

/**
 * The B cohort of one run pair: `cohortSize` leechers, spread over the
 * bandwidth classes in proportion to their sizes (largest remainder, ties
 * broken at random), chosen at random inside each class. Seeded, so both runs
 * of a pair and every repetition see the same cohort; each pair (seed) draws
 * its own, so over many pairs every leecher is equally likely to be in it.
 * Returns peer indices (the seeder, index 0, is never in it).
 */
export function chooseCohort(shapes: readonly PeerShape[], fraction: number, seed: number): Set<number> {
  const rng = new SeededRandom(seed ^ 0xc0407);
  const byClass = new Map<string, number[]>();
  for (let i = 1; i < shapes.length; i++) {
    const c = shapes[i]!.className;
    byClass.set(c, [...(byClass.get(c) ?? []), i]);
  }
  const leechers = shapes.length - 1;
  const total = cohortSize(fraction, leechers);
  const classes = [...byClass.entries()];
  const exact = classes.map(([, members]) => (members.length / leechers) * total);
  const quota = exact.map(Math.floor);
  // Largest remainder; equal remainders (a single B peer among equal classes) in random order.
  const order = rng.shuffle(classes.map((_, i) => i)).sort((x, y) => exact[y]! - quota[y]! - (exact[x]! - quota[x]!));
  for (let k = 0; quota.reduce((s, q) => s + q, 0) < total; k++) quota[order[k % order.length]!]!++;
  const cohort = new Set<number>();
  classes.forEach(([, members], i) => {
    for (const index of rng.shuffle(members).slice(0, quota[i]!)) cohort.add(index);
  });
  return cohort;
}

/** The two runs of a mixed pair: everyone on A, then the cohort on B. Both mark each peer's cohort. */
export function mixedPlans(a: Variant, b: Variant, cohort: ReadonlySet<number>): [RunPlan, RunPlan] {
  const cohortOf = (index: number): 'A' | 'B' | undefined => (index === 0 ? undefined : cohort.has(index) ? 'B' : 'A');
  return [
    { label: 'A', variantOf: () => a, cohortOf },
    { label: 'B', variantOf: (index) => (cohort.has(index) ? b : a), cohortOf },
  ];
}
