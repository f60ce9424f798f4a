/**
 * The hot path's cap fold for a dimension with several caps: each cap goes straight into its layer's
 * running bounds as it arrives, with no array of caps, no sort and no boxed numbers (the reference
 * records of caps.ts hold `number | undefined`, which V8 keeps as heap numbers).
 *
 * Arrival order gives the sorted fold's bits wherever order cannot show: HARD caps fold by min / max
 * and the OVERRIDE is chosen by comparison, and a BASELINE or ADDITIVE sum of at most two terms, or of
 * int32 terms only, is exact in any order (as for contributions, see `needsOrderFor`). When a sum of
 * three or more terms holds a fraction, `exact()` says so and the caller folds the sorted caps instead.
 * The expressions are `boundLayer`'s and `RangeFold`'s term for term, so -0 and ±∞ come out the same
 * bits; a property test holds the two equal.
 */
import { compareCaps } from './order';
import type { CompiledRegistries, CompiledRule } from './registries';
import type { CapContribution, CapRange } from './types';

// Per layer and side, at `(layer * 2 + side) * SIDE_NUMBERS` (max side 0, min side 1).
const SIDE_NUMBERS = 4;
const BASELINE = 0;
const ADDITIVE = 1;
const HARD = 2;
const OVERRIDE = 3;
// Per layer and side, at `(layer * 2 + side) * SIDE_INTS`.
const SIDE_INTS = 4;
const HAS = 0; // bit set of the HAS_* below
const BASELINE_TERMS = 1;
const ADDITIVE_TERMS = 2;
const FRACTIONAL = 3; // bit set: 1 BASELINE, 2 ADDITIVE

const HAS_BASELINE = 1;
const HAS_ADDITIVE = 2;
const HAS_HARD = 4;
const HAS_OVERRIDE = 8;

/** More int32 terms than this could sum past 2^53 (as in combine.ts). */
const MAX_EXACT_INT32_TERMS = 1 << 22;

export class LayeredCaps {
  private readonly numbers: Float64Array;
  private readonly ints: Int32Array;
  /** The winning OVERRIDE cap of each layer and side (compared against the next one). */
  private readonly overrides: (CapContribution | undefined)[];
  private readonly layers: readonly string[];
  private readonly prioritized: boolean;
  /** Bit l: layer l holds a cap of the current dimension. */
  private present = 0;
  private inexact = false;

  constructor(registries: CompiledRegistries) {
    this.layers = registries.layers;
    this.prioritized = registries.policy === 'PRIORITIZED_OVERRIDE';
    this.numbers = new Float64Array(this.layers.length * 2 * SIDE_NUMBERS);
    this.ints = new Int32Array(this.layers.length * 2 * SIDE_INTS);
    this.overrides = new Array<CapContribution | undefined>(this.layers.length * 2).fill(undefined);
  }

  /** Whether this fold applies: the layers fit the bit set it keeps. */
  static fits(layers: readonly string[]): boolean {
    return layers.length <= 31;
  }

  /** Forgets the previous dimension. */
  reset(): void {
    for (let l = 0, present = this.present; present !== 0; l++, present >>>= 1) {
      if ((present & 1) === 0) continue;
      // A loop, not `fill`: eight ints do not pay for a call into the runtime.
      for (let i = l * 2 * SIDE_INTS; i < (l + 1) * 2 * SIDE_INTS; i++) this.ints[i] = 0;
      this.overrides[l * 2] = this.overrides[l * 2 + 1] = undefined;
    }
    this.present = 0;
    this.inexact = false;
  }

