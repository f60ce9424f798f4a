/**
 * Provenance of one value: which contributions were applied in which order with the running value,
 * the caps of each layer, which layer bound the range, and the final clamp. Built from the same
 * functions as `resolveSnapshot`, so the value it explains is the value the snapshot holds.
 */
import { candidate as sideCandidate, CLAMP_DEFAULT, emptyLayer, type SideBounds } from './caps';
import { candidateValue } from './combine';
import { sortCaps, sortContributions } from './order';
import { ruleFor, type CompiledRegistries } from './registries';
import { checkDimension } from './check';
import {
  checkVersion,
  foldCaps,
  gatherInputs,
  resolveSnapshot,
  sectionValue,
  type DimensionInputs,
} from './resolve';
import type { Bucket, CapContribution, CapRange, Operator } from './types';

export interface ExplainStep {
  system: string;
  bucket: Bucket;
  priority: number;
  value: number;
  /** The candidate value once this contribution (and every one before it) is applied. */
  running: number;
}

export interface SectionExplanation {
  section: 'Primary' | 'Derived';
  mode: 'pipeline' | 'operator';
  operator?: Operator;
  steps: ExplainStep[];
  /** The value before the caps. */
  candidate: number;
  /** The value in the snapshot. */
  value: number;
  /** Which side of the range clamped the candidate, and the layer (or `clamp_default`) that set it. */
  clampedBy: { side: 'min' | 'max'; source: string } | null;
}

export interface LayerExplanation {
  layer: string;
  /** The layer's caps in the order they were applied. */
  caps: CapContribution[];
  max: SideBounds;
  min: SideBounds;
  Min: number;
  Max: number;
}

/** `CapsUsed[d]` with where each side came from. */
export interface ExplainedRange extends CapRange {
  /** The layer, or `clamp_default`, whose floor set Min (lowered to Max when `floorAboveMax` is set). */
  minFrom: string;
  maxFrom: string;
  /**
   * Under PRIORITIZED_OVERRIDE, the layer whose OVERRIDE cap fixed the side: the layers before it
   * are replaced on that side, and those after it not applied.
   */
  minFixedBy: string | null;
  maxFixedBy: string | null;
  /** Min's floor when it came out above Max, so that Min was lowered to Max. */
  floorAboveMax: number | null;
  /**
   * The other sources that give the same bound as `minFrom` (its floor) or `maxFrom`: layers whose
   * caps on that side come to the same value, and `clamp_default` when it is that value. Removing the
   * source named alone would leave the range as it is. Empty on a side fixed by an OVERRIDE.
   */
  minAlsoFrom: string[];
  maxAlsoFrom: string[];
}

export interface Explanation {
  dimension: string;
  version: number;
  /** False when no subsystem sent anything for this dimension. */
  seen: boolean;
  rule: {
    listed: boolean;
    use_pipeline: boolean;
    operator?: Operator;
    clamp_default: { min: number; max: number };
  };
  across_policy: CompiledRegistries['policy'];
  layers: LayerExplanation[];
  capsUsed: ExplainedRange;
  primary?: SectionExplanation;
  derived?: SectionExplanation;
}

function explainSection(
  dim: DimensionInputs,
  range: ExplainedRange,
  section: 'Primary' | 'Derived',
): SectionExplanation {
  // Sorted in place: the value below is then folded in this same order.
  const sorted = sortContributions(section === 'Primary' ? dim.primary : dim.derived);
  const steps = sorted.map((c, i) => ({
    system: c.system,
    bucket: c.bucket,
    priority: c.priority ?? 0,
    value: c.value,
    running: candidateValue(sorted.slice(0, i + 1), dim.rule),
  }));
  const candidate = candidateValue(sorted, dim.rule);
  const value = sectionValue(dim, range, section);
  const clampedBy =
    candidate < range.Min
      ? { side: 'min' as const, source: range.minFrom }
      : candidate > range.Max
        ? { side: 'max' as const, source: range.maxFrom }
        : null;
  const explained: SectionExplanation = {
    section,
    mode: dim.rule.usePipeline ? 'pipeline' : 'operator',
    steps,
    candidate,
    value,
    clampedBy,
  };
  if (!dim.rule.usePipeline) explained.operator = dim.rule.operator;
  return explained;
}

/**
 * The sources other than `from` whose bound on `side` is `bound`: a layer whose side, as the fold
 * across layers reads it, is `bound` by its own caps — its caps' own bound, or a floor of its caps
 * above its Max and lowered to it, as `from`'s may be — not by clamp_default (which then binds
 * itself), and clamp_default when it is `bound`.
 */
