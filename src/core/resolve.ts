/**
 * The aggregator: SubsystemOutput[] → Snapshot, exactly as AGGREGATION.md decides.
 * Validation runs as the inputs are gathered and throws; nothing partial is ever returned.
 */
import { ActorWorkspace, DERIVED, PRIMARY } from './actor-workspace';
import { boundLayer, emptyLayer, RangeFold, type LayerBounds } from './caps';
import { candidateValue, clampTo, countBuckets, needsOrder, type BucketCounts } from './combine';
import { mergeContexts } from './context';
import { wrongChoice } from './check';
import { ActorCoreError } from './errors';
import { gatherActor } from './gather';
import type { RecordTemplate } from './record-template';
import { sortCaps, sortContributions } from './order';
import type { CompiledRegistries, CompiledRule } from './registries';
import type {
  CapContribution,
  CapRange,
  Contribution,
  Snapshot,
  SnapshotForJson,
  SubsystemOutput,
} from './types';

/** Everything one dimension received from all subsystems (empty arrays when it received none). */
export interface DimensionInputs {
  readonly name: string;
  readonly rule: CompiledRule;
  primary: Contribution[];
  derived: Contribution[];
  caps: CapContribution[];
  readonly primaryCounts: BucketCounts;
  readonly derivedCounts: BucketCounts;
}

export function checkVersion(version: unknown): number {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw new ActorCoreError(
      'INVALID_VERSION',
      wrongChoice('version', 'an integer from 1 to 2^53 − 1', version),
      {
        field: 'version',
      },
    );
  }
  return version;
}

/**
 * Validates the outputs and gathers their contributions and caps by dimension, ascending: the
 * reference view `explain` reads, built from the same gather as `resolveSnapshot`.
 */
export function gatherInputs(
  outputs: unknown,
  registries: CompiledRegistries,
): { outputs: SubsystemOutput[]; dimensions: DimensionInputs[] } {
  const gathered = gatherActor(outputs, registries);
  const work = gathered.work;
  const dimensions: DimensionInputs[] = [];
  const n = work.ordered();
  for (let i = 0; i < n; i++) {
    const dim = work.order[i]!;
    const primary = work.contributions(dim, PRIMARY);
    const derived = work.contributions(dim, DERIVED);
    dimensions.push({
      name: work.names[dim]!,
      rule: work.rules[dim]!,
      primary,
      derived,
      caps: work.caps(dim),
      primaryCounts: countBuckets(primary),
      derivedCounts: countBuckets(derived),
    });
  }
  return { outputs: gathered.outputs, dimensions };
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
      // Registry order; a layer without caps for this dimension is skipped, unvisited where the
      // layers fit a bit set. Past 31 layers every layer is visited: `present` stays -1, as `>>`
      // keeps the sign (`>>>` would empty it after 32 layers and drop the caps of the later ones).
      let present = layers.length <= 31 ? layersHolding(caps, layers) : -1;
      for (let l = 0; l < layers.length && present !== 0; l++, present >>= 1) {
        if ((present & 1) === 0) continue;
        const bounds = boundLayer(caps, layers[l]!, rule, scratch);
        if (bounds.count === 0) continue;
        fold.add(layers[l]!, bounds);
        onLayer?.(layers[l]!, bounds);
      }
    }
  }
  fold.finish(rule);
  if (fold.Min !== fold.Min || !(fold.Max > -Infinity)) nonFiniteRange(fold, caps[0]!.dimension);
  return fold;
}

/**
 * Rejects a range that is no number: a side whose BASELINE and ADDITIVE sums overflowed in opposite
 * directions (∞ − ∞), or a Max whose sums fell below the doubles (−∞, which then pulls Min and the
 * value down with it: JSON would write them as null), in a layer the fold took in. No HARD cap or
 * clamp can bound either: clamp_default bounds Max from above only.
 */
