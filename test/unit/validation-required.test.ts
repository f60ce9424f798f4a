/**
 * AGGREGATION.md, "Validation": a missing required field, and the actor version, are rejected like
 * any invalid field; and a rejection is all or nothing: no partial snapshot, no workspace state left
 * behind for the next actor.
 */
import { ActorCoreError, compileRegistries, explain, resolveSnapshot } from '../../src/core';
import {
  COMBINER,
  expectRejected,
  REMOVE,
  registries,
  validOutputs,
  withField,
  type Expected,
  type Json,
  type Key,
} from '../support/validation-fixture';
import { thrownBy } from '../support/thrown-error';

describe('missing required fields', () => {
  it.each<[string, Key[], Expected]>([
    [
      'primary',
      [1, 'primary'],
      { code: 'MISSING_FIELD', subsystem: 'items', field: 'subsystems[1].primary' },
    ],
    [
      'derived',
      [1, 'derived'],
      { code: 'MISSING_FIELD', subsystem: 'items', field: 'subsystems[1].derived' },
    ],
    ['caps', [1, 'caps'], { code: 'MISSING_FIELD', subsystem: 'items', field: 'subsystems[1].caps' }],
    ['meta', [1, 'meta'], { code: 'MISSING_FIELD', subsystem: '#1', field: 'subsystems[1].meta' }],
    [
      'meta.system',
      [1, 'meta', 'system'],
      { code: 'MISSING_FIELD', subsystem: '#1', field: 'subsystems[1].meta.system' },
    ],
    [
      'a contribution dimension',
      [1, 'primary', 0, 'dimension'],
      { code: 'MISSING_FIELD', subsystem: 'items', field: 'subsystems[1].primary[0].dimension' },
    ],
    [
      'a contribution bucket',
      [1, 'primary', 0, 'bucket'],
      {
        code: 'MISSING_FIELD',
        subsystem: 'items',
        dimension: 'strength',
        field: 'subsystems[1].primary[0].bucket',
      },
    ],
    [
      'a contribution value',
      [1, 'derived', 0, 'value'],
      {
        code: 'MISSING_FIELD',
        subsystem: 'items',
        dimension: 'crit_rate',
        field: 'subsystems[1].derived[0].value',
      },
    ],
    [
      'a contribution system',
      [1, 'primary', 1, 'system'],
      {
        code: 'MISSING_FIELD',
        subsystem: 'items',
        dimension: 'lifespan_years',
        field: 'subsystems[1].primary[1].system',
      },
    ],
    [
      'a cap system',
      [1, 'caps', 0, 'system'],
      {
        code: 'MISSING_FIELD',
        subsystem: 'items',
        dimension: 'strength',
        field: 'subsystems[1].caps[0].system',
      },
    ],
    [
      'a cap dimension',
      [1, 'caps', 0, 'dimension'],
      { code: 'MISSING_FIELD', subsystem: 'items', field: 'subsystems[1].caps[0].dimension' },
    ],
    [
      'a cap mode',
      [1, 'caps', 0, 'mode'],
      {
        code: 'MISSING_FIELD',
        subsystem: 'items',
        dimension: 'strength',
        field: 'subsystems[1].caps[0].mode',
      },
    ],
    [
      'a cap kind',
      [1, 'caps', 0, 'kind'],
      {
        code: 'MISSING_FIELD',
        subsystem: 'items',
        dimension: 'strength',
        field: 'subsystems[1].caps[0].kind',
      },
    ],
    [
      'a cap value',
      [1, 'caps', 1, 'value'],
      {
        code: 'MISSING_FIELD',
        subsystem: 'items',
        dimension: 'crit_rate',
        field: 'subsystems[1].caps[1].value',
      },
    ],
  ])('rejects an output without %s, saying it is missing', (_label, path, expected) => {
    const err = expectRejected(withField(path, REMOVE), expected);
    expect(err.message).toMatch(/ is missing \(it must be [^)]+\)$/);
    expect(err.message.startsWith(`${expected.field} is missing`)).toBe(true);
  });

  it.each<[string, Key[]]>([
    ['primary', [1, 'primary', 0]],
    ['derived', [1, 'derived', 0]],
    ['caps', [1, 'caps', 1]],
  ])('rejects a null entry in %s with a typed error', (_label, path) => {
    const field = `subsystems[1].${path[1]}[${path[2]}]`;
    expectRejected(withField(path, null), { code: 'INVALID_TYPE', subsystem: 'items', field }, ['object']);
  });

  it('rejects subsystems that are not an array', () => {
    expectRejected({ primary: [] }, { code: 'INVALID_TYPE', field: 'subsystems' });
  });

  it('rejects a subsystem output that is not an object', () => {
    expectRejected(withField([1], 'items'), {
      code: 'INVALID_TYPE',
      subsystem: '#1',
      field: 'subsystems[1]',
    });
  });
});

