/**
 * The validation tests' fixture: a small registry, two valid subsystem outputs with one field of each
 * kind to break, and the expectations every rejection must meet (located, permanent, readable, the
 * input untouched).
 */
import {
  ActorCoreError,
  compileRegistries,
  resolveSnapshot,
  type CompiledRegistries,
  type ErrorCode,
} from '../../src/core';
import { thrownBy } from './thrown-error';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Key = string | number;

export const COMBINER = {
  defaults: { clamp_default: { min: 0, max: 1000000 } },
  dimensions: {
    strength: { use_pipeline: true, clamp_default: { min: 0, max: 999999 } },
    crit_rate: { use_pipeline: true, clamp_default: { min: 0, max: 1 } },
    lifespan_years: { use_pipeline: false, operator: 'MAX', clamp_default: { min: 0, max: 100000 } },
  },
};
export const CAP_LAYERS = { order: ['REALM', 'WORLD', 'EVENT', 'TOTAL'], across_policy: 'INTERSECT' };

export const registries = compileRegistries(COMBINER);

/** Two valid subsystem outputs; tests break one field of the second (`items`). */
export function validOutputs(): Json {
  return [
    {
      primary: [{ dimension: 'strength', bucket: 'FLAT', value: 10, system: 'race' }],
      derived: [{ dimension: 'crit_rate', bucket: 'FLAT', value: 0.1, system: 'race' }],
      caps: [{ system: 'race', dimension: 'strength', mode: 'BASELINE', kind: 'max', value: 100 }],
      meta: { system: 'race' },
    },
    {
      primary: [
        { dimension: 'strength', bucket: 'MULT', value: 0.5, system: 'items', priority: 1 },
        { dimension: 'lifespan_years', bucket: 'FLAT', value: 80, system: 'items' },
      ],
      derived: [{ dimension: 'crit_rate', bucket: 'POST_ADD', value: 0.05, system: 'items' }],
      caps: [
        { system: 'items', dimension: 'strength', mode: 'HARD_MAX', kind: 'max', value: 50, scope: 'WORLD' },
        {
          system: 'items',
          dimension: 'crit_rate',
          mode: 'HARD_MIN',
          kind: 'min',
          value: 0.01,
          scope: 'REALM',
          realm: 'r1',
          tags: ['gear'],
        },
      ],
      context: { combat: { additive_percent: 0.1, multipliers: [1.5, 2], post_add: 2 } },
      meta: { system: 'items', stage: 'post', version: 1 },
    },
  ];
}

/** `validOutputs()` with the value at `path` replaced (or removed when `value` is `REMOVE`). */
export const REMOVE = Symbol('remove');
export function withField(
  path: readonly Key[],
  value: Json | typeof REMOVE,
  base: Json = validOutputs(),
): Json {
  let parent = base as Record<Key, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<Key, Json>;
  const last = path[path.length - 1]!;
  if (value === REMOVE) delete parent[last];
  else parent[last] = value;
  return base;
}

export interface Expected {
  code: ErrorCode;
  subsystem?: string;
  dimension?: string;
  field: string;
}

/** The message is a sentence for a human: words, no leaked `[object Object]` or source code. */
export function expectReadable(err: ActorCoreError, mentions: readonly string[]): void {
  expect(err.message.length).toBeGreaterThan(12);
  expect(err.message).toMatch(/[a-z]{2,} [a-z]{2,}/i);
  expect(err.message).not.toMatch(/\[object |function |=>/);
  for (const text of mentions) expect(err.message).toContain(text);
}

/**
 * Resolves `outputs` and expects the whole resolution to be rejected: an ActorCoreError located as
 * `expected`, nothing returned, and the input left exactly as it was.
 */
export function expectRejected(
  outputs: Json,
  expected: Expected,
  mentions: readonly string[] = [],
  using: { registries?: CompiledRegistries; version?: unknown } = {},
): ActorCoreError {
  const regs = using.registries ?? registries;
  const version = 'version' in using ? using.version : 1;
  const before = structuredClone(outputs);
  let result: unknown = 'nothing returned';
  const err = thrownBy(() => {
    result = resolveSnapshot(outputs, regs, version);
  });
  expect(result).toBe('nothing returned');
  expect({ code: err.code, subsystem: err.subsystem, dimension: err.dimension, field: err.field }).toEqual({
    subsystem: undefined,
    dimension: undefined,
    ...expected,
  });
  expect(err.permanent).toBe(true);
  expectReadable(err, [expected.field, ...mentions]);
  expect(outputs).toEqual(before);
  return err;
}

export function expectRegistryRejected(
  combiner: Json,
  capLayers: Json | undefined,
  expected: Expected,
  mentions: readonly string[] = [],
): void {
  const before = structuredClone({ combiner, capLayers });
  const err = thrownBy(() => compileRegistries(combiner, capLayers));
  expect({ code: err.code, subsystem: err.subsystem, dimension: err.dimension, field: err.field }).toEqual({
    subsystem: undefined,
    dimension: undefined,
    ...expected,
  });
  expectReadable(err, mentions);
  expect({ combiner, capLayers }).toEqual(before);
}

export function combinerWith(path: readonly Key[], value: Json | typeof REMOVE): Json {
  return withField(path, value, structuredClone(COMBINER) as Json);
}
export function capLayersWith(path: readonly Key[], value: Json | typeof REMOVE): Json {
  return withField(path, value, structuredClone(CAP_LAYERS) as Json);
}
