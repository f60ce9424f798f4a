/**
 * AGGREGATION.md steps 1–3 read literally, as a test oracle: it shares no code with src/core (only
 * its types), sorts every group as the page says and folds it left to right, and is as slow as that
 * is. Valid inputs only. Where the page leaves a choice open (ties in every sort key, the sign of a
 * zero), its answers may differ from the core's: compare on inputs without such ties, as JSON.
 */
import type {
  CapContribution,
  CapLayerRegistrySource,
  CombinerRegistrySource,
  Contribution,
  MergeRule,
  SubsystemOutput,
} from '../../src/core';

const BUCKET_ORDER = ['FLAT', 'MULT', 'POST_ADD', 'OVERRIDE'];
const SPEC_CAP_LAYERS: CapLayerRegistrySource = {
  order: ['REALM', 'WORLD', 'EVENT', 'TOTAL'],
  across_policy: 'INTERSECT',
};
const SPEC_DEFAULT_CLAMP = { min: 0, max: 1000000 };

interface Range {
  Min: number;
  Max: number;
}

const priorityOf = (item: { priority?: number }): number => item.priority ?? 0;
const ascending = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const sum = (values: number[]): number => values.reduce((total, v) => total + v, 0);
const product = (values: number[]): number => values.reduce((total, v) => total * v, 1);

/** `(bucket FLAT < MULT < POST_ADD < OVERRIDE, priority DESC, system ASC)`. */
function sortGroup(group: Contribution[]): Contribution[] {
  return [...group].sort(
    (a, b) =>
      BUCKET_ORDER.indexOf(a.bucket) - BUCKET_ORDER.indexOf(b.bucket) ||
      priorityOf(b) - priorityOf(a) ||
      ascending(a.system, b.system),
  );
}

/** `(priority DESC, system ASC)`. */
function sortCaps(caps: CapContribution[]): CapContribution[] {
  return [...caps].sort((a, b) => priorityOf(b) - priorityOf(a) || ascending(a.system, b.system));
}

function ruleOf(name: string, combiner: CombinerRegistrySource): MergeRule {
  if (Object.hasOwn(combiner.dimensions, name)) return combiner.dimensions[name]!;
  return { use_pipeline: true, clamp_default: combiner.defaults?.clamp_default ?? SPEC_DEFAULT_CLAMP };
}

/** Step 1: a group's candidate value. */
function candidate(group: Contribution[], rule: MergeRule): number {
  const sorted = sortGroup(group);
  const valuesOf = (bucket: string): number[] =>
    sorted.filter((c) => c.bucket === bucket).map((c) => c.value);
  if (rule.use_pipeline) {
    const override = sorted.find((c) => c.bucket === 'OVERRIDE');
    if (override !== undefined) return override.value;
    const flat = sum(valuesOf('FLAT'));
    const mult = product(valuesOf('MULT').map((m) => 1 + m));
    return flat * mult + sum(valuesOf('POST_ADD'));
  }
  const values = sorted.map((c) => c.value);
  switch (rule.operator) {
    case 'MAX':
      return values.reduce((a, b) => Math.max(a, b));
    case 'MIN':
      return values.reduce((a, b) => Math.min(a, b));
    case 'AVERAGE':
      return sum(values) / values.length;
    case 'MULTIPLY':
      return product(values);
    default: // SUM, and no operator
      return sum(values);
  }
}

/** Step 2, within one layer: `[Min, Max]` from the layer's caps of one dimension. */
function layerRange(caps: CapContribution[], rule: MergeRule): Range {
  const side = (kind: 'max' | 'min'): number | undefined => {
    const sorted = sortCaps(caps.filter((c) => c.kind === kind));
    const valuesOf = (mode: string): number[] => sorted.filter((c) => c.mode === mode).map((c) => c.value);
    const override = sorted.find((c) => c.mode === 'OVERRIDE');
    if (override !== undefined) return override.value;
    const summed = [...valuesOf('BASELINE'), ...valuesOf('ADDITIVE')];
    return summed.length > 0 ? sum(valuesOf('BASELINE')) + sum(valuesOf('ADDITIVE')) : undefined;
  };
  const hardMax = caps.filter((c) => c.mode === 'HARD_MAX').map((c) => c.value);
  const hardMin = caps.filter((c) => c.mode === 'HARD_MIN').map((c) => c.value);
  const Max = Math.min(side('max') ?? Infinity, Math.min(...hardMax), rule.clamp_default.max);
  const Min = Math.max(side('min') ?? -Infinity, Math.max(...hardMin), rule.clamp_default.min);
  return { Min: Min > Max ? Max : Min, Max };
}

