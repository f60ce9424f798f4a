/**
 * The hot path's cap fold: each cap goes straight into its dimension's layer and side as it is
 * gathered, so a dimension's `[Min, Max]` is read off a few typed-array slots, with no second walk over
 * its caps, no array of them, no sort and no boxed numbers (the reference records of caps.ts hold
 * `number | undefined`, which V8 keeps as heap numbers).
 *
 * Arrival order gives the sorted fold's bits wherever order cannot show: HARD caps fold by min / max
 * and the OVERRIDE is chosen by comparison, and a BASELINE or ADDITIVE sum of at most two terms, or of
 * int32 terms only, is exact in any order (as for contributions, see `needsOrderFor`). When a sum of
 * three or more terms holds a fraction, `exact(dim)` says so and the caller folds the sorted caps
 * instead. Every value comes out with `boundLayer`'s and `RangeFold`'s bits, -0 and ±∞ included;
 * property tests hold the two equal.
 *
 * Modes arrive in no predictable order, so a cap is folded by index and table, not by a branch per mode
 * (a mispredicted branch costs more than the few operations every cap goes through):
 * - BASELINE and ADDITIVE add to their sum, which starts at -0 (so the first term is the sum exactly);
 *   the other modes add to a slot nobody reads.
 * - The hard bound is kept as a minimum of `sign × value`, the min side negated (max(a, b) is
 *   -min(-a, -b), bit for bit), and only HARD values count: the others enter as +∞.
 */
import { compareCaps } from './order';
import type { CompiledRule } from './registries';
import type { AcrossPolicy, CapContribution, CapRange } from './types';
import { PLACE_LAYER, PLACE_MODE } from './item-checks';

// Per slot, a (dimension, layer, side) triple at `((dim * layers + layer) * 2 + side)`, max side 0.
const SLOT_NUMBERS = 8;
const BASELINE = 0; // the sums sit at their mode codes
const HARD = 2; // sign × value, minimum
const OVERRIDE = 3;
const UNREAD = 4;
const SLOT_INTS = 8;
const HAS = 0; // bit set: one bit per mode code
const TERMS = 1; // BASELINE_TERMS, ADDITIVE_TERMS at TERMS + mode code; the others count at UNREAD_TERMS
const UNREAD_TERMS = 3;
const FRACTIONAL = 4; // bit set: bit mode code, for a term that is not an int32
/** The item (as the caller numbers them) of the OVERRIDE cap that wins so far. */
const OVERRIDE_ITEM = 5;

const BASELINE_CODE = 0;
const ADDITIVE_CODE = 1;
const OVERRIDE_CODE = 4;
const HAS_OVERRIDE = 1 << OVERRIDE_CODE;
const HAS_SUM = (1 << BASELINE_CODE) | (1 << ADDITIVE_CODE);

/** By mode code: where its value is added (its sum, or nowhere read). */
const SUM_AT = new Int32Array([BASELINE, 1, UNREAD, UNREAD, UNREAD]);
const TERMS_AT = new Int32Array([TERMS, TERMS + 1, UNREAD_TERMS, UNREAD_TERMS, UNREAD_TERMS]);
/** By mode code: subtracted from `sign × value` before the hard minimum (0 keeps -0 as it is). */
const HARD_OFFSET = new Float64Array([-Infinity, -Infinity, 0, 0, -Infinity]);
/** By side: the sign the hard bound is kept with. */
const HARD_SIGN = new Float64Array([1, -1]);
/**
 * By the sum bits of HAS (bit 0 BASELINE, bit 1 ADDITIVE): what the sum `b + a` gets added to become
 * `boundLayer`'s `(baseline ?? 0) + (additive ?? 0)`. An absent sum is -0 here where it is 0 there:
 * with one term present that only shows for -0, which `+ 0` turns into 0; with both, `+ -0` changes
 * nothing.
 */
const SUM_FIX = new Float64Array([0, 0, 0, -0]);

/** More int32 terms than this could sum past 2^53 (as in combine.ts). */
const MAX_EXACT_INT32_TERMS = 1 << 22;

/** Per dimension: bits 0–30 say which layers hold its caps; this one that a sum needs the sort. */
const INEXACT = 1 << 31;

export class CapFolds {
  private numbers = new Float64Array(0);
  private ints = new Int32Array(0);
  private dims = new Int32Array(0);
  private readonly prioritized: boolean;

  /** Layers are bits of an int32 whose sign bit marks the inexact. */
  static readonly MAX_LAYERS = 31;

  /**
   * @param layerCount how many layers the cap layer registry has (at most `MAX_LAYERS`)
   * @param capAt the cap the caller numbered `item`, to compare OVERRIDE caps
   */
  constructor(
    private readonly layerCount: number,
    policy: AcrossPolicy,
    private readonly capAt: (item: number) => CapContribution,
  ) {
    this.prioritized = policy === 'PRIORITIZED_OVERRIDE';
  }

  /** Sizes the tables for `capacity` dimensions, keeping what they hold. */
  grow(capacity: number): void {
    const slots = capacity * this.layerCount * 2;
    const numbers = new Float64Array(slots * SLOT_NUMBERS);
    const ints = new Int32Array(slots * SLOT_INTS);
    const dims = new Int32Array(capacity);
    numbers.set(this.numbers);
    ints.set(this.ints);
    dims.set(this.dims);
    this.numbers = numbers;
    this.ints = ints;
    this.dims = dims;
  }

