/**
 * AGGREGATION.md, "Validation" of the combiner and cap layer registries at load time: each rule
 * rejects the registry with an ActorCoreError naming the dimension and the field.
 */
import { compileRegistries, resolveSnapshot } from '../../src/core';
import {
  capLayersWith,
  COMBINER,
  combinerWith,
  expectRegistryRejected,
  REMOVE,
  type Expected,
  type Json,
  type Key,
} from '../support/validation-fixture';

describe('combiner registry validation at load time', () => {
  it('rejects clamp_default.min greater than max', () => {
    expectRegistryRejected(
      combinerWith(['dimensions', 'strength', 'clamp_default', 'min'], 1000000),
      undefined,
      { code: 'INVALID_CLAMP', dimension: 'strength', field: 'dimensions.strength.clamp_default' },
      ['1000000', '999999'],
    );
  });

  it('rejects defaults.clamp_default.min greater than max', () => {
    expectRegistryRejected(combinerWith(['defaults', 'clamp_default', 'max'], -1), undefined, {
      code: 'INVALID_CLAMP',
      field: 'defaults.clamp_default',
    });
  });

  it('gives an empty defaults the spec’s default clamp_default, {0, 1000000}', () => {
    // `unlisted` is not in the registry: FLAT 2e6 clamps to the default max 1000000, −5 to its min 0.
    const regs = compileRegistries({ defaults: {}, dimensions: {} });
    const snapshot = resolveSnapshot(
      [
        {
          primary: [{ dimension: 'unlisted', bucket: 'FLAT', value: 2e6, system: 'a' }],
          derived: [{ dimension: 'unlisted', bucket: 'FLAT', value: -5, system: 'a' }],
          caps: [],
          meta: { system: 'a' },
        },
      ],
      regs,
      1,
    );
    expect(snapshot.Primary.unlisted).toBe(1000000);
    expect(snapshot.Derived.unlisted).toBe(0);
    expect(snapshot.CapsUsed.unlisted).toEqual({ Min: 0, Max: 1000000 });
  });

  it('rejects a non-finite clamp_default bound', () => {
    expectRegistryRejected(
      combinerWith(['dimensions', 'crit_rate', 'clamp_default', 'max'], Infinity),
      undefined,
      {
        code: 'NON_FINITE_NUMBER',
        dimension: 'crit_rate',
        field: 'dimensions.crit_rate.clamp_default.max',
      },
    );
  });

  it.each(['MEDIAN', 'sum', ''])('rejects the unknown operator %j', (operator) => {
    expectRegistryRejected(
      combinerWith(['dimensions', 'lifespan_years', 'operator'], operator),
      undefined,
      { code: 'UNKNOWN_OPERATOR', dimension: 'lifespan_years', field: 'dimensions.lifespan_years.operator' },
      ['SUM'],
    );
  });

  it('rejects a registry dimension name that does not match the pattern, naming it', () => {
    const combiner = combinerWith(['dimensions', 'Move-Speed'], {
      use_pipeline: true,
      clamp_default: { min: 0, max: 1 },
    });
    expectRegistryRejected(combiner, undefined, {
      code: 'INVALID_DIMENSION',
      dimension: 'Move-Speed',
      field: 'dimensions["Move-Speed"]',
    });
  });

  it.each<[string, Key[], Expected]>([
    ['the registry', ['version'], { code: 'UNKNOWN_FIELD', field: 'registry.version' }],
    ['defaults', ['defaults', 'operator'], { code: 'UNKNOWN_FIELD', field: 'defaults.operator' }],
    [
      'a merge rule',
      ['dimensions', 'strength', 'weight'],
      { code: 'UNKNOWN_FIELD', dimension: 'strength', field: 'dimensions.strength.weight' },
    ],
    [
      'a clamp_default',
      ['dimensions', 'strength', 'clamp_default', 'step'],
      { code: 'UNKNOWN_FIELD', dimension: 'strength', field: 'dimensions.strength.clamp_default.step' },
    ],
  ])('rejects an unknown field of %s', (_label, path, expected) => {
    expectRegistryRejected(combinerWith(path, 1), undefined, expected);
  });

  it.each<[string, Key[], Expected]>([
    ['dimensions', ['dimensions'], { code: 'MISSING_FIELD', field: 'dimensions' }],
    [
      'use_pipeline',
      ['dimensions', 'strength', 'use_pipeline'],
      { code: 'MISSING_FIELD', dimension: 'strength', field: 'dimensions.strength.use_pipeline' },
    ],
    [
      'clamp_default',
      ['dimensions', 'strength', 'clamp_default'],
      { code: 'MISSING_FIELD', dimension: 'strength', field: 'dimensions.strength.clamp_default' },
    ],
    [
      'clamp_default.min',
      ['dimensions', 'crit_rate', 'clamp_default', 'min'],
      { code: 'MISSING_FIELD', dimension: 'crit_rate', field: 'dimensions.crit_rate.clamp_default.min' },
    ],
  ])('rejects a registry without %s', (_label, path, expected) => {
    expectRegistryRejected(combinerWith(path, REMOVE), undefined, expected);
  });

  it('rejects a use_pipeline that is not a boolean', () => {
    expectRegistryRejected(combinerWith(['dimensions', 'strength', 'use_pipeline'], 'yes'), undefined, {
      code: 'INVALID_TYPE',
      dimension: 'strength',
      field: 'dimensions.strength.use_pipeline',
    });
  });
});

describe('cap layer registry validation at load time', () => {
  it('rejects a layer name that appears twice', () => {
    expectRegistryRejected(
      COMBINER as Json,
      capLayersWith(['order', 2], 'REALM'),
      { code: 'DUPLICATE_LAYER', field: 'order[2]' },
      ['REALM'],
    );
  });

  it.each(['', '   ', ' WORLD', 'EVENT\t'])('rejects the layer name %j', (name) => {
    expectRegistryRejected(
      COMBINER as Json,
      capLayersWith(['order', 1], name),
      { code: 'INVALID_LAYER_NAME', field: 'order[1]' },
      [JSON.stringify(name)],
    );
  });

  it.each(['UNION', 'intersect'])('rejects the unknown across_policy %j', (policy) => {
    expectRegistryRejected(
      COMBINER as Json,
      capLayersWith(['across_policy'], policy),
      { code: 'UNKNOWN_POLICY', field: 'across_policy' },
      [policy],
    );
  });

  it('rejects an empty layer order', () => {
    expectRegistryRejected(COMBINER as Json, capLayersWith(['order'], []), {
      code: 'EMPTY_LAYER_ORDER',
      field: 'order',
    });
  });

  it('rejects an unknown field', () => {
    expectRegistryRejected(COMBINER as Json, capLayersWith(['default_scope'], 'TOTAL'), {
      code: 'UNKNOWN_FIELD',
      field: 'cap_layers.default_scope',
    });
  });

  it.each<[string, Key[]]>([
    ['order', ['order']],
    ['across_policy', ['across_policy']],
  ])('rejects a cap layer registry without %s', (field, path) => {
    expectRegistryRejected(COMBINER as Json, capLayersWith(path, REMOVE), { code: 'MISSING_FIELD', field });
  });

  it('rejects a layer name that is not a string', () => {
    expectRegistryRejected(COMBINER as Json, capLayersWith(['order', 1], 7), {
      code: 'INVALID_TYPE',
      field: 'order[1]',
    });
  });
});
