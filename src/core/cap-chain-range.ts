/**
 * The hot path's cap fold: a dimension's `[Min, Max]` read off its caps when the snapshot is written.
 * Gathering only links each cap, with its place (layer, mode, side; see `capPlace`) and its value,
 * into a chain per dimension and layer. Here each layer is folded as `boundLayer` folds it and the
 * layers across as `RangeFold` does: a layer holding one cap (most of them: a dimension holds ~1.5
 * caps in the standard workload) by a few operations, a crowded one by a walk of its chain per side,
 * in local variables. That costs less than folding each cap into tables as it arrives (and clearing
 * them for the next actor), and it is branchy only where caps crowd.
 *
 * The chain gives the caps in reverse arrival order. That gives the sorted fold's bits wherever order
 * cannot show: HARD caps fold by min / max and the OVERRIDE is chosen by comparison, and a BASELINE or
 * ADDITIVE sum of at most two terms, or of int32 terms only, is exact in any order (as for
 * contributions, see `needsOrderFor`). Where a sum of three or more terms holds a fraction, or a
 * side's sums overflow to ∞ − ∞, `range` returns undefined and the caller folds the sorted caps
 * instead (which reports the overflow). Property tests hold every value, -0 and ±∞ included, to
 * `foldCaps`.
 */
import type { ItemChains } from './item-chains';
import { sumNeedsOrder } from './combine';
import { MODE_CODES, placeMode } from './item-checks';
import { compareCaps } from './order';
import type { CompiledRule } from './registries';
import type { AcrossPolicy, CapRange } from './types';

/** Layers are bits of an int32 bit set, so at most 31 (the sign bit is left alone). */
export const MAX_CHAIN_LAYERS = 31;

const BASELINE_CODE = MODE_CODES.indexOf('BASELINE');
const ADDITIVE_CODE = MODE_CODES.indexOf('ADDITIVE');
const OVERRIDE_CODE = MODE_CODES.indexOf('OVERRIDE');
// A place's side, as `capPlace` codes a cap's kind.
const MAX_SIDE = 0;
const MIN_SIDE = 1;

export class CapChainRange {
  private readonly prioritized: boolean;
  // One layer's bounds, as `lone` or `crowded` leave them.
  private layerMin = 0;
  private layerMax = 0;
  private minOverridden = false;
  private maxOverridden = false;
  // One side of a crowded layer, as `side` leaves it.
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
   * The `[Min, Max]` of a dimension with `count` caps in the layers of the bit set `layers`, whose
   * caps in layer l are the chain with head `heads[at + l]`; undefined when a sum needs the sort order.
   */
  range(
    heads: Int32Array,
    at: number,
    count: number,
    layers: number,
    rule: CompiledRule,
  ): CapRange | undefined {
    let Min: number;
    let Max: number;
    if (count === 1) {
      // One layer, folded across from [−∞, +∞]: its bounds are the range before the finish.
      this.lone(heads[at + 31 - Math.clz32(layers)]! - 1, rule);
      Min = this.layerMin;
      Max = this.layerMax;
    } else {
      Min = -Infinity;
      Max = Infinity;
      let minFixed = false;
      let maxFixed = false;
      // Registry order: the lowest layer first.
      for (let present = layers; present !== 0;) {
        const lowest = present & -present;
        present ^= lowest;
        const head = heads[at + 31 - Math.clz32(lowest)]!;
        if (this.chains.next(head - 1) < 0) this.lone(head - 1, rule);
        else if (!this.crowded(head, rule)) return undefined;
        if (!minFixed) {
          if (this.prioritized && this.minOverridden) {
            Min = this.layerMin;
            minFixed = true;
          } else if (this.layerMin > Min) Min = this.layerMin;
        }
        if (!maxFixed) {
          if (this.prioritized && this.maxOverridden) {
            Max = this.layerMax;
            maxFixed = true;
          } else if (this.layerMax < Max) Max = this.layerMax;
        }
      }
    }
    // As `RangeFold.finish`: ties go to clamp_default, then Min ≤ Max.
    if (rule.min >= Min) Min = rule.min;
    if (rule.max <= Max) Max = rule.max;
    if (Min > Max) Min = Max;
    // Max at −∞ (max-side sums past the doubles) or NaN: the sorted fold rejects the actor, saying why.
    if (!(Max > -Infinity)) return undefined;
    return { Min, Max };
  }

  /**
   * The bounds of a layer that holds one cap, item `k`: the steps of `crowded` and `side` with one side
   * holding the cap and the other nothing. (Two dimensions in three hold one cap in the standard
   * workload, and most of the others one per layer.)
   */
  private lone(k: number, rule: CompiledRule): void {
    const place = this.chains.code(k);
    const v = this.chains.value(k);
    const code = placeMode(place);
    // A sum of one term is `v + 0` (as `(baseline ?? 0) + (additive ?? 0)`); HARD and OVERRIDE keep v.
    const bound = code <= ADDITIVE_CODE ? v + 0 : v;
    const overridden = code === OVERRIDE_CODE;
    let layerMax = rule.max;
    let below = rule.min;
    if ((place & 1) === MAX_SIDE) {
      layerMax = Math.min(bound, rule.max);
      this.maxOverridden = overridden;
      this.minOverridden = false;
    } else {
      below = Math.max(bound, rule.min);
      this.minOverridden = overridden;
      this.maxOverridden = false;
    }
    this.layerMax = layerMax;
    this.layerMin = below > layerMax ? layerMax : below;
  }

  /** The bounds of a layer that holds two or more caps, the chain with head `head`; false as `side`. */
  private crowded(head: number, rule: CompiledRule): boolean {
    if (!this.side(head, MAX_SIDE)) return false;
    const layerMax = Math.min(this.candidate, this.hard, rule.max);
    this.maxOverridden = this.overridden;
    if (!this.side(head, MIN_SIDE)) return false;
    const below = Math.max(this.candidate, this.hard, rule.min);
    this.minOverridden = this.overridden;
    this.layerMax = layerMax;
    this.layerMin = below > layerMax ? layerMax : below;
    return true;
  }

  /**
   * Folds one side of the caps of a layer, the chain with head `head`, into `candidate`, `hard` and
   * `overridden`, as `boundLayer` does; false when a sum needs the sort order.
   */
  private side(head: number, side: number): boolean {
    const chains = this.chains;
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
      if ((place & 1) !== side) continue;
      const code = placeMode(place);
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
    // A sum's terms are the whole "section" here: as contributions' sums, exact below 2^22 int32s.
    if (sumNeedsOrder(baselineTerms, (fractional & (1 << BASELINE_CODE)) !== 0, baselineTerms)) return false;
    if (sumNeedsOrder(additiveTerms, (fractional & (1 << ADDITIVE_CODE)) !== 0, additiveTerms)) return false;
    this.hard = hard;
    this.overridden = override >= 0;
    if (override >= 0) this.candidate = chains.value(override);
    else if ((baselineTerms | additiveTerms) === 0) this.candidate = unbounded;
    else {
      const sum = (baselineTerms > 0 ? baseline : 0) + (additiveTerms > 0 ? additive : 0);
      // ∞ − ∞ (both sums overflowed, in opposite directions): the reference fold reports it.
      if (sum !== sum) return false;
      this.candidate = sum;
    }
    return true;
  }
}