  /** Forgets the caps of dimensions `[0, count)`; their slots are cleared as layers are first used. */
  clear(count: number): void {
    this.dims.fill(0, 0, count);
  }

  /**
   * Folds in cap number `item` of dimension `dim`, whose place (layer, mode, side; see `capPlace`)
   * has been validated.
   */
  add(dim: number, place: number, cap: CapContribution, item: number): void {
    const { numbers, ints, dims } = this;
    const layer = place >>> PLACE_LAYER;
    const code = (place >>> PLACE_MODE) & 7;
    const side = place & 1;
    const state = dims[dim]!;
    const pair = (dim * this.layerCount + layer) * 2;
    if ((state & (1 << layer)) === 0) {
      dims[dim] = state | (1 << layer);
      this.clearPair(pair);
    }
    const slot = pair + side;
    const at = slot * SLOT_NUMBERS;
    const it = slot * SLOT_INTS;
    const v = cap.value;
    const has = ints[it + HAS]!;
    numbers[at + SUM_AT[code]!] += v;
    numbers[at + HARD] = Math.min(numbers[at + HARD]!, HARD_SIGN[side]! * v - HARD_OFFSET[code]!);
    ints[it + HAS] = has | (1 << code);
    ints[it + FRACTIONAL] |= +((v | 0) !== v) << code; // -0 counts as an integer
    const terms = ++ints[it + TERMS_AT[code]!]!;
    if (terms > 2 && code <= ADDITIVE_CODE) {
      if ((ints[it + FRACTIONAL]! & (1 << code)) !== 0 || terms >= MAX_EXACT_INT32_TERMS)
        dims[dim]! |= INEXACT;
    }
    if (code === OVERRIDE_CODE) {
      // The first in compareCaps order, a total order, so the winner is the same in any order.
      if ((has & HAS_OVERRIDE) === 0 || compareCaps(cap, this.capAt(ints[it + OVERRIDE_ITEM]!)) < 0) {
        ints[it + OVERRIDE_ITEM] = item;
        numbers[at + OVERRIDE] = v;
      }
    }
  }

  /** Empties both sides of a (dimension, layer) pair. */
  private clearPair(pair: number): void {
    const { numbers, ints } = this;
    for (let slot = pair; slot < pair + 2; slot++) {
      const at = slot * SLOT_NUMBERS;
      const it = slot * SLOT_INTS;
      numbers[at + BASELINE] = numbers[at + BASELINE + 1] = -0;
      numbers[at + HARD] = Infinity;
      ints[it + HAS] = ints[it + FRACTIONAL] = 0;
      ints[it + TERMS] = ints[it + TERMS + 1] = ints[it + UNREAD_TERMS] = 0;
    }
  }

  /** Whether the dimension's sums folded so far have the sorted fold's bits. */
  exact(dim: number): boolean {
    return (this.dims[dim]! & INEXACT) === 0;
  }

  /** The dimension's `[Min, Max]`: each layer as `boundLayer`, across them as `RangeFold`, then `finish`. */
  range(dim: number, rule: CompiledRule): CapRange {
    let Min = -Infinity;
    let Max = Infinity;
    let minFixed = false;
    let maxFixed = false;
    const prioritized = this.prioritized;
    const { ints, numbers } = this;
    const base = dim * this.layerCount * 2;
    // The layers present, lowest first: one turn per layer that holds a cap, none for the others.
    for (let present = this.dims[dim]! & ~INEXACT; present !== 0;) {
      const lowest = present & -present;
      present ^= lowest;
      const max = (base + (31 - Math.clz32(lowest)) * 2) * SLOT_NUMBERS; // the max side's numbers
      const min = max + SLOT_NUMBERS;
      const maxHas = ints[(max / SLOT_NUMBERS) * SLOT_INTS + HAS]!;
      const minHas = ints[(min / SLOT_NUMBERS) * SLOT_INTS + HAS]!;
      const layerMax = Math.min(this.candidate(max, maxHas, Infinity), numbers[max + HARD]!, rule.max);
      const below = Math.max(this.candidate(min, minHas, -Infinity), -numbers[min + HARD]!, rule.min);
      const layerMin = below > layerMax ? layerMax : below;
      if (!minFixed) {
        if (prioritized && (minHas & HAS_OVERRIDE) !== 0) {
          Min = layerMin;
          minFixed = true;
        } else if (layerMin > Min) Min = layerMin;
      }
      if (!maxFixed) {
        if (prioritized && (maxHas & HAS_OVERRIDE) !== 0) {
          Max = layerMax;
          maxFixed = true;
        } else if (layerMax < Max) Max = layerMax;
      }
    }
    if (rule.min >= Min) Min = rule.min;
    if (rule.max <= Max) Max = rule.max;
    if (Min > Max) Min = Max;
    return { Min, Max };
  }

  /** `override ?? (baseline ?? 0) + (additive ?? 0)` when either is present, else `unbounded`. */
  private candidate(at: number, has: number, unbounded: number): number {
    const numbers = this.numbers;
    if ((has & HAS_OVERRIDE) !== 0) return numbers[at + OVERRIDE]!;
    if ((has & HAS_SUM) === 0) return unbounded;
    return numbers[at + BASELINE]! + numbers[at + BASELINE + 1]! + SUM_FIX[has & HAS_SUM]!;
  }
}
