/**
 * The aggregator: SubsystemOutput[] → Snapshot, exactly as AGGREGATION.md decides.
 * Validation runs as the inputs are gathered and throws; nothing partial is ever returned.
 */
import { boundLayer, emptyLayer, RangeFold, type LayerBounds } from './caps';
import { candidateValue, clampTo } from './combine';
import { mergeContexts } from './context';
import { ActorCoreError } from './errors';
import { compareCaps, compareContributions, sortInPlace } from './order';
import type { CompiledRegistries, CompiledRule } from './registries';
import type { CapContribution, CapRange, Contribution, Snapshot, SubsystemOutput } from './types';
import { checkEnvelope, diagnoseCap, diagnoseContribution, isCap, isContribution } from './validate-output';

/** Everything one dimension received from all subsystems. */
export interface DimensionInputs {
  name: string;
  rule: CompiledRule;
  /** Registry slot, or -1 for a dimension the registry does not list. */
  slot: number;
  primary: Contribution[] | undefined;
  derived: Contribution[] | undefined;
  caps: CapContribution[] | undefined;
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

/** Per-dimension inputs of one actor, kept by registry slot so that no name sort is needed. */
class DimensionTable {
  private readonly bySlot: (DimensionInputs | undefined)[];
  private unlisted: Map<string, DimensionInputs> | undefined;
  private count = 0;

  constructor(private readonly registries: CompiledRegistries) {
    this.bySlot = new Array<DimensionInputs | undefined>(registries.slotNames.length);
  }

  get(name: string): DimensionInputs {
    const slot = this.registries.slots.get(name);
    if (slot !== undefined) {
      let found = this.bySlot[slot];
      if (found === undefined) {
        found = this.bySlot[slot] = newInputs(name, this.registries.slotRules[slot]!, slot);
        this.count++;
      }
      return found;
    }
    this.unlisted ??= new Map();
    let found = this.unlisted.get(name);
    if (found === undefined) {
      found = newInputs(name, this.registries.fallback, -1);
      this.unlisted.set(name, found);
      this.count++;
    }
    return found;
  }

  /** Every dimension seen, in ascending name order. */
  ordered(): DimensionInputs[] {
    const out: DimensionInputs[] = [];
    for (let i = 0; i < this.bySlot.length; i++) {
      const found = this.bySlot[i];
      if (found !== undefined) out.push(found);
    }
    if (this.unlisted !== undefined) {
      for (const found of this.unlisted.values()) out.push(found);
      out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    return out;
  }
}

function newInputs(name: string, rule: CompiledRule, slot: number): DimensionInputs {
  return { name, rule, slot, primary: undefined, derived: undefined, caps: undefined };
}

/** Validates the outputs and gathers their contributions and caps by dimension, ascending. */
export function gatherInputs(
  outputs: unknown,
  registries: CompiledRegistries,
): {
  outputs: SubsystemOutput[];
  dimensions: DimensionInputs[];
} {
  if (!Array.isArray(outputs)) checkEnvelopeList(outputs);
  const list = outputs as unknown[];
  const table = new DimensionTable(registries);
  for (let i = 0; i < list.length; i++) {
    const output = checkEnvelope(list[i], i);
    const { primary, derived, caps } = output;
    for (let j = 0; j < primary.length; j++) {
      const c = primary[j]!;
      if (!isContribution(c))
        diagnoseContribution(c, `subsystems[${i}].primary[${j}]`, { subsystem: output.meta.system });
      (table.get(c.dimension).primary ??= []).push(c);
    }
    for (let j = 0; j < derived.length; j++) {
      const c = derived[j]!;
      if (!isContribution(c))
        diagnoseContribution(c, `subsystems[${i}].derived[${j}]`, { subsystem: output.meta.system });
      (table.get(c.dimension).derived ??= []).push(c);
    }
    for (let j = 0; j < caps.length; j++) {
      const cap = caps[j]!;
      if (!isCap(cap, registries))
        diagnoseCap(cap, `subsystems[${i}].caps[${j}]`, { subsystem: output.meta.system }, registries);
      (table.get(cap.dimension).caps ??= []).push(cap);
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
  caps: CapContribution[] | undefined,
  rule: CompiledRule,
  registries: CompiledRegistries,
  scratch: LayerBounds = emptyLayer(),
  onLayer?: (layer: string, bounds: LayerBounds) => void,
): RangeFold {
  const fold = new RangeFold(registries.policy);
  if (caps !== undefined) {
    sortInPlace(caps, compareCaps);
    const layers = registries.layers;
    for (let l = 0; l < layers.length; l++) {
      const bounds = boundLayer(caps, layers[l]!, rule, scratch);
      if (bounds.count === 0) continue;
      fold.add(layers[l]!, bounds);
      onLayer?.(layers[l]!, bounds);
    }
  }
  return fold.finish(rule);
}

/** The value of one section (Primary or Derived) of a dimension, clamped into its caps. */
export function sectionValue(
  contributions: Contribution[],
  dim: DimensionInputs,
  range: CapRange,
  section: 'Primary' | 'Derived',
): number {
  const value = clampTo(
    candidateValue(sortInPlace(contributions, compareContributions), dim.rule),
    range.Min,
    range.Max,
  );
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
  const Primary: Record<string, number> = {};
  const Derived: Record<string, number> = {};
  const CapsUsed: Record<string, CapRange> = {};
  const scratch = emptyLayer();
  for (const dim of gathered.dimensions) {
    const fold = foldCaps(dim.caps, dim.rule, registries, scratch);
    const range: CapRange = { Min: fold.Min, Max: fold.Max };
    if (dim.primary !== undefined) Primary[dim.name] = sectionValue(dim.primary, dim, range, 'Primary');
    if (dim.derived !== undefined) Derived[dim.name] = sectionValue(dim.derived, dim, range, 'Derived');
    CapsUsed[dim.name] = range;
  }
  const snapshot: Snapshot = { Primary, Derived, CapsUsed, Version: actorVersion };
  const context = mergeContexts(gathered.outputs);
  if (context !== undefined) snapshot.Context = context;
  return snapshot;
}