function sameBound(
  layers: readonly LayerExplanation[],
  side: 'min' | 'max',
  bound: number,
  from: string,
  clampDefault: number,
): string[] {
  const unbounded = side === 'max' ? Infinity : -Infinity;
  const sources: string[] = [];
  for (const layer of layers) {
    const bounds = layer[side];
    const hard = bounds.hard ?? unbounded;
    const cand = sideCandidate(bounds, unbounded);
    const own = side === 'max' ? Math.min(cand, hard) : Math.max(cand, hard);
    const folded = side === 'max' ? layer.Max : layer.Min;
    const byOwnCaps = own === folded || (side === 'min' && own !== unbounded && own > folded);
    if (layer.layer !== from && folded === bound && byOwnCaps) sources.push(layer.layer);
  }
  if (from !== CLAMP_DEFAULT && clampDefault === bound) sources.push(CLAMP_DEFAULT);
  return sources;
}

/** A cap as explain shows it: fixed key order, `priority` and `scope` written out as they apply. */
function shownCap(cap: CapContribution): CapContribution {
  const shown: CapContribution = {
    system: cap.system,
    dimension: cap.dimension,
    mode: cap.mode,
    kind: cap.kind,
    value: cap.value,
    priority: cap.priority ?? 0,
    scope: cap.scope ?? 'TOTAL',
  };
  if (cap.realm !== undefined) shown.realm = cap.realm;
  if (cap.tags !== undefined) shown.tags = [...cap.tags];
  return shown;
}

function shownSide(side: SideBounds): SideBounds {
  return { ...side, overrideCap: side.overrideCap === undefined ? undefined : shownCap(side.overrideCap) };
}

/**
 * Explains `dimension` of the snapshot that `resolveSnapshot(outputs, registries, version)` gives, and
 * throws what it throws: an actor that does not resolve has no value to explain.
 */
export function explain(
  outputs: unknown,
  dimension: string,
  registries: CompiledRegistries,
  version: unknown = 1,
): Explanation {
  checkDimension(dimension, () => 'dimension', {});
  const actorVersion = checkVersion(version);
  resolveSnapshot(outputs, registries, actorVersion);
  const { dimensions } = gatherInputs(outputs, registries);
  const found = dimensions.find((d) => d.name === dimension);
  const rule = ruleFor(registries, dimension);
  const layers: LayerExplanation[] = [];
  const fold = foldCaps(found?.caps ?? [], rule, registries, emptyLayer(), (layer, bounds) => {
    layers.push({
      layer,
      // In the order applied.
      caps: sortCaps(found!.caps.filter((cap) => (cap.scope ?? 'TOTAL') === layer)).map(shownCap),
      max: shownSide(bounds.max),
      min: shownSide(bounds.min),
      Min: bounds.Min,
      Max: bounds.Max,
    });
  });
  const floor = fold.floorAboveMax ?? fold.Min;
  const capsUsed: ExplainedRange = {
    Min: fold.Min,
    Max: fold.Max,
    minFrom: fold.minFrom,
    maxFrom: fold.maxFrom,
    minFixedBy: fold.minFixedBy ?? null,
    maxFixedBy: fold.maxFixedBy ?? null,
    floorAboveMax: fold.floorAboveMax ?? null,
    minAlsoFrom: fold.minFixedBy === undefined ? sameBound(layers, 'min', floor, fold.minFrom, rule.min) : [],
    maxAlsoFrom:
      fold.maxFixedBy === undefined ? sameBound(layers, 'max', fold.Max, fold.maxFrom, rule.max) : [],
  };
  const explanation: Explanation = {
    dimension,
    version: actorVersion,
    seen: found !== undefined,
    rule: {
      listed: registries.rules.has(dimension),
      use_pipeline: rule.usePipeline,
      clamp_default: { min: rule.min, max: rule.max },
    },
    across_policy: registries.policy,
    layers,
    capsUsed,
  };
  if (!rule.usePipeline) explanation.rule.operator = rule.operator;
  if (found !== undefined && found.primary.length > 0)
    explanation.primary = explainSection(found, capsUsed, 'Primary');
  if (found !== undefined && found.derived.length > 0)
    explanation.derived = explainSection(found, capsUsed, 'Derived');
  return explanation;
}

/**
 * An Explanation as JSON text. JSON has no such numbers, so ±∞ (a running sum or a side without caps)
 * is written "Infinity" / "-Infinity", and NaN (a running value of ∞ × 0 that an OVERRIDE then
 * replaces) "NaN", instead of the null JSON.stringify would write.
 */
export function explanationJson(explanation: Explanation): string {
  return JSON.stringify(explanation, (_key, value: unknown) =>
    typeof value !== 'number' || Number.isFinite(value) ? value : String(value),
  );
}
