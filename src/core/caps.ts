/**
 * Step 2 of AGGREGATION.md: effective caps within one layer, then across layers.
 * The same functions serve the hot path (filling caller-owned records) and `explain` (keeping them).
 */
import { compareCaps } from './order';
import type { CompiledRule } from './registries';
import type { AcrossPolicy, CapContribution } from './types';

/** One side (max or min) of one layer, with what produced it. */
export interface SideBounds {
  baseline: number | undefined;
  additive: number | undefined;
  hard: number | undefined;
  override: number | undefined;
  /** The OVERRIDE cap that won: the first in `compareCaps` order. */
  overrideCap: CapContribution | undefined;
  /** The side's value: `override ?? baseline + additive ?? ±∞`, then the hard cap and `clamp_default`. */
  value: number;
}

export interface LayerBounds {
  max: SideBounds;
  min: SideBounds;
  /** How many caps the layer holds for the dimension; a layer with none is skipped. */
  count: number;
  Min: number;
  Max: number;
}

export function emptyLayer(): LayerBounds {
  const side = (): SideBounds => ({
    baseline: undefined,
    additive: undefined,
    hard: undefined,
    override: undefined,
    overrideCap: undefined,
    value: 0,
  });
  return { max: side(), min: side(), count: 0, Min: 0, Max: 0 };
}

function resetSide(side: SideBounds): void {
  side.baseline = undefined;
  side.additive = undefined;
  side.hard = undefined;
  side.override = undefined;
  side.overrideCap = undefined;
}

function addCap(side: SideBounds, cap: CapContribution): void {
  const v = cap.value;
  switch (cap.mode) {
    case 'BASELINE':
      side.baseline = side.baseline === undefined ? v : side.baseline + v;
      break;
    case 'ADDITIVE':
      side.additive = side.additive === undefined ? v : side.additive + v;
      break;
    case 'HARD_MAX':
      side.hard = side.hard === undefined ? v : Math.min(side.hard, v);
      break;
    case 'HARD_MIN':
      side.hard = side.hard === undefined ? v : Math.max(side.hard, v);
      break;
    case 'OVERRIDE':
      if (side.overrideCap === undefined || compareCaps(cap, side.overrideCap) < 0) {
        side.overrideCap = cap;
        side.override = v;
      }
      break;
  }
}

/** A side's candidate before the HARD caps and `clamp_default`: its OVERRIDE, else its sums, else `unbounded`. */
export function candidate(side: SideBounds, unbounded: number): number {
  if (side.override !== undefined) return side.override;
  if (side.baseline !== undefined || side.additive !== undefined)
    return (side.baseline ?? 0) + (side.additive ?? 0);
  return unbounded;
}

/**
 * Fills `out` with the bounds of layer `scope` from the dimension's caps. Sums are folded in the given
 * order, so three or more caps must come in `compareCaps` order (the within-layer order of each layer
 * is then a subsequence of it); with fewer, any order gives the same bits.
 */
export function boundLayer(
  sorted: readonly CapContribution[],
  scope: string,
  rule: CompiledRule,
  out: LayerBounds,
): LayerBounds {
  resetSide(out.max);
  resetSide(out.min);
  let count = 0;
  for (let i = 0; i < sorted.length; i++) {
    const cap = sorted[i]!;
    if ((cap.scope ?? 'TOTAL') !== scope) continue;
    count++;
    addCap(cap.kind === 'max' ? out.max : out.min, cap);
  }
  out.count = count;
  const max = Math.min(candidate(out.max, Infinity), out.max.hard ?? Infinity, rule.max);
  const min = Math.max(candidate(out.min, -Infinity), out.min.hard ?? -Infinity, rule.min);
  out.max.value = max;
  out.min.value = min;
  out.Max = max;
  out.Min = min > max ? max : min;
  return out;
}

/** Exported by list, so that the folds here read the local binding (see item-checks.ts). */
const CLAMP_DEFAULT = 'clamp_default';
export { CLAMP_DEFAULT };

/** The across-layer fold, visited in registry order; it also records which layer fixed each side. */
export class RangeFold {
  Min = -Infinity;
  Max = Infinity;
  minFrom: string = CLAMP_DEFAULT;
  maxFrom: string = CLAMP_DEFAULT;
  /** Under PRIORITIZED_OVERRIDE, the layer whose OVERRIDE fixed the side, if one did. */
  minFixedBy: string | undefined;
  maxFixedBy: string | undefined;
  /** Min's floor when it came out above Max and was lowered to it (`minFrom` still names its source). */
  floorAboveMax: number | undefined;
  private readonly prioritized: boolean;

  constructor(policy: AcrossPolicy) {
    this.prioritized = policy === 'PRIORITIZED_OVERRIDE';
  }

  /** Back to `[−∞, +∞]`, for the next dimension. */
  reset(): this {
    this.Min = -Infinity;
    this.Max = Infinity;
    this.minFrom = CLAMP_DEFAULT;
    this.maxFrom = CLAMP_DEFAULT;
    this.minFixedBy = undefined;
    this.maxFixedBy = undefined;
    this.floorAboveMax = undefined;
    return this;
  }

  /** Folds in one layer that holds caps for the dimension. */
  add(layer: string, bounds: LayerBounds): void {
    if (this.minFixedBy === undefined) {
      if (this.prioritized && bounds.min.override !== undefined) {
        this.Min = bounds.Min;
        this.minFrom = layer;
        this.minFixedBy = layer;
      } else if (this.Min === this.Min && !(bounds.Min <= this.Min)) {
        // A NaN side (caps overflowing to ∞ − ∞) stays, as max() propagates it, until a fixing
        // OVERRIDE replaces it; the caller rejects one that survives.
        this.Min = bounds.Min;
        this.minFrom = layer;
      }
    }
    if (this.maxFixedBy === undefined) {
      if (this.prioritized && bounds.max.override !== undefined) {
        this.Max = bounds.Max;
        this.maxFrom = layer;
        this.maxFixedBy = layer;
      } else if (this.Max === this.Max && !(bounds.Max >= this.Max)) {
        this.Max = bounds.Max;
        this.maxFrom = layer;
      }
    }
  }

  /** Intersects with `clamp_default` and keeps `Min ≤ Max`. */
  finish(rule: CompiledRule): this {
    // Ties go to clamp_default: a layer that only repeats the default did not bind anything.
    if (rule.min >= this.Min) {
      this.Min = rule.min;
      this.minFrom = CLAMP_DEFAULT;
    }
    if (rule.max <= this.Max) {
      this.Max = rule.max;
      this.maxFrom = CLAMP_DEFAULT;
    }
    if (this.Min > this.Max) {
      this.floorAboveMax = this.Min;
      this.Min = this.Max;
    }
    return this;
  }
}