  /** Folds in one validated cap (its scope is a registry layer, its mode fits its kind). */
  add(cap: CapContribution): void {
    const scope = cap.scope ?? 'TOTAL';
    const layers = this.layers;
    let l = 0;
    while (layers[l] !== scope) l++;
    this.present |= 1 << l;
    const slot = l * 2 + (cap.kind === 'max' ? 0 : 1);
    const at = slot * SIDE_NUMBERS;
    const it = slot * SIDE_INTS;
    const { numbers, ints } = this;
    const has = ints[it + HAS]!;
    const v = cap.value;
    switch (cap.mode) {
      case 'BASELINE':
        numbers[at + BASELINE] = (has & HAS_BASELINE) === 0 ? v : numbers[at + BASELINE]! + v;
        ints[it + HAS] = has | HAS_BASELINE;
        this.countTerm(it, BASELINE_TERMS, 1, v);
        break;
      case 'ADDITIVE':
        numbers[at + ADDITIVE] = (has & HAS_ADDITIVE) === 0 ? v : numbers[at + ADDITIVE]! + v;
        ints[it + HAS] = has | HAS_ADDITIVE;
        this.countTerm(it, ADDITIVE_TERMS, 2, v);
        break;
      case 'HARD_MAX':
        numbers[at + HARD] = (has & HAS_HARD) === 0 ? v : Math.min(numbers[at + HARD]!, v);
        ints[it + HAS] = has | HAS_HARD;
        break;
      case 'HARD_MIN':
        numbers[at + HARD] = (has & HAS_HARD) === 0 ? v : Math.max(numbers[at + HARD]!, v);
        ints[it + HAS] = has | HAS_HARD;
        break;
      default: {
        // OVERRIDE: the first in compareCaps order, a total order, so the winner is the same in any order.
        const current = this.overrides[slot];
        if (current === undefined || compareCaps(cap, current) < 0) {
          this.overrides[slot] = cap;
          numbers[at + OVERRIDE] = v;
        }
        ints[it + HAS] = has | HAS_OVERRIDE;
      }
    }
  }

  private countTerm(it: number, field: number, bit: number, value: number): void {
    const ints = this.ints;
    const terms = ++ints[it + field]!;
    if ((value | 0) !== value) ints[it + FRACTIONAL]! |= bit;
    if (terms > 2 && ((ints[it + FRACTIONAL]! & bit) !== 0 || terms >= MAX_EXACT_INT32_TERMS))
      this.inexact = true;
  }

  /** Whether the sums folded so far have the sorted fold's bits. */
  exact(): boolean {
    return !this.inexact;
  }

  /** The dimension's `[Min, Max]`: each layer as `boundLayer`, across them as `RangeFold`, then `finish`. */
  range(rule: CompiledRule): CapRange {
    let Min = -Infinity;
    let Max = Infinity;
    let minFixed = false;
    let maxFixed = false;
    const prioritized = this.prioritized;
    for (let l = 0, present = this.present; present !== 0; l++, present >>>= 1) {
      if ((present & 1) === 0) continue;
      const layerMax = Math.min(this.candidate(l * 2, Infinity), this.hard(l * 2, Infinity), rule.max);
      const min = Math.max(this.candidate(l * 2 + 1, -Infinity), this.hard(l * 2 + 1, -Infinity), rule.min);
      const layerMin = min > layerMax ? layerMax : min;
      if (!minFixed) {
        if (prioritized && this.has(l * 2 + 1, HAS_OVERRIDE)) {
          Min = layerMin;
          minFixed = true;
        } else if (layerMin > Min) Min = layerMin;
      }
      if (!maxFixed) {
        if (prioritized && this.has(l * 2, HAS_OVERRIDE)) {
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

  private has(slot: number, bit: number): boolean {
    return (this.ints[slot * SIDE_INTS + HAS]! & bit) !== 0;
  }

  /** `override ?? (baseline ?? 0) + (additive ?? 0)` when either is present, else `unbounded`. */
  private candidate(slot: number, unbounded: number): number {
    const has = this.ints[slot * SIDE_INTS + HAS]!;
    const at = slot * SIDE_NUMBERS;
    if ((has & HAS_OVERRIDE) !== 0) return this.numbers[at + OVERRIDE]!;
    if ((has & (HAS_BASELINE | HAS_ADDITIVE)) === 0) return unbounded;
    return (
      ((has & HAS_BASELINE) !== 0 ? this.numbers[at + BASELINE]! : 0) +
      ((has & HAS_ADDITIVE) !== 0 ? this.numbers[at + ADDITIVE]! : 0)
    );
  }

  private hard(slot: number, unbounded: number): number {
    return this.has(slot, HAS_HARD) ? this.numbers[slot * SIDE_NUMBERS + HARD]! : unbounded;
  }
}