function nonFiniteRange(fold: RangeFold, dimension: string): never {
  const side = fold.Max !== fold.Max || fold.Min === fold.Min ? 'max' : 'min';
  const layer = side === 'max' ? fold.maxFrom : fold.minFrom;
  const what =
    fold.Max === -Infinity
      ? `its Max is −∞: the max-side BASELINE and ADDITIVE caps of layer ${layer} sum below the doubles`
      : `it is not a number: the ${side}-side BASELINE and ADDITIVE caps of layer ${layer} overflow (∞ − ∞)`;
  throw new ActorCoreError('NON_FINITE_RESULT', `CapsUsed.${dimension} is out of range: ${what}`, {
    dimension,
    field: `CapsUsed.${dimension}`,
  });
}

/** Bit l is set when a cap's scope is `layers[l]` (validated caps always name a registry layer). */
function layersHolding(caps: readonly CapContribution[], layers: readonly string[]): number {
  let present = 0;
  for (let i = 0; i < caps.length; i++) {
    const scope = caps[i]!.scope ?? 'TOTAL';
    for (let l = 0; l < layers.length; l++) {
      if (layers[l] === scope) {
        present |= 1 << l;
        break;
      }
    }
  }
  return present;
}

/** The value of one section (Primary or Derived) of a dimension, clamped into its caps. */
export function sectionValue(dim: DimensionInputs, range: CapRange, section: 'Primary' | 'Derived'): number {
  const contributions = section === 'Primary' ? dim.primary : dim.derived;
  const counts = section === 'Primary' ? dim.primaryCounts : dim.derivedCounts;
  const ordered = needsOrder(contributions.length, counts, dim.rule)
    ? sortContributions(contributions)
    : contributions;
  return checkedValue(clampTo(candidateValue(ordered, dim.rule), range.Min, range.Max), dim.name, section);
}

/** `sectionValue` on the workspace: the arrival-order fold when it is exact, else the sorted fold. */
function workspaceSectionValue(work: ActorWorkspace, dim: number, section: number, range: CapRange): number {
  let candidate = work.foldedValue(dim, section);
  if (candidate !== candidate) candidate = work.orderedValue(dim, section);
  const value = clampTo(candidate, range.Min, range.Max);
  return value === value
    ? value
    : checkedValue(value, work.names[dim]!, section === PRIMARY ? 'Primary' : 'Derived');
}

function checkedValue(value: number, name: string, section: 'Primary' | 'Derived'): number {
  if (value !== value) {
    throw new ActorCoreError(
      'NON_FINITE_RESULT',
      `${section}.${name} is not a number: its contributions overflow (∞ × 0 or ∞ − ∞)`,
      {
        dimension: name,
        field: `${section}.${name}`,
      },
    );
  }
  return value;
}

/** The snapshot's third record, after the two sections' codes, for `deleteAbsent`. */
const CAPS_USED = 2;

/**
 * Deletes from a record started from `template` the keys the snapshot does not give it: `part`'s
 * dimensions (PRIMARY, DERIVED or CAPS_USED) with nothing in it. It has any only when it holds more
 * keys than the `present` ones.
 */
function deleteAbsent(
  record: Record<string, unknown>,
  work: ActorWorkspace,
  part: number,
  template: RecordTemplate,
  present: number,
): void {
  const held = template.held();
  if (held.length <= present) return;
  for (let h = 0; h < held.length; h++) {
    const dim = held[h]!;
    const holds = part === CAPS_USED ? work.touched(dim) : work.contributionCount(dim, part) > 0;
    if (!holds) delete record[work.names[dim]!];
  }
}

/** Resolves one actor. Pure: the same (outputs, registries, version) always give the same bytes. */
export function resolveSnapshot(
  outputs: unknown,
  registries: CompiledRegistries,
  version: unknown,
): Snapshot {
  return resolveActor(outputs, registries, version, false) as Snapshot;
}

/**
 * `resolveSnapshot` for `JSON.stringify` at once and nothing else: the same JSON, byte for byte, from
 * records of one fast shape per template (see `jsonRecordFactory`), in which a dimension the record
 * has held before but not now is a key holding `undefined`. Building and serializing those costs less
 * than the prototype-less dictionaries that hold exactly the snapshot's keys. The CLI's `--jsonl`, the
 * thread pools and the worker's store tasks use it; a snapshot read in process comes from
 * `resolveSnapshot`.
 */
