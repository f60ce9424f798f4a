/**
 * The combiner registry and the cap layer registry: validated once at load, then compiled into lookup
 * tables the aggregator reads on its hot path.
 */
import type { ErrorLocation } from './errors';
import { NameIndex } from './name-index';
import type {
  AcrossPolicy,
  CapLayerRegistrySource,
  ClampRange,
  CombinerRegistrySource,
  Operator,
} from './types';
import {
  describeValue,
  DIMENSION_PATTERN,
  fail,
  requireArray,
  requireBoolean,
  requireFinite,
  requireObject,
  requireString,
  unknownField,
} from './check';
import { member, quote } from './quote';

export interface CompiledRule {
  readonly usePipeline: boolean;
  readonly operator: Operator;
  readonly min: number;
  readonly max: number;
}

export interface CompiledRegistries {
  readonly rules: ReadonlyMap<string, CompiledRule>;
  /** The rule of dimensions the registry does not list: pipeline, `defaults.clamp_default`. */
  readonly fallback: CompiledRule;
  /** Registry dimensions in ascending name order; a dimension's slot is its index here. */
  readonly slotNames: readonly string[];
  readonly slotRules: readonly CompiledRule[];
  readonly slots: ReadonlyMap<string, number>;
  /** The same as `slots`, for the hot path. */
  readonly slotIndex: NameIndex;
  readonly layers: readonly string[];
  readonly layerIndex: ReadonlyMap<string, number>;
  /** The same as `layerIndex`, for the hot path. */
  readonly layerSlots: NameIndex;
  readonly policy: AcrossPolicy;
}

export const DEFAULT_CLAMP: ClampRange = { min: 0, max: 1000000 };
export const DEFAULT_CAP_LAYERS: CapLayerRegistrySource = {
  order: ['REALM', 'WORLD', 'EVENT', 'TOTAL'],
  across_policy: 'INTERSECT',
};
const OPERATORS = new Set<string>(['SUM', 'MAX', 'MIN', 'AVERAGE', 'MULTIPLY']);
const POLICIES = new Set<string>(['INTERSECT', 'PRIORITIZED_OVERRIDE']);

function validateClamp(value: unknown, field: string, where: ErrorLocation = {}): ClampRange {
  const clamp = requireObject(value, () => field, where);
  for (const key in clamp) if (key !== 'min' && key !== 'max') unknownField(key, () => field, where);
  const min = requireFinite(clamp.min, () => `${field}.min`, where);
  const max = requireFinite(clamp.max, () => `${field}.max`, where);
  if (min > max)
    fail('INVALID_CLAMP', `${field}.min (${min}) is greater than ${field}.max (${max})`, { ...where, field });
  return { min, max };
}

/** Checks a combiner registry as read from YAML/JSON; returns it typed. */
export function validateCombinerRegistry(value: unknown): CombinerRegistrySource {
  const source = requireObject(value, () => 'registry', {});
  for (const key in source)
    if (key !== 'dimensions' && key !== 'defaults') unknownField(key, () => 'registry', {});
  if (source.defaults !== undefined) {
    const defaults = requireObject(source.defaults, () => 'defaults', {});
    for (const key in defaults) if (key !== 'clamp_default') unknownField(key, () => 'defaults', {});
    // Absent, it has the spec's default ({0, 1000000}), as when `defaults` itself is absent.
    if (defaults.clamp_default !== undefined) validateClamp(defaults.clamp_default, 'defaults.clamp_default');
  }
  const dimensions = requireObject(source.dimensions, () => 'dimensions', {});
  for (const name in dimensions) {
    const base = member('dimensions', name);
    if (!DIMENSION_PATTERN.test(name)) {
      fail('INVALID_DIMENSION', `${base}: dimension name ${quote(name)} does not match ^[a-z][a-z0-9_]*$`, {
        dimension: name,
        field: base,
      });
    }
    const where = { dimension: name };
    const rule = requireObject(dimensions[name], () => base, where);
    for (const key in rule) {
      if (key !== 'use_pipeline' && key !== 'operator' && key !== 'clamp_default')
        unknownField(key, () => base, where);
    }
    requireBoolean(rule.use_pipeline, () => `${base}.use_pipeline`, where);
    if (rule.operator !== undefined && !(typeof rule.operator === 'string' && OPERATORS.has(rule.operator))) {
      const field = `${base}.operator`;
      fail(
        'UNKNOWN_OPERATOR',
        `${field} must be one of SUM, MAX, MIN, AVERAGE, MULTIPLY, got ${describeValue(rule.operator)}`,
        {
          ...where,
          field,
        },
      );
    }
    validateClamp(rule.clamp_default, `${base}.clamp_default`, where);
  }
  return source as unknown as CombinerRegistrySource;
}

