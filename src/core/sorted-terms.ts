/**
 * Scratch for the sections the hot path folds in sort order: one section's contributions from one
 * bucket set, sorted `(bucket, priority DESC, system ASC, value)` as `compareContributions` orders them.
 * An insertion sort, in place: a section holds a handful. Reused from section to section, so entries
 * past the current count may still hold earlier ones.
 */
import type { ItemChains } from './item-chains';
import { compareInBucket } from './order';
import type { Contribution } from './types';

export class SortedTerms {
  /** The terms of the last `collect`, `[0, n)`. */
  readonly terms: Contribution[] = [];
  /** Their bucket codes. */
  codes: Int32Array = new Int32Array(64);

  /**
   * Puts the contributions of the chain whose head is `head` (of `section`, `count` items long) whose
   * bucket is in `buckets` (bits by code) into `terms[0, n)`, and their codes into `codes`, in sort
   * order when `sorted`; returns n.
   */
  collect(
    chains: ItemChains,
    head: number,
    count: number,
    section: number,
    buckets: number,
    sorted: boolean,
  ): number {
    if (count > this.codes.length) this.codes = new Int32Array(count * 2);
    const { terms, codes } = this;
    let n = 0;
    for (let k = head - 1; k >= 0; k = chains.next(k)) {
      const code = chains.code(k);
      if ((buckets & (1 << code)) === 0) continue;
      const c = chains.contribution(section, k);
      let j = n++;
      if (sorted) {
        for (
          ;
          j > 0 && (codes[j - 1]! > code || (codes[j - 1] === code && compareInBucket(terms[j - 1]!, c) > 0));
          j--
        ) {
          terms[j] = terms[j - 1]!;
          codes[j] = codes[j - 1]!;
        }
      }
      terms[j] = c;
      codes[j] = code;
    }
    return n;
  }
}
