/** Contract types of Actor Core v3 (shared/spec/schemas, AGGREGATION.md). Plain data only. */

export type Bucket = 'FLAT' | 'MULT' | 'POST_ADD' | 'OVERRIDE';
export type CapMode = 'BASELINE' | 'ADDITIVE' | 'HARD_MAX' | 'HARD_MIN' | 'OVERRIDE';
export type CapKind = 'max' | 'min';
export type Operator = 'SUM' | 'MAX' | 'MIN' | 'AVERAGE' | 'MULTIPLY';
export type AcrossPolicy = 'INTERSECT' | 'PRIORITIZED_OVERRIDE';

export interface Contribution {
  dimension: string;
  bucket: Bucket;
  value: number;
  system: string;
  priority?: number;
}

export interface CapContribution {
  system: string;
  dimension: string;
  mode: CapMode;
  kind: CapKind;
  value: number;
  priority?: number;
  scope?: string;
  realm?: string;
  tags?: string[];
}

export interface ModifierPack {
  additive_percent?: number;
  multipliers?: number[];
  post_add?: number;
}

export interface SubsystemMeta {
  system: string;
  stage?: string;
  version?: number;
}

export interface SubsystemOutput {
  primary: Contribution[];
  derived: Contribution[];
  caps: CapContribution[];
  context?: Record<string, ModifierPack>;
  meta: SubsystemMeta;
}

export interface ClampRange {
  min: number;
  max: number;
}

export interface MergeRule {
  use_pipeline: boolean;
  operator?: Operator;
  clamp_default: ClampRange;
}

/** The combiner registry as written in config (YAML or JSON). */
export interface CombinerRegistrySource {
  defaults?: { clamp_default: ClampRange };
  dimensions: Record<string, MergeRule>;
}

/** The cap layer registry as written in config. */
export interface CapLayerRegistrySource {
  order: string[];
  across_policy: AcrossPolicy;
}

export interface CapRange {
  Min: number;
  Max: number;
}

/** A merged ModifierPack: every field present. */
export interface MergedPack {
  additive_percent: number;
  multipliers: number[];
  post_add: number;
}

/**
 * One actor's resolved stats. `Primary`, `Derived` and `CapsUsed` are objects without
 * a prototype, since their keys are dimension names, which are data: test a key with `Object.hasOwn`
 * or `in`. `resolveSnapshot` makes them; `JSON.stringify` writes them as any object.
 */
export interface Snapshot {
  Primary: Record<string, number>;
  Derived: Record<string, number>;
  CapsUsed: Record<string, CapRange>;
  Version: number;
  Context?: Record<string, MergedPack>;
}

/**
 * What `resolveSnapshotForJson` returns: a Snapshot's JSON, as `JSON.stringify` writes it, from records
 * that may also hold dimensions absent from the snapshot, as keys whose value is `undefined` (which
 * JSON leaves out). For serializing at once, not for reading.
 */
export interface SnapshotForJson {
  Primary: Record<string, number | undefined>;
  Derived: Record<string, number | undefined>;
  CapsUsed: Record<string, CapRange | undefined>;
  Version: number;
  Context?: Record<string, MergedPack>;
}
