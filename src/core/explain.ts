/**
 * Provenance of one value: which contributions were applied in which order with the running value,
 * the caps of each layer, which layer bound the range, and the final clamp. Built from the same
 * functions as `resolveSnapshot`, so the value it explains is the value the snapshot holds.
 */
import { emptyLayer, type SideBounds } from './caps';
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
      caps: sortCaps(found!.caps.filter((cap) => (cap.scope ?? 'TOTAL') === layer)), // in the order applied
      max: { ...bounds.max },
      min: { ...bounds.min },
      Min: bounds.Min,
      Max: bounds.Max,
    });
  });
  const capsUsed: ExplainedRange = {
    Min: fold.Min,
    Max: fold.Max,
    minFrom: fold.minFrom,
    maxFrom: fold.maxFrom,
    minFixedBy: fold.minFixedBy ?? null,
    maxFixedBy: fold.maxFixedBy ?? null,
    floorAboveMax: fold.floorAboveMax ?? null,
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

/** An Explanation as JSON text, with ±∞ (a running sum or a side without caps) as "Infinity" / "-Infinity". */
export function explanationJson(explanation: Explanation): string {
  return JSON.stringify(explanation, (_key, value: unknown) =>
    value === Infinity ? 'Infinity' : value === -Infinity ? '-Infinity' : value,
  );
}
