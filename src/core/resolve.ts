/**
 * The aggregator: SubsystemOutput[] → Snapshot, exactly as AGGREGATION.md decides.
 * Validation runs as the inputs are gathered and throws; nothing partial is ever returned.
 */
import { boundLayer, emptyLayer, RangeFold, type LayerBounds } from './caps';
import { candidateValue, clampTo, countBucket, needsOrder, resetCounts, type BucketCounts } from './combine';
import { mergeContexts } from './context';
import { ActorCoreError } from './errors';
import { sortCaps, sortContributions } from './order';
import type { CompiledRegistries, CompiledRule } from './registries';
import { isKnownDimension } from './check';
import type { CapContribution, CapRange, Contribution, Snapshot, SubsystemOutput } from './types';
import {
  checkEnvelope,
  diagnoseCap,
  diagnoseContribution,
  isCapBody,
  isContributionBody,
} from './validate-output';

/** Everything one dimension received from all subsystems (empty arrays when it received none). */
export interface DimensionInputs {
  readonly name: string;
  readonly rule: CompiledRule;
  /** Registry slot, or -1 for a dimension the registry does not list. */
  readonly slot: number;
  primary: Contribution[];
  derived: Contribution[];
  caps: CapContribution[];
  readonly primaryCounts: BucketCounts;
  readonly derivedCounts: BucketCounts;
  used: boolean;
}

export function checkVersion(version: unknown): number {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw new ActorCoreError(
      'INVALID_VERSION',
      `version must be an integer ≥ 1, got ${JSON.stringify(version)}`,
      {
        field: 'version',
      },
    );
  }
  return version;
}

/**
 * Per-dimension inputs of one actor, kept by registry slot so that no name sort is needed. One table
 * per compiled registry is reused from actor to actor (resolving is synchronous, so it is never shared
 * by two resolutions at once): its per-slot records are made once, and a reset touches only the
 * dimensions the previous actor used.
 */
class DimensionTable {
  private readonly bySlot: DimensionInputs[];
  private readonly unlisted = new Map<string, DimensionInputs>();
  private touched: DimensionInputs[] = [];
  private order: DimensionInputs[] = [];

  constructor(private readonly registries: CompiledRegistries) {
    this.bySlot = registries.slotNames.map((name, slot) =>
      newInputs(name, registries.slotRules[slot]!, slot),
    );
  }

  /** Forgets the previous actor. */
  reset(): void {
    for (const dim of this.touched) {
      if (dim.primary.length > 0) dim.primary = [];
      if (dim.derived.length > 0) dim.derived = [];
      if (dim.caps.length > 0) dim.caps = [];
      resetCounts(dim.primaryCounts);
      resetCounts(dim.derivedCounts);
      dim.used = false;
    }
    this.touched = [];
    this.order = [];
    if (this.unlisted.size > 0) this.unlisted.clear();
  }

  /**
   * The inputs of dimension `name`, or undefined when the name is not a valid dimension. Registry
   * dimensions are valid by construction, so only unlisted names are pattern-checked.
   */
  get(name: unknown): DimensionInputs | undefined {
    const slot = this.registries.slotIndex.get(name);
    let found: DimensionInputs | undefined;
    if (slot >= 0) {
      found = this.bySlot[slot]!;
    } else {
      if (!isKnownDimension(name)) return undefined;
      found = this.unlisted.get(name as string);
      if (found === undefined) {
        found = newInputs(name as string, this.registries.fallback, -1);
        this.unlisted.set(name as string, found);
      }
    }
    if (!found.used) {
      found.used = true;
      this.touched.push(found);
    }
    return found;
  }

