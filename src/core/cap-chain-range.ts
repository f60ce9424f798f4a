/**
 * The hot path's cap fold: a dimension's `[Min, Max]` read off its chain of caps when the snapshot is
 * written. Gathering only links each cap with its place (layer, mode, side; see `capPlace`) and its
 * value; here each layer that holds caps is folded as `boundLayer` folds it, one side per walk of the
 * chain, in local variables, and the layers are folded across as `RangeFold` does. A dimension holds
 * ~1.5 caps in the standard workload, so walking its chain once per layer and side costs less than
 * folding each cap into tables as it arrives (and clearing them for the next actor).
 *
 * The chain gives the caps in reverse arrival order. That gives the sorted fold's bits wherever order
 * cannot show: HARD caps fold by min / max and the OVERRIDE is chosen by comparison, and a BASELINE or
 * ADDITIVE sum of at most two terms, or of int32 terms only, is exact in any order (as for
 * contributions, see `needsOrderFor`). Where a sum of three or more terms holds a fraction, `range`
 * returns undefined and the caller folds the sorted caps instead. Property tests hold every value,
 * -0 and ±∞ included, to `foldCaps`.
 */
import type { ItemChains } from './item-chains';
import { PLACE_LAYER, PLACE_MODE } from './item-checks';
import { compareCaps } from './order';
import type { CompiledRule } from './registries';
import type { AcrossPolicy, CapRange } from './types';

/** Layers are bits of an int32 bit set, so at most 31 (the sign bit is left alone). */
export const MAX_CHAIN_LAYERS = 31;

// Mode codes, as `MODE_CODES` in item-checks.ts.
const BASELINE_CODE = 0;
const ADDITIVE_CODE = 1;
const OVERRIDE_CODE = 4;
/** The place's bits other than the mode: its layer and side. */
const LAYER_AND_SIDE = ~(7 << PLACE_MODE);
const MAX_SIDE = 0;
const MIN_SIDE = 1;

/** More int32 terms than this could sum past 2^53 (as in combine.ts). */
const MAX_EXACT_INT32_TERMS = 1 << 22;

export class CapChainRange {
  private readonly prioritized: boolean;
  // One side of one layer, as `side` leaves it.
  /** `override ?? (baseline ?? 0) + (additive ?? 0)` when any is present, else the side's ±∞. */
  private candidate = 0;
  /** The HARD caps' bound, or the side's ±∞. */
  private hard = 0;
  private overridden = false;

  constructor(
    private readonly chains: ItemChains,
    policy: AcrossPolicy,
  ) {
    this.prioritized = policy === 'PRIORITIZED_OVERRIDE';
  }

  /**
   * The `[Min, Max]` of a dimension whose `count` caps are the chain with head `head`, in the layers of
   * the bit set `layers`; undefined when a sum needs the sort order.
   */
  range(head: number, count: number, layers: number, rule: CompiledRule): CapRange | undefined {
    if (count === 1) return this.alone(head - 1, rule);
    let Min = -Infinity;
    let Max = Infinity;
    let minFixed = false;
    let maxFixed = false;
    // Registry order: the lowest layer first.
    for (let present = layers; present !== 0;) {
      const lowest = present & -present;
      present ^= lowest;
      const layer = 31 - Math.clz32(lowest);
      if (!this.side(head, layer, MAX_SIDE)) return undefined;
      const layerMax = Math.min(this.candidate, this.hard, rule.max);
      const maxOverridden = this.overridden;
      if (!this.side(head, layer, MIN_SIDE)) return undefined;
      const below = Math.max(this.candidate, this.hard, rule.min);
      const layerMin = below > layerMax ? layerMax : below;
      if (!minFixed) {
        if (this.prioritized && this.overridden) {
          Min = layerMin;
          minFixed = true;
        } else if (layerMin > Min) Min = layerMin;
      }
      if (!maxFixed) {
        if (this.prioritized && maxOverridden) {
          Max = layerMax;
          maxFixed = true;
        } else if (layerMax < Max) Max = layerMax;
      }
    }
    // As `RangeFold.finish`: ties go to clamp_default, then Min ≤ Max.
    if (rule.min >= Min) Min = rule.min;
    if (rule.max <= Max) Max = rule.max;
    if (Min > Max) Min = Max;
    return { Min, Max };
  }

