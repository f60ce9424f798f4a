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
 * instead. The expressions are `boundLayer`'s and `RangeFold`'s term for term, so -0 and ±∞ come out
 * the same bits; property tests hold the two equal.
 */
import { compareCaps } from './order';
import type { CompiledRule } from './registries';
import type { AcrossPolicy, CapContribution, CapRange } from './types';

// Per slot, a (dimension, layer, side) triple at `((dim * layers + layer) * 2 + side)`, max side 0.
const SLOT_NUMBERS = 4;
const BASELINE = 0;
const ADDITIVE = 1;
const HARD = 2;
const OVERRIDE = 3;
const SLOT_INTS = 4;
const HAS = 0; // bit set of the HAS_* below
const BASELINE_TERMS = 1;
const ADDITIVE_TERMS = 2;
/** The item (as the caller numbers them) of the OVERRIDE cap that wins so far. */
const OVERRIDE_ITEM = 3;

const HAS_BASELINE = 1;
const HAS_ADDITIVE = 2;
const HAS_HARD = 4;
const HAS_OVERRIDE = 8;
const FRACTIONAL_BASELINE = 16;
const FRACTIONAL_ADDITIVE = 32;

/** More int32 terms than this could sum past 2^53 (as in combine.ts). */
const MAX_EXACT_INT32_TERMS = 1 << 22;

/** Per dimension: bits 0–30 say which layers hold its caps; this one that a sum needs the sort. */
const INEXACT = 1 << 31;

export class CapFolds {
  private numbers = new Float64Array(0);
  private ints = new Int32Array(0);
  private dims = new Int32Array(0);
  private readonly prioritized: boolean;

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

  /** Layers are bits of an int32 whose sign bit marks the inexact. */
  static readonly MAX_LAYERS = 31;

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

  /** Folds in cap number `item` of dimension `dim`, in layer `layer` (validated: its mode fits its kind). */
  add(dim: number, layer: number, cap: CapContribution, item: number): void {
    const { numbers, ints, dims } = this;
    const state = dims[dim]!;
    const pair = (dim * this.layerCount + layer) * 2;
    if ((state & (1 << layer)) === 0) {
      dims[dim] = state | (1 << layer);
      // Only HAS and the term counts are read before being written; both sides start empty.
      const from = pair * SLOT_INTS;
      ints[from + HAS] = ints[from + BASELINE_TERMS] = ints[from + ADDITIVE_TERMS] = 0;
      ints[from + SLOT_INTS + HAS] = ints[from + SLOT_INTS + BASELINE_TERMS] = 0;
      ints[from + SLOT_INTS + ADDITIVE_TERMS] = 0;
    }
    const slot = pair + (cap.kind === 'max' ? 0 : 1);
    const at = slot * SLOT_NUMBERS;
    const it = slot * SLOT_INTS;
    const has = ints[it + HAS]!;
    const v = cap.value;
    switch (cap.mode) {
      case 'BASELINE':
        numbers[at + BASELINE] = (has & HAS_BASELINE) === 0 ? v : numbers[at + BASELINE]! + v;
        ints[it + HAS] = has | HAS_BASELINE | ((v | 0) !== v ? FRACTIONAL_BASELINE : 0);
        this.countTerm(dim, it + BASELINE_TERMS, ints[it + HAS]! & FRACTIONAL_BASELINE);
        break;
      case 'ADDITIVE':
        numbers[at + ADDITIVE] = (has & HAS_ADDITIVE) === 0 ? v : numbers[at + ADDITIVE]! + v;
        ints[it + HAS] = has | HAS_ADDITIVE | ((v | 0) !== v ? FRACTIONAL_ADDITIVE : 0);
        this.countTerm(dim, it + ADDITIVE_TERMS, ints[it + HAS]! & FRACTIONAL_ADDITIVE);
        break;
      case 'HARD_MAX':
        numbers[at + HARD] = (has & HAS_HARD) === 0 ? v : Math.min(numbers[at + HARD]!, v);
        ints[it + HAS] = has | HAS_HARD;
        break;
      case 'HARD_MIN':
        numbers[at + HARD] = (has & HAS_HARD) === 0 ? v : Math.max(numbers[at + HARD]!, v);
        ints[it + HAS] = has | HAS_HARD;
        break;
      default:
        // OVERRIDE: the first in compareCaps order, a total order, so the winner is the same in any order.
        if ((has & HAS_OVERRIDE) === 0 || compareCaps(cap, this.capAt(ints[it + OVERRIDE_ITEM]!)) < 0) {
          ints[it + OVERRIDE_ITEM] = item;
          numbers[at + OVERRIDE] = v;
        }
        ints[it + HAS] = has | HAS_OVERRIDE;
    }
  }

  /** Counts a BASELINE or ADDITIVE term; a sum that rounds marks the dimension inexact. */
  private countTerm(dim: number, counter: number, fractional: number): void {
    const terms = ++this.ints[counter]!;
    if (terms > 2 && (fractional !== 0 || terms >= MAX_EXACT_INT32_TERMS)) this.dims[dim]! |= INEXACT;
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
    const ints = this.ints;
    let pair = dim * this.layerCount * 2;
    for (let present = this.dims[dim]! & ~INEXACT; present !== 0; present >>>= 1, pair += 2) {
      if ((present & 1) === 0) continue;
      const maxHas = ints[pair * SLOT_INTS + HAS]!;
      const minHas = ints[(pair + 1) * SLOT_INTS + HAS]!;
      const layerMax = Math.min(
        this.candidate(pair, maxHas, Infinity),
        (maxHas & HAS_HARD) !== 0 ? this.numbers[pair * SLOT_NUMBERS + HARD]! : Infinity,
        rule.max,
      );
      const min = Math.max(
        this.candidate(pair + 1, minHas, -Infinity),
        (minHas & HAS_HARD) !== 0 ? this.numbers[(pair + 1) * SLOT_NUMBERS + HARD]! : -Infinity,
        rule.min,
      );
      const layerMin = min > layerMax ? layerMax : min;
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
  private candidate(slot: number, has: number, unbounded: number): number {
    const at = slot * SLOT_NUMBERS;
    if ((has & HAS_OVERRIDE) !== 0) return this.numbers[at + OVERRIDE]!;
    if ((has & (HAS_BASELINE | HAS_ADDITIVE)) === 0) return unbounded;
    return (
      ((has & HAS_BASELINE) !== 0 ? this.numbers[at + BASELINE]! : 0) +
      ((has & HAS_ADDITIVE) !== 0 ? this.numbers[at + ADDITIVE]! : 0)
    );
  }
}