  /** Every dimension seen, in ascending name order (valid until the next reset). */
  ordered(): readonly DimensionInputs[] {
    const out = this.order;
    for (let i = 0; i < this.bySlot.length; i++) if (this.bySlot[i]!.used) out.push(this.bySlot[i]!);
    if (this.unlisted.size > 0) {
      for (const found of this.unlisted.values()) out.push(found);
      out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    return out;
  }
}

function newInputs(name: string, rule: CompiledRule, slot: number): DimensionInputs {
  return {
    name,
    rule,
    slot,
    primary: [],
    derived: [],
    caps: [],
    primaryCounts: { flat: 0, mult: 0, post: 0, fractional: 0 },
    derivedCounts: { flat: 0, mult: 0, post: 0, fractional: 0 },
    used: false,
  };
}

const tables = new WeakMap<CompiledRegistries, DimensionTable>();

function tableFor(registries: CompiledRegistries): DimensionTable {
  let table = tables.get(registries);
  if (table === undefined) tables.set(registries, (table = new DimensionTable(registries)));
  table.reset();
  return table;
}

/** Validates the outputs and gathers their contributions and caps by dimension, ascending. */
export function gatherInputs(
  outputs: unknown,
  registries: CompiledRegistries,
): {
  outputs: SubsystemOutput[];
  /** Valid until the next resolution with the same registries: read them, do not keep them. */
  dimensions: readonly DimensionInputs[];
} {
  if (!Array.isArray(outputs)) checkEnvelopeList(outputs);
  const list = outputs as unknown[];
  const table = tableFor(registries);
  for (let i = 0; i < list.length; i++) {
    const output = checkEnvelope(list[i], i);
    const { primary, derived, caps } = output;
    for (let j = 0; j < primary.length; j++) {
      const c = primary[j]!;
      const dim = table.get(c?.dimension); // `?.`: a null entry is diagnosed, not a TypeError
      if (dim === undefined || !isContributionBody(c)) {
        diagnoseContribution(c, `subsystems[${i}].primary[${j}]`, { subsystem: output.meta.system });
      }
      dim.primary.push(c);
      countBucket(dim.primaryCounts, c.bucket, c.value);
    }
    for (let j = 0; j < derived.length; j++) {
      const c = derived[j]!;
      const dim = table.get(c?.dimension); // `?.`: a null entry is diagnosed, not a TypeError
      if (dim === undefined || !isContributionBody(c)) {
        diagnoseContribution(c, `subsystems[${i}].derived[${j}]`, { subsystem: output.meta.system });
      }
      dim.derived.push(c);
      countBucket(dim.derivedCounts, c.bucket, c.value);
    }
    for (let j = 0; j < caps.length; j++) {
      const cap = caps[j]!;
      const dim = table.get(cap?.dimension);
      if (dim === undefined || !isCapBody(cap, registries)) {
        diagnoseCap(cap, `subsystems[${i}].caps[${j}]`, { subsystem: output.meta.system }, registries);
      }
      dim.caps.push(cap);
    }
  }
  return { outputs: list as SubsystemOutput[], dimensions: table.ordered() };
}

function checkEnvelopeList(outputs: unknown): never {
  throw new ActorCoreError(
    'INVALID_TYPE',
    `subsystems must be an array of SubsystemOutput, got ${outputs === null ? 'null' : typeof outputs}`,
    {
      field: 'subsystems',
    },
  );
}

/**
 * The effective `[Min, Max]` of a dimension from its caps (sorted here, in place), or exactly
 * `clamp_default` when it has none. `scratch` is reused across layers to avoid allocation.
 */
export function foldCaps(
  caps: CapContribution[],
  rule: CompiledRule,
  registries: CompiledRegistries,
  scratch: LayerBounds = emptyLayer(),
  onLayer?: (layer: string, bounds: LayerBounds) => void,
  fold: RangeFold = new RangeFold(registries.policy),
): RangeFold {
  fold.reset();
  if (caps.length > 0) {
    // Only sums of three or more caps depend on order (see `needsOrder`); OVERRIDE is chosen by comparison.
    if (caps.length > 2) sortCaps(caps);
    const layers = registries.layers;
    if (caps.length === 1) {
      // The common case: one cap, one layer to visit.
      const layer = caps[0]!.scope ?? 'TOTAL';
      const bounds = boundLayer(caps, layer, rule, scratch);
      fold.add(layer, bounds);
      onLayer?.(layer, bounds);
    } else {
      // Registry order; a layer without caps for this dimension is skipped.
      for (let l = 0; l < layers.length; l++) {
        const bounds = boundLayer(caps, layers[l]!, rule, scratch);
        if (bounds.count === 0) continue;
        fold.add(layers[l]!, bounds);
        onLayer?.(layers[l]!, bounds);
      }
    }
  }
  return fold.finish(rule);
}

/** The value of one section (Primary or Derived) of a dimension, clamped into its caps. */
export function sectionValue(dim: DimensionInputs, range: CapRange, section: 'Primary' | 'Derived'): number {
  const contributions = section === 'Primary' ? dim.primary : dim.derived;
  const counts = section === 'Primary' ? dim.primaryCounts : dim.derivedCounts;
  const ordered = needsOrder(contributions.length, counts, dim.rule)
    ? sortContributions(contributions)
    : contributions;
  const value = clampTo(candidateValue(ordered, dim.rule), range.Min, range.Max);
  if (value !== value) {
    throw new ActorCoreError(
      'NON_FINITE_RESULT',
      `${section}.${dim.name} is not a number: its contributions overflow (∞ × 0 or ∞ − ∞)`,
      {
        dimension: dim.name,
        field: `${section}.${dim.name}`,
      },
    );
  }
  return value;
}

/** Resolves one actor. Pure: the same (outputs, registries, version) always give the same bytes. */
export function resolveSnapshot(
  outputs: unknown,
  registries: CompiledRegistries,
  version: unknown,
): Snapshot {
  const actorVersion = checkVersion(version);
  const gathered = gatherInputs(outputs, registries);
  // Null-prototype records: dimension names are data keys, and V8 stores them without shape transitions.
  const Primary: Record<string, number> = Object.create(null);
  const Derived: Record<string, number> = Object.create(null);
  const CapsUsed: Record<string, CapRange> = Object.create(null);
  const scratch = emptyLayer();
  const fold = new RangeFold(registries.policy);
  for (const dim of gathered.dimensions) {
    let range: CapRange;
    if (dim.caps.length === 0) {
      range = { Min: dim.rule.min, Max: dim.rule.max }; // no caps: exactly clamp_default
    } else {
      foldCaps(dim.caps, dim.rule, registries, scratch, undefined, fold);
      range = { Min: fold.Min, Max: fold.Max };
    }
    if (dim.primary.length > 0) Primary[dim.name] = sectionValue(dim, range, 'Primary');
    if (dim.derived.length > 0) Derived[dim.name] = sectionValue(dim, range, 'Derived');
    CapsUsed[dim.name] = range;
  }
  const snapshot: Snapshot = { Primary, Derived, CapsUsed, Version: actorVersion };
  const context = mergeContexts(gathered.outputs);
  if (context !== undefined) snapshot.Context = context;
  return snapshot;
}