export function resolveSnapshotForJson(
  outputs: unknown,
  registries: CompiledRegistries,
  version: unknown,
): SnapshotForJson {
  return resolveActor(outputs, registries, version, true);
}

type JsonValues = SnapshotForJson['Primary'];
type JsonRanges = SnapshotForJson['CapsUsed'];

function resolveActor(
  outputs: unknown,
  registries: CompiledRegistries,
  version: unknown,
  forJson: boolean,
): SnapshotForJson {
  const actorVersion = checkVersion(version);
  const { outputs: list, work } = gatherActor(outputs, registries);
  const n = work.ordered();
  const { primaryRecord, derivedRecord, capsRecord } = work;
  // Unlisted names, appended after the slots, could not take their place in a template's order.
  const listed = work.names.length === registries.slotNames.length;
  // Records for JSON: values set by slot, the records made from them at the end (`jsonReady` empties them).
  const json =
    forJson && listed && primaryRecord.jsonReady() && derivedRecord.jsonReady() && capsRecord.jsonReady();
  // Else null-prototype records: dimension names are data keys, and V8 stores them without shape
  // transitions. One that will hold at least half its template starts as a copy of it and loses its
  // absent keys at the end.
  const fullPrimary = listed && !json ? primaryRecord.start(work.primarySlots) : undefined;
  const fullDerived = listed && !json ? derivedRecord.start(work.derivedSlots) : undefined;
  const fullCaps = listed && !json ? capsRecord.start(n) : undefined; // every touched dimension
  // (Unused, so not made, for JSON: its records are made after the loop.)
  let Primary = (json ? undefined : (fullPrimary ?? Object.create(null))) as JsonValues;
  let Derived = (json ? undefined : (fullDerived ?? Object.create(null))) as JsonValues;
  let CapsUsed = (json ? undefined : (fullCaps ?? Object.create(null))) as JsonRanges;
  const primaryValues = primaryRecord.values;
  const derivedValues = derivedRecord.values;
  const capsValues = capsRecord.values;
  const { fold, layerScratch: scratch } = work;
  const order = work.order;
  for (let i = 0; i < n; i++) {
    const dim = order[i]!;
    const rule = work.rules[dim]!;
    let range: CapRange | undefined;
    if (work.capCountOf(dim) === 0) {
      range = { Min: rule.min, Max: rule.max }; // no caps: exactly clamp_default
    } else if ((range = work.capRange(dim)) === undefined) {
      foldCaps(work.caps(dim), rule, registries, scratch, undefined, fold);
      range = { Min: fold.Min, Max: fold.Max };
    }
    if (json) {
      if (work.contributionCount(dim, PRIMARY) > 0)
        primaryValues[dim] = workspaceSectionValue(work, dim, PRIMARY, range);
      if (work.contributionCount(dim, DERIVED) > 0)
        derivedValues[dim] = workspaceSectionValue(work, dim, DERIVED, range);
      capsValues[dim] = range;
      continue;
    }
    const name = work.names[dim]!;
    if (work.contributionCount(dim, PRIMARY) > 0)
      Primary[name] = workspaceSectionValue(work, dim, PRIMARY, range);
    if (work.contributionCount(dim, DERIVED) > 0)
      Derived[name] = workspaceSectionValue(work, dim, DERIVED, range);
    CapsUsed[name] = range;
  }
  if (json) {
    Primary = primaryRecord.jsonRecord() as JsonValues;
    Derived = derivedRecord.jsonRecord() as JsonValues;
    CapsUsed = capsRecord.jsonRecord() as JsonRanges;
  }
  if (fullPrimary !== undefined) deleteAbsent(Primary, work, PRIMARY, primaryRecord, work.primarySlots);
  if (fullDerived !== undefined) deleteAbsent(Derived, work, DERIVED, derivedRecord, work.derivedSlots);
  if (fullCaps !== undefined) deleteAbsent(CapsUsed, work, CAPS_USED, capsRecord, n);
  const snapshot: SnapshotForJson = { Primary, Derived, CapsUsed, Version: actorVersion };
  const context = mergeContexts(list);
  if (context !== undefined) snapshot.Context = context;
  return snapshot;
}
