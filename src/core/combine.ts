/** Step 1 of AGGREGATION.md: the candidate value of one dimension from its contributions. */
import { compareContributions } from './order';
import type { CompiledRule } from './registries';
import type { Bucket, Contribution } from './types';

/** How many contributions of a section fall in each summed bucket (counted while gathering). */
export interface BucketCounts {
  flat: number;
  mult: number;
  post: number;
  /** Bit set of the buckets holding a value that is not an int32: 1 FLAT, 2 MULT, 4 POST_ADD, 8 OVERRIDE. */
  fractional: number;
}

// Bits of `BucketCounts.fractional` (and of the workspace's per-section copy of it). Exported by list,
// so that `needsOrderFor`, run for every section, reads the local bindings (see item-checks.ts).
const FRACTIONAL_FLAT = 1;
const FRACTIONAL_MULT = 2;
const FRACTIONAL_POST_ADD = 4;
const FRACTIONAL_OVERRIDE = 8;
export { FRACTIONAL_FLAT, FRACTIONAL_MULT, FRACTIONAL_POST_ADD, FRACTIONAL_OVERRIDE };

/** More int32 terms than this could sum past 2^53, where integers stop being exact. */
const MAX_EXACT_INT32_TERMS = 1 << 22;

export function countBucket(counts: BucketCounts, bucket: Bucket, value: number): void {
  const fractional = (value | 0) !== value; // -0 counts as an integer: the folds start from +0
  if (bucket === 'FLAT') {
    counts.flat++;
    if (fractional) counts.fractional |= FRACTIONAL_FLAT;
  } else if (bucket === 'MULT') {
    counts.mult++;
    if (fractional) counts.fractional |= FRACTIONAL_MULT;
  } else if (bucket === 'POST_ADD') {
    counts.post++;
    if (fractional) counts.fractional |= FRACTIONAL_POST_ADD;
  } else if (fractional) counts.fractional |= FRACTIONAL_OVERRIDE;
}

/** The bucket counts of a list of contributions. */
export function countBuckets(contributions: readonly Contribution[]): BucketCounts {
  const counts: BucketCounts = { flat: 0, mult: 0, post: 0, fractional: 0 };
  for (const c of contributions) countBucket(counts, c.bucket, c.value);
  return counts;
}

/**
 * Whether folding `length` contributions in arrival order could give other bits than folding them in
 * sort order. IEEE-754 addition and multiplication are commutative, and the folds start from an exact
 * identity (0 + a, 1 × a), so a sum or product of at most two terms never depends on order; MAX and
 * MIN never do. A sum of int32 terms (fewer than 2^22 of them) never rounds: every partial sum is an
 * integer below 2^53, so every order gives the exact sum. Only the remaining buckets (or, in operator
 * mode, groups) of three or more terms need the sort.
 */
export function needsOrder(length: number, counts: BucketCounts, rule: CompiledRule): boolean {
  return needsOrderFor(length, counts.flat, counts.mult, counts.post, counts.fractional, rule);
}

/** `needsOrder` over the counts themselves (the hot path keeps them in typed arrays). */
export function needsOrderFor(
  length: number,
  flat: number,
  mult: number,
  post: number,
  fractional: number,
  rule: CompiledRule,
): boolean {
  if (length < 3) return false;
  const exactInt32 = length < MAX_EXACT_INT32_TERMS;
  if (!rule.usePipeline) {
    if (rule.operator === 'MAX' || rule.operator === 'MIN') return false;
    return rule.operator === 'MULTIPLY' || !exactInt32 || fractional !== 0;
  }
  return (
    productNeedsOrder(mult) ||
    sumNeedsOrder(flat, (fractional & FRACTIONAL_FLAT) !== 0, length) ||
    sumNeedsOrder(post, (fractional & FRACTIONAL_POST_ADD) !== 0, length)
  );
}

/** Whether a pipeline bucket's sum of `terms` terms (of a section of `length`) depends on their order. */
export function sumNeedsOrder(terms: number, fractional: boolean, length: number): boolean {
  return terms > 2 && (fractional || length >= MAX_EXACT_INT32_TERMS);
}

/** Whether a product of `factors` factors depends on their order. */
export function productNeedsOrder(factors: number): boolean {
  return factors > 2;
}

/**
 * Pipeline: `OVERRIDE ?? Σ FLAT × Π (1 + MULT) + Σ POST_ADD`, folded in the given order (sort order, or
 * any order when `needsOrder` is false). The OVERRIDE that wins is the first in sort order (highest
 * priority, then system ASC), chosen by comparison so that it does not depend on the given order.
 */
export function pipelineValue(contributions: readonly Contribution[]): number {
  let flat = 0;
  let mult = 1;
  let post = 0;
  let override: Contribution | undefined;
  for (let i = 0; i < contributions.length; i++) {
    const c = contributions[i]!;
    switch (c.bucket) {
      case 'FLAT':
        flat += c.value;
        break;
      case 'MULT':
        mult *= 1 + c.value;
        break;
      case 'POST_ADD':
        post += c.value;
        break;
      case 'OVERRIDE':
        if (override === undefined || compareContributions(c, override) < 0) override = c;
        break;
    }
  }
  return override !== undefined ? override.value : flat * mult + post;
}

/** Operator mode: buckets ignored, `sorted[0, n)` folded in that order (see `needsOrder`). */
export function operatorValue(
  sorted: readonly Contribution[],
  operator: CompiledRule['operator'],
  n: number = sorted.length,
): number {
  let acc: number;
  switch (operator) {
    case 'SUM':
    case 'AVERAGE':
      acc = 0;
      for (let i = 0; i < n; i++) acc += sorted[i]!.value;
      return operator === 'SUM' ? acc : acc / n;
    case 'MAX':
      acc = -Infinity;
      for (let i = 0; i < n; i++) acc = Math.max(acc, sorted[i]!.value);
      return acc;
    case 'MIN':
      acc = Infinity;
      for (let i = 0; i < n; i++) acc = Math.min(acc, sorted[i]!.value);
      return acc;
    case 'MULTIPLY':
      acc = 1;
      for (let i = 0; i < n; i++) acc *= sorted[i]!.value;
      return acc;
  }
}

/**
 * Operator mode's value from the arrival-order folds of a section of `n` values, where `needsOrder`
 * says order cannot show: their sum, highest and lowest. NaN for MULTIPLY, whose product is not folded
 * on arrival (the caller then folds the sorted values).
 */
export function operatorFoldedValue(
  operator: CompiledRule['operator'],
  n: number,
  sum: number,
  highest: number,
  lowest: number,
): number {
  switch (operator) {
    case 'SUM':
      return sum;
    case 'AVERAGE':
      return sum / n;
    case 'MAX':
      return highest;
    case 'MIN':
      return lowest;
    case 'MULTIPLY':
      return NaN;
  }
}

export function candidateValue(sorted: readonly Contribution[], rule: CompiledRule): number {
  return rule.usePipeline ? pipelineValue(sorted) : operatorValue(sorted, rule.operator);
}

/** `clamp(x, [min, max])` with min ≤ max guaranteed by the caps step. */
export function clampTo(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}