  /**
   * `range` of a dimension with one cap, item `k`: the steps of `range` and `side` for that one layer,
   * with one side holding the cap and the other nothing. (A dimension holds one cap in two cases of
   * three in the standard workload.) Both sides and the layer's fold across start unbounded, so the
   * layer's bounds become the range before the finish.
   */
  private alone(k: number, rule: CompiledRule): CapRange {
    const place = this.chains.code(k);
    const v = this.chains.value(k);
    // A sum of one term is `v + 0` (as `(baseline ?? 0) + (additive ?? 0)`); HARD and OVERRIDE keep v.
    const bound = ((place >>> PLACE_MODE) & 7) <= ADDITIVE_CODE ? v + 0 : v;
    let Max = rule.max;
    let below = rule.min;
    if ((place & 1) === MAX_SIDE) Max = Math.min(bound, rule.max);
    else below = Math.max(bound, rule.min);
    let Min = below > Max ? Max : below;
    if (rule.min >= Min) Min = rule.min;
    if (rule.max <= Max) Max = rule.max;
    if (Min > Max) Min = Max;
    return { Min, Max };
  }

  /**
   * Folds the caps of one side of one layer into `candidate`, `hard` and `overridden`; false when a
   * sum needs the sort order.
   */
  private side(head: number, layer: number, side: number): boolean {
    const chains = this.chains;
    const wanted = (layer << PLACE_LAYER) | side;
    const unbounded = side === MAX_SIDE ? Infinity : -Infinity;
    // Sums start at -0, so that the first term is the sum exactly.
    let baseline = -0;
    let additive = -0;
    let baselineTerms = 0;
    let additiveTerms = 0;
    let fractional = 0; // bit set by mode code, as in `needsOrderFor`
    let hard = unbounded;
    let override = -1;
    for (let k = head - 1; k >= 0; k = chains.next(k)) {
      const place = chains.code(k);
      if ((place & LAYER_AND_SIDE) !== wanted) continue;
      const code = (place >>> PLACE_MODE) & 7;
      const v = chains.value(k);
      if (code === BASELINE_CODE) {
        baseline += v;
        baselineTerms++;
      } else if (code === ADDITIVE_CODE) {
        additive += v;
        additiveTerms++;
      } else if (code === OVERRIDE_CODE) {
        // The first in compareCaps order, a total order, so the winner is the same in any order.
        if (override < 0 || compareCaps(chains.cap(k), chains.cap(override)) < 0) override = k;
        continue;
      } else {
        // capPlace admits HARD_MAX only on the max side and HARD_MIN only on the min side.
        hard = side === MAX_SIDE ? Math.min(hard, v) : Math.max(hard, v);
        continue;
      }
      fractional |= +((v | 0) !== v) << code; // -0 counts as an integer
    }
    if (inexact(baselineTerms, fractional & (1 << BASELINE_CODE))) return false;
    if (inexact(additiveTerms, fractional & (1 << ADDITIVE_CODE))) return false;
    this.hard = hard;
    this.overridden = override >= 0;
    if (override >= 0) this.candidate = chains.value(override);
    else if ((baselineTerms | additiveTerms) === 0) this.candidate = unbounded;
    else this.candidate = (baselineTerms > 0 ? baseline : 0) + (additiveTerms > 0 ? additive : 0);
    return true;
  }
}

/** Whether a sum of `terms` terms (`fractional` non-zero when one is not an int32) depends on order. */
function inexact(terms: number, fractional: number): boolean {
  return terms > 2 && (fractional !== 0 || terms >= MAX_EXACT_INT32_TERMS);
}