describe('the actor version', () => {
  it.each<[string, unknown]>([
    ['0', 0],
    ['1.5', 1.5],
    ['"1"', '1'],
    ['-1', -1],
    ['NaN', NaN],
    ['missing', undefined],
  ])('rejects version %s', (_label, version) => {
    expectRejected(validOutputs(), { code: 'INVALID_VERSION', field: 'version' }, [], { version });
  });
});

describe('rejection is all or nothing', () => {
  it('rejects the resolution when only the last of many outputs is invalid, returning nothing', () => {
    const broken = (withField([1, 'caps', 0, 'mode'], 'SOFT_MAX') as Json[])[1]!;
    const many: Json = [...(validOutputs() as Json[]), ...(validOutputs() as Json[]), broken];
    expectRejected(many, {
      code: 'UNKNOWN_MODE',
      subsystem: 'items',
      dimension: 'strength',
      field: 'subsystems[4].caps[0].mode',
    });
  });

  it('rejects when an invalid contribution follows valid ones in a later subsystem', () => {
    const outputs = validOutputs() as Json[];
    const broken = withField([1, 'derived', 0, 'bucket'], 'SQUARE');
    const many: Json = [...outputs, ...(broken as Json[])];
    expectRejected(many, {
      code: 'UNKNOWN_BUCKET',
      subsystem: 'items',
      dimension: 'crit_rate',
      field: 'subsystems[3].derived[0].bucket',
    });
  });

  it('leaves no trace of a rejected resolution in the next one with the same registries', () => {
    const fresh = resolveSnapshot(validOutputs(), compileRegistries(COMBINER), 1);
    const shared = compileRegistries(COMBINER);
    // the broken field comes after valid contributions and caps of the same dimensions were read
    const broken: Json = [
      ...(validOutputs() as Json[]),
      ...(withField([0, 'caps', 0, 'mode'], 'SOFT') as Json[]),
    ];
    expect(() => resolveSnapshot(broken, shared, 1)).toThrow(ActorCoreError);
    expect(JSON.stringify(resolveSnapshot(validOutputs(), shared, 1))).toBe(JSON.stringify(fresh));
  });

  it('explain rejects the same invalid input with the same error', () => {
    const outputs = withField([1, 'caps', 0, 'scope'], 'GALAXY');
    const fromResolve = thrownBy(() => resolveSnapshot(outputs, registries, 1));
    const fromExplain = thrownBy(() => explain(outputs, 'strength', registries, 1));
    expect(fromExplain.toJSON()).toEqual(fromResolve.toJSON());
  });

  it('does not mutate a valid input (contributions and caps stay in their given order)', () => {
    // three FLATs and three caps of one dimension in reverse sort order, so the core has to sort them
    const outputs: Json = [
      {
        primary: [
          { dimension: 'strength', bucket: 'FLAT', value: 3, system: 'c' },
          { dimension: 'strength', bucket: 'FLAT', value: 2, system: 'b' },
          { dimension: 'strength', bucket: 'FLAT', value: 1, system: 'a', priority: -1 },
        ],
        derived: [],
        caps: [
          { system: 'c', dimension: 'strength', mode: 'BASELINE', kind: 'max', value: 30 },
          { system: 'b', dimension: 'strength', mode: 'BASELINE', kind: 'max', value: 20 },
          { system: 'a', dimension: 'strength', mode: 'OVERRIDE', kind: 'max', value: 10, priority: -1 },
        ],
        context: { combat: { multipliers: [3, 2] } },
        meta: { system: 'z' },
      },
      {
        primary: [],
        derived: [],
        caps: [],
        context: { combat: { multipliers: [5] } },
        meta: { system: 'a' },
      },
    ];
    const before = structuredClone(outputs);
    resolveSnapshot(outputs, registries, 1);
    explain(outputs, 'strength', registries, 1);
    expect(outputs).toEqual(before);
  });
});
