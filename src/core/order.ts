/**
 * The total orders of AGGREGATION.md. Sums are taken left to right in these orders, so the result is
 * bit-identical whatever order the inputs arrive in. Where the spec's keys tie, the value (then its
 * sign, for -0) breaks the tie, so no two distinct entries ever compare equal.
 */
import type { Bucket, CapContribution, CapMode, Contribution } from './types';

// Comparisons against literals beat keyed lookups here: parsed strings need not be internalized.
function bucketRank(bucket: Bucket): number {
  return bucket === 'FLAT' ? 0 : bucket === 'MULT' ? 1 : bucket === 'POST_ADD' ? 2 : 3;
}

function modeRank(mode: CapMode): number {
  return mode === 'BASELINE'
    ? 0
    : mode === 'ADDITIVE'
      ? 1
      : mode === 'HARD_MAX'
        ? 2
        : mode === 'HARD_MIN'
          ? 3
          : 4;
}

export function compareValues(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === 0 && b === 0) return (1 / a < 0 ? 0 : 1) - (1 / b < 0 ? 0 : 1); // -0 before +0
  return 0;
}

/** The order of two strings known to differ: one comparison, not two. */
function compareDistinct(a: string, b: string): number {
  return a < b ? -1 : 1;
}

/** `(bucket FLAT < MULT < POST_ADD < OVERRIDE, priority DESC, system ASC)`, then value. */
export function compareContributions(a: Contribution, b: Contribution): number {
  const bucket = bucketRank(a.bucket) - bucketRank(b.bucket);
  return bucket !== 0 ? bucket : compareInBucket(a, b);
}

/** `compareContributions` of two contributions known to share a bucket. */
export function compareInBucket(a: Contribution, b: Contribution): number {
  const pa = a.priority ?? 0;
  const pb = b.priority ?? 0;
  if (pa !== pb) return pa > pb ? -1 : 1;
  if (a.system !== b.system) return compareDistinct(a.system, b.system);
  return compareValues(a.value, b.value);
}

/** Caps within a layer and side: `(priority DESC, system ASC)`, then mode and value. */
export function compareCaps(a: CapContribution, b: CapContribution): number {
  const pa = a.priority ?? 0;
  const pb = b.priority ?? 0;
  if (pa !== pb) return pa > pb ? -1 : 1;
  if (a.system !== b.system) return compareDistinct(a.system, b.system);
  const mode = modeRank(a.mode) - modeRank(b.mode);
  if (mode !== 0) return mode;
  return compareValues(a.value, b.value);
}

/** Insertion sort: the groups are tiny (a handful per dimension) and this beats Array#sort there. */
function insertionSort<T>(items: T[], compare: (a: T, b: T) => number): T[] {
  for (let i = 1; i < items.length; i++) {
    const item = items[i]!;
    let j = i - 1;
    while (j >= 0 && compare(items[j]!, item) > 0) {
      items[j + 1] = items[j]!;
      j--;
    }
    items[j + 1] = item;
  }
  return items;
}

export function sortContributions(items: Contribution[]): Contribution[] {
  return insertionSort(items, compareContributions);
}

export function sortCaps(items: CapContribution[]): CapContribution[] {
  return insertionSort(items, compareCaps);
}