/** Checks a cap layer registry as read from YAML/JSON; returns it typed. */
export function validateCapLayerRegistry(value: unknown): CapLayerRegistrySource {
  const source = requireObject(value, () => 'cap_layers', {});
  for (const key in source)
    if (key !== 'order' && key !== 'across_policy') unknownField(key, () => 'cap_layers', {});
  const order = requireArray(source.order, () => 'order', {});
  if (order.length === 0) fail('EMPTY_LAYER_ORDER', 'order must name at least one layer', { field: 'order' });
  const seen = new Set<string>();
  order.forEach((layer, i) => {
    const name = requireString(layer, () => `order[${i}]`, {});
    // Control and format characters (NUL, ESC, zero-width spaces) would reach terminals raw, or make
    // two names that look the same.
    if (name.trim() === '' || name.trim() !== name || /\p{C}/u.test(name))
      fail(
        'INVALID_LAYER_NAME',
        `order[${i}]: a layer name is non-empty, without surrounding spaces or control or invisible characters, got ${quote(name)}`,
        { field: `order[${i}]` },
      );
    if (seen.has(name))
      fail('DUPLICATE_LAYER', `order[${i}]: layer ${quote(name)} appears twice`, {
        field: `order[${i}]`,
      });
    seen.add(name);
  });
  const policy = requireString(source.across_policy, () => 'across_policy', {});
  if (!POLICIES.has(policy)) {
    fail('UNKNOWN_POLICY', `across_policy must be INTERSECT or PRIORITIZED_OVERRIDE, got ${quote(policy)}`, {
      field: 'across_policy',
    });
  }
  return source as unknown as CapLayerRegistrySource;
}

/** Validates both registries and builds the lookup tables. */
export function compileRegistries(
  combiner: unknown,
  capLayers: unknown = DEFAULT_CAP_LAYERS,
): CompiledRegistries {
  const registry = validateCombinerRegistry(combiner);
  const layersSource = validateCapLayerRegistry(capLayers);
  const defaults = registry.defaults?.clamp_default ?? DEFAULT_CLAMP;
  const rules = new Map<string, CompiledRule>();
  for (const [name, rule] of Object.entries(registry.dimensions)) {
    rules.set(name, {
      usePipeline: rule.use_pipeline,
      // A non-pipeline rule without an operator sums: the least surprising combiner.
      operator: internalized(rule.operator ?? 'SUM'),
      min: rule.clamp_default.min,
      max: rule.clamp_default.max,
    });
  }
  const slotNames = [...rules.keys()].sort();
  const layers = layersSource.order.map(internalized);
  return {
    rules,
    slotNames,
    slotRules: slotNames.map((name) => rules.get(name)!),
    slots: new Map(slotNames.map((name, i) => [name, i])),
    slotIndex: new NameIndex(slotNames),
    fallback: { usePipeline: true, operator: 'SUM', min: defaults.min, max: defaults.max },
    layers,
    layerIndex: new Map(layersSource.order.map((name, i) => [name, i])),
    layerSlots: new NameIndex(layers),
    policy: layersSource.across_policy,
  };
}

/**
 * The same string, as V8's unique copy: a string read from YAML is not, so every `===` against a
 * parsed string or a literal would compare characters (property keys are always internalized).
 */
function internalized<T extends string>(text: T): T {
  return Object.keys({ [text]: 0 })[0] as T;
}

export function ruleFor(registries: CompiledRegistries, dimension: string): CompiledRule {
  return registries.rules.get(dimension) ?? registries.fallback;
}
