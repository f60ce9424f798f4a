/**
 * Builders for hand-written SubsystemOutput cases, and the combiner registry they assume: dimensions
 * with narrow, wide and default clamps, and one per operator.
 */
import {
  compileRegistries,
  resolveSnapshot,
  type CapContribution,
  type CapKind,
  type CapLayerRegistrySource,
  type CapMode,
  type Bucket,
  type Contribution,
  type Snapshot,
  type SubsystemOutput,
} from '../../src/core';

export const WIDE = { min: -1e18, max: 1e18 };
export const COMBINER = {
  defaults: { clamp_default: { min: -100, max: 5000 } },
  dimensions: {
    strength: { use_pipeline: true, clamp_default: { min: 0, max: 999999 } },
    crit_rate: { use_pipeline: true, clamp_default: { min: 0, max: 1 } },
    wide: { use_pipeline: true, clamp_default: WIDE },
    op_sum: { use_pipeline: false, operator: 'SUM', clamp_default: WIDE },
    op_max: { use_pipeline: false, operator: 'MAX', clamp_default: WIDE },
    op_min: { use_pipeline: false, operator: 'MIN', clamp_default: WIDE },
    op_average: { use_pipeline: false, operator: 'AVERAGE', clamp_default: WIDE },
    op_multiply: { use_pipeline: false, operator: 'MULTIPLY', clamp_default: WIDE },
    op_none: { use_pipeline: false, clamp_default: WIDE },
  },
};

export function c(
  dimension: string,
  bucket: Bucket,
  value: number,
  system: string,
  priority?: number,
): Contribution {
  const contribution: Contribution = { dimension, bucket, value, system };
  if (priority !== undefined) contribution.priority = priority;
  return contribution;
}

export interface CapOptions {
  system?: string;
  priority?: number;
  scope?: string;
  realm?: string;
}

export function cap(
  dimension: string,
  mode: CapMode,
  kind: CapKind,
  value: number,
  o: CapOptions = {},
): CapContribution {
  const result: CapContribution = { system: o.system ?? 'sys', dimension, mode, kind, value };
  if (o.priority !== undefined) result.priority = o.priority;
  if (o.scope !== undefined) result.scope = o.scope;
  if (o.scope === 'REALM') result.realm = o.realm ?? 'r1';
  return result;
}

export function out(
  system: string,
  parts: Partial<Omit<SubsystemOutput, 'meta'>> & { version?: number } = {},
): SubsystemOutput {
  const { version, ...rest } = parts;
  const output: SubsystemOutput = { primary: [], derived: [], caps: [], ...rest, meta: { system } };
  if (version !== undefined) output.meta.version = version;
  return output;
}

export function resolve(
  outputs: SubsystemOutput[],
  capLayers?: CapLayerRegistrySource,
  combiner: unknown = COMBINER,
  version = 1,
): Snapshot {
  return resolveSnapshot(outputs, compileRegistries(combiner, capLayers), version);
}

export const PRIORITIZED: CapLayerRegistrySource = {
  order: ['REALM', 'WORLD', 'EVENT', 'TOTAL'],
  across_policy: 'PRIORITIZED_OVERRIDE',
};

/** crit_rate 0.1 under WORLD's HARD_MAX 0.25 and EVENT's HARD_MIN 0.3: the floor comes out above Max. */
export function floorAboveMaxOutputs(): SubsystemOutput[] {
  return [
    out('items', {
      derived: [c('crit_rate', 'FLAT', 0.1, 'items')],
      caps: [
        cap('crit_rate', 'HARD_MAX', 'max', 0.25, { system: 'w', scope: 'WORLD' }),
        cap('crit_rate', 'HARD_MIN', 'min', 0.3, { system: 'e', scope: 'EVENT' }),
      ],
    }),
  ];
}

/** Primary.strength is FLAT 1e308 + 1e308 times MULT (1 − 1), ∞ × 0; `other` gets a FLAT 1. */
export function overflowingOutputs(other: string): SubsystemOutput[] {
  return [
    out('a', {
      primary: [
        c('strength', 'FLAT', 1e308, 'a'),
        c('strength', 'FLAT', 1e308, 'b'),
        c('strength', 'MULT', -1, 'a'),
        c(other, 'FLAT', 1, 'a'),
      ],
    }),
  ];
}