/** Step 2: a dimension's `[Min, Max]` from all its caps, across the registry's layers. */
function capsUsed(caps: CapContribution[], rule: MergeRule, layers: CapLayerRegistrySource): Range {
  const clamp = rule.clamp_default;
  if (caps.length === 0) return { Min: clamp.min, Max: clamp.max };
  let Min = -Infinity;
  let Max = Infinity;
  let minFixed = false;
  let maxFixed = false;
  const prioritized = layers.across_policy === 'PRIORITIZED_OVERRIDE';
  for (const layer of layers.order) {
    const held = caps.filter((c) => (c.scope ?? 'TOTAL') === layer);
    if (held.length === 0) continue;
    const range = layerRange(held, rule);
    const overrides = (kind: string): boolean => held.some((c) => c.mode === 'OVERRIDE' && c.kind === kind);
    if (!maxFixed) {
      Max = prioritized && overrides('max') ? range.Max : Math.min(Max, range.Max);
      maxFixed = prioritized && overrides('max');
    }
    if (!minFixed) {
      Min = prioritized && overrides('min') ? range.Min : Math.max(Min, range.Min);
      minFixed = prioritized && overrides('min');
    }
  }
  Min = Math.max(Min, clamp.min);
  Max = Math.min(Max, clamp.max);
  return { Min: Min > Max ? Max : Min, Max };
}

const clampInto = (value: number, range: Range): number =>
  value < range.Min ? range.Min : value > range.Max ? range.Max : value;

/** Step 3: the snapshot, as plain JSON-ready data. */
export function specSnapshot(
  outputs: readonly SubsystemOutput[],
  combiner: CombinerRegistrySource,
  capLayers: CapLayerRegistrySource = SPEC_CAP_LAYERS,
  version = 1,
): Record<string, unknown> {
  const names = new Set<string>();
  for (const o of outputs)
    for (const item of [...o.primary, ...o.derived, ...o.caps]) names.add(item.dimension);
  const Primary: Record<string, number> = {};
  const Derived: Record<string, number> = {};
  const CapsUsed: Record<string, Range> = {};
  for (const name of names) {
    const rule = ruleOf(name, combiner);
    const of = <T extends { dimension: string }>(pick: (o: SubsystemOutput) => T[]): T[] =>
      outputs.flatMap(pick).filter((item) => item.dimension === name);
    const range = capsUsed(
      of((o) => o.caps),
      rule,
      capLayers,
    );
    const primary = of((o) => o.primary);
    const derived = of((o) => o.derived);
    if (primary.length > 0) Primary[name] = clampInto(candidate(primary, rule), range);
    if (derived.length > 0) Derived[name] = clampInto(candidate(derived, rule), range);
    CapsUsed[name] = range;
  }
  const snapshot: Record<string, unknown> = { Primary, Derived, CapsUsed, Version: version };
  const context = mergedContext(outputs);
  if (Object.keys(context).length > 0) snapshot.Context = context;
  return snapshot;
}

/** Per context name, the packs merged in `meta.system ASC` order. */
function mergedContext(outputs: readonly SubsystemOutput[]): Record<string, unknown> {
  const bySystem = [...outputs].sort((a, b) => ascending(a.meta.system, b.meta.system));
  const merged: Record<string, { additive_percent: number; multipliers: number[]; post_add: number }> = {};
  for (const output of bySystem) {
    for (const [name, pack] of Object.entries(output.context ?? {})) {
      const into = (merged[name] ??= { additive_percent: 0, multipliers: [], post_add: 0 });
      into.additive_percent += pack.additive_percent ?? 0;
      into.multipliers.push(...(pack.multipliers ?? []));
      into.post_add += pack.post_add ?? 0;
    }
  }
  return merged;
}
