/**
 * AGGREGATION.md, "Validation": every rule rejects the whole resolution with an ActorCoreError that
 * names the subsystem, the dimension and the field (an exact JSON path), with a readable message.
 */
import {
  ActorCoreError,
  compileRegistries,
  explain,
  resolveSnapshot,
  type CompiledRegistries,
  type ErrorCode,
} from '../../src/core';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Key = string | number;

const COMBINER = {
  defaults: { clamp_default: { min: 0, max: 1000000 } },
  dimensions: {
    strength: { use_pipeline: true, clamp_default: { min: 0, max: 999999 } },
    crit_rate: { use_pipeline: true, clamp_default: { min: 0, max: 1 } },
    lifespan_years: { use_pipeline: false, operator: 'MAX', clamp_default: { min: 0, max: 100000 } },
  },
};
const CAP_LAYERS = { order: ['REALM', 'WORLD', 'EVENT', 'TOTAL'], across_policy: 'INTERSECT' };

const registries = compileRegistries(COMBINER);

/** Two valid subsystem outputs; tests break one field of the second (`items`). */
function validOutputs(): Json {
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
const REMOVE = Symbol('remove');
function withField(path: readonly Key[], value: Json | typeof REMOVE, base: Json = validOutputs()): Json {
  let parent = base as Record<Key, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<Key, Json>;
  const last = path[path.length - 1]!;
  if (value === REMOVE) delete parent[last];
  else parent[last] = value;
  return base;
}

function thrownBy(fn: () => unknown): ActorCoreError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ActorCoreError) return err;
    throw err;
  }
  throw new Error('expected an ActorCoreError, but nothing was thrown');
}

interface Expected {
  code: ErrorCode;
  subsystem?: string;
  dimension?: string;
  field: string;
}

/** The message is a sentence for a human: words, no leaked `[object Object]` or source code. */
function expectReadable(err: ActorCoreError, mentions: readonly string[]): void {
  expect(err.message.length).toBeGreaterThan(12);
  expect(err.message).toMatch(/[a-z]{2,} [a-z]{2,}/i);
  expect(err.message).not.toMatch(/\[object |function |=>/);
  for (const text of mentions) expect(err.message).toContain(text);
}

/**
 * Resolves `outputs` and expects the whole resolution to be rejected: an ActorCoreError located as
 * `expected`, nothing returned, and the input left exactly as it was.
 */
function expectRejected(
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

function expectRegistryRejected(
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

function combinerWith(path: readonly Key[], value: Json | typeof REMOVE): Json {
  return withField(path, value, structuredClone(COMBINER) as Json);
}
function capLayersWith(path: readonly Key[], value: Json | typeof REMOVE): Json {
  return withField(path, value, structuredClone(CAP_LAYERS) as Json);
}

describe('the fixture', () => {
  it('is valid, so every rejection below is caused by the one field a test breaks', () => {
    expect(() => resolveSnapshot(validOutputs(), registries, 1)).not.toThrow();
    expect(() => compileRegistries(COMBINER, CAP_LAYERS)).not.toThrow();
  });
});

describe('a value that is not a finite number', () => {
  it.each<[string, Json]>([
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['NaN', NaN],
    ['a numeric string', '5'],
    ['null', null],
    ['a boolean', true],
  ])('rejects a contribution value that is %s', (_label, value) => {
    expectRejected(
      withField([1, 'primary', 0, 'value'], value),
      {
        code: 'NON_FINITE_NUMBER',
        subsystem: 'items',
        dimension: 'strength',
        field: 'subsystems[1].primary[0].value',
      },
      ['finite'],
    );
  });

  it('rejects a non-finite derived contribution value', () => {
    expectRejected(withField([1, 'derived', 0, 'value'], -Infinity), {
      code: 'NON_FINITE_NUMBER',
      subsystem: 'items',
      dimension: 'crit_rate',
      field: 'subsystems[1].derived[0].value',
    });
  });

  it('rejects a non-finite cap value', () => {
    expectRejected(withField([1, 'caps', 1, 'value'], NaN), {
      code: 'NON_FINITE_NUMBER',
      subsystem: 'items',
      dimension: 'crit_rate',
      field: 'subsystems[1].caps[1].value',
    });
  });

  it.each<[string, Key[], Json, string]>([
    ['additive_percent', ['additive_percent'], Infinity, 'subsystems[1].context.combat.additive_percent'],
    ['post_add', ['post_add'], 'ten', 'subsystems[1].context.combat.post_add'],
    ['a multiplier', ['multipliers', 1], NaN, 'subsystems[1].context.combat.multipliers[1]'],
  ])('rejects a non-finite %s in a context pack', (_label, path, value, field) => {
    expectRejected(withField([1, 'context', 'combat', ...path], value), {
      code: 'NON_FINITE_NUMBER',
      subsystem: 'items',
      field,
    });
  });
});

describe('a dimension that does not match ^[a-z][a-z0-9_]*$', () => {
  it.each(['Strength', '1st_dim', 'move-speed', '_hidden', ''])(
    'rejects the contribution dimension %j, naming it',
    (name) => {
      expectRejected(withField([1, 'primary', 0, 'dimension'], name), {
        code: 'INVALID_DIMENSION',
        subsystem: 'items',
        dimension: name,
        field: 'subsystems[1].primary[0].dimension',
      });
    },
  );

  it('rejects an invalid dimension in a cap, naming it', () => {
    expectRejected(
      withField([1, 'caps', 0, 'dimension'], 'Strength'),
      {
        code: 'INVALID_DIMENSION',
        subsystem: 'items',
        dimension: 'Strength',
        field: 'subsystems[1].caps[0].dimension',
      },
      ['Strength'],
    );
  });

  it('quotes an empty or spaced dimension in the one-line description, so the location list stays readable', () => {
    const empty = expectRejected(withField([1, 'primary', 0, 'dimension'], ''), {
      code: 'INVALID_DIMENSION',
      subsystem: 'items',
      dimension: '',
      field: 'subsystems[1].primary[0].dimension',
    });
    expect(empty.describe()).toContain(
      '(subsystem items, dimension "", field subsystems[1].primary[0].dimension)',
    );
    const spaced = expectRejected(withField([1, 'primary', 0, 'dimension'], 'crit, rate'), {
      code: 'INVALID_DIMENSION',
      subsystem: 'items',
      dimension: 'crit, rate',
      field: 'subsystems[1].primary[0].dimension',
    });
    expect(spaced.describe()).toContain('dimension "crit, rate", field');
  });

  it('rejects a dimension that is not a string', () => {
    expectRejected(withField([1, 'derived', 0, 'dimension'], 42), {
      code: 'INVALID_TYPE',
      subsystem: 'items',
      field: 'subsystems[1].derived[0].dimension',
    });
  });
});

describe('unknown enumerations', () => {
  it.each(['ADD', 'flat', 'PERCENT'])('rejects the unknown bucket %j', (bucket) => {
    expectRejected(
      withField([1, 'primary', 0, 'bucket'], bucket),
      {
        code: 'UNKNOWN_BUCKET',
        subsystem: 'items',
        dimension: 'strength',
        field: 'subsystems[1].primary[0].bucket',
      },
      [bucket],
    );
  });

  it.each(['SOFT_MAX', 'baseline'])('rejects the unknown cap mode %j', (mode) => {
    expectRejected(
      withField([1, 'caps', 0, 'mode'], mode),
      {
        code: 'UNKNOWN_MODE',
        subsystem: 'items',
        dimension: 'strength',
        field: 'subsystems[1].caps[0].mode',
      },
      [mode],
    );
  });

  it.each(['maximum', 'MAX'])('rejects the unknown cap kind %j', (kind) => {
    expectRejected(
      withField([1, 'caps', 0, 'kind'], kind),
      {
        code: 'UNKNOWN_KIND',
        subsystem: 'items',
        dimension: 'strength',
        field: 'subsystems[1].caps[0].kind',
      },
      [kind],
    );
  });
});

describe('cap scope', () => {
  it('rejects a scope that is not a layer of the default registry', () => {
    expectRejected(
      withField([1, 'caps', 0, 'scope'], 'GALAXY'),
      {
        code: 'UNKNOWN_SCOPE',
        subsystem: 'items',
        dimension: 'strength',
        field: 'subsystems[1].caps[0].scope',
      },
      ['GALAXY'],
    );
  });

  it('rejects a scope that is a default layer but not a layer of a custom registry', () => {
    const custom = compileRegistries(COMBINER, {
      order: ['REALM', 'EVENT', 'TOTAL'],
      across_policy: 'INTERSECT',
    });
    expectRejected(
      validOutputs(), // caps[0] of `items` is scoped WORLD
      {
        code: 'UNKNOWN_SCOPE',
        subsystem: 'items',
        dimension: 'strength',
        field: 'subsystems[1].caps[0].scope',
      },
      ['WORLD'],
      { registries: custom },
    );
  });

  it('rejects a cap without scope when the custom registry has no TOTAL layer (the default scope)', () => {
    const custom = compileRegistries(COMBINER, { order: ['REALM', 'WORLD'], across_policy: 'INTERSECT' });
    // subsystems[0].caps[0] has no scope, so it means TOTAL
    expectRejected(
      validOutputs(),
      {
        code: 'UNKNOWN_SCOPE',
        subsystem: 'race',
        dimension: 'strength',
        field: 'subsystems[0].caps[0].scope',
      },
      ['TOTAL'],
      { registries: custom },
    );
  });

  it('rejects scope REALM without realm', () => {
    expectRejected(
      withField([1, 'caps', 1, 'realm'], REMOVE),
      {
        code: 'MISSING_REALM',
        subsystem: 'items',
        dimension: 'crit_rate',
        field: 'subsystems[1].caps[1].realm',
      },
      ['REALM'],
    );
  });
});

describe('mode and kind that contradict each other', () => {
  it('rejects HARD_MAX with kind min', () => {
    expectRejected(
      withField([1, 'caps', 0, 'kind'], 'min'),
      {
        code: 'MODE_KIND_MISMATCH',
        subsystem: 'items',
        dimension: 'strength',
        field: 'subsystems[1].caps[0].kind',
      },
      ['HARD_MAX'],
    );
  });

  it('rejects HARD_MIN with kind max', () => {
    expectRejected(
      withField([1, 'caps', 1, 'kind'], 'max'),
      {
        code: 'MODE_KIND_MISMATCH',
        subsystem: 'items',
        dimension: 'crit_rate',
        field: 'subsystems[1].caps[1].kind',
      },
      ['HARD_MIN'],
    );
  });
});

describe('priority that is not an integer', () => {
  it.each<[string, Json]>([
    ['1.5', 1.5],
    ['"1"', '1'],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['null', null],
  ])('rejects a contribution priority of %s', (_label, priority) => {
    expectRejected(
      withField([1, 'primary', 0, 'priority'], priority),
      {
        code: 'INVALID_PRIORITY',
        subsystem: 'items',
        dimension: 'strength',
        field: 'subsystems[1].primary[0].priority',
      },
      ['integer'],
    );
  });

  it('rejects a cap priority of 0.5', () => {
    expectRejected(withField([1, 'caps', 0, 'priority'], 0.5), {
      code: 'INVALID_PRIORITY',
      subsystem: 'items',
      dimension: 'strength',
      field: 'subsystems[1].caps[0].priority',
    });
  });
});

describe('a context multiplier that is not greater than 0', () => {
  it.each([0, -0, -1.5])('rejects the multiplier %d', (factor) => {
    expectRejected(
      withField([1, 'context', 'combat', 'multipliers', 1], factor),
      {
        code: 'INVALID_MULTIPLIER',
        subsystem: 'items',
        field: 'subsystems[1].context.combat.multipliers[1]',
      },
      ['greater than 0'],
    );
  });
});

describe('unknown extra fields', () => {
  it.each<[string, Key[], Expected]>([
    [
      'a subsystem output',
      [1, 'extra'],
      { code: 'UNKNOWN_FIELD', subsystem: 'items', field: 'subsystems[1].extra' },
    ],
    [
      'meta',
      [1, 'meta', 'owner'],
      { code: 'UNKNOWN_FIELD', subsystem: 'items', field: 'subsystems[1].meta.owner' },
    ],
    [
      'a primary contribution',
      [1, 'primary', 0, 'note'],
      {
        code: 'UNKNOWN_FIELD',
        subsystem: 'items',
        dimension: 'strength',
        field: 'subsystems[1].primary[0].note',
      },
    ],
    [
      'a derived contribution',
      [1, 'derived', 0, 'scope'],
      {
        code: 'UNKNOWN_FIELD',
        subsystem: 'items',
        dimension: 'crit_rate',
        field: 'subsystems[1].derived[0].scope',
      },
    ],
    [
      'a cap',
      [1, 'caps', 1, 'bucket'],
      {
        code: 'UNKNOWN_FIELD',
        subsystem: 'items',
        dimension: 'crit_rate',
        field: 'subsystems[1].caps[1].bucket',
      },
    ],
    [
      'a context pack',
      [1, 'context', 'combat', 'bonus'],
      { code: 'UNKNOWN_FIELD', subsystem: 'items', field: 'subsystems[1].context.combat.bonus' },
    ],
  ])('rejects an unknown field of %s', (_label, path, expected) => {
    expectRejected(withField(path, 1), expected);
  });
});

describe('a field of the other item type', () => {
  it.each<[string, Key[], string]>([
    ['tags', [1, 'primary', 0, 'tags'], 'subsystems[1].primary[0].tags'],
    ['realm', [1, 'primary', 0, 'realm'], 'subsystems[1].primary[0].realm'],
    ['mode', [1, 'primary', 0, 'mode'], 'subsystems[1].primary[0].mode'],
    ['kind', [1, 'primary', 0, 'kind'], 'subsystems[1].primary[0].kind'],
  ])('rejects a cap-only field %s on a contribution as UNKNOWN_FIELD', (_key, path, field) => {
    expectRejected(withField(path, ['gear']), {
      code: 'UNKNOWN_FIELD',
      subsystem: 'items',
      dimension: 'strength',
      field,
    });
  });
});

describe('meta.version that is not an integer', () => {
  it('rejects meta.version 1.5 as INVALID_TYPE, naming the field', () => {
    expectRejected(withField([1, 'meta', 'version'], 1.5), {
      code: 'INVALID_TYPE',
      subsystem: 'items',
      field: 'subsystems[1].meta.version',
    });
  });
});

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
      field: 'dimensions.Move-Speed',
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

describe('the one-line description of an error', () => {
  it('writes file:line first, then the actor and the rest of the location', () => {
    const err = new ActorCoreError('INVALID_TYPE', 'bad', { subsystem: 'items', field: 'x' }).locate({
      file: 'actors.jsonl',
      line: 7,
      actorId: 'a1',
    });
    expect(err.describe()).toBe('INVALID_TYPE: bad (actors.jsonl:7, actor a1, subsystem items, field x)');
  });

  it('writes "line N" for a line of an input with no file name', () => {
    const err = new ActorCoreError('INVALID_JSON', 'bad', {}).locate({ line: 3, actorId: 'a1' });
    expect(err.describe()).toBe('INVALID_JSON: bad (line 3, actor a1)');
  });

  it('quotes a name holding a comma even without spaces, so the location list stays unambiguous', () => {
    const err = new ActorCoreError('INVALID_DIMENSION', 'bad', { subsystem: 'a,b', dimension: 'c(d)' });
    expect(err.describe()).toBe('INVALID_DIMENSION: bad (subsystem "a,b", dimension "c(d)")');
  });

  it('lets the outer layer replace a location field the inner one set, keeping code, message and permanence', () => {
    const inner = new ActorCoreError('STORE_UNAVAILABLE', 'down', { file: 'chunk.jsonl', line: 2 }, false);
    const outer = inner.locate({ file: 'actors.jsonl', line: 12 });
    expect(outer.toJSON()).toEqual({
      code: 'STORE_UNAVAILABLE',
      message: 'down',
      file: 'actors.jsonl',
      line: 12,
    });
    expect(outer.permanent).toBe(false);
  });
});

describe('the message of a rejected dimension name', () => {
  it('quotes the name, so that an empty or spaced name can be read in it', () => {
    const err = expectRejected(withField([1, 'primary', 0, 'dimension'], 'crit rate'), {
      code: 'INVALID_DIMENSION',
      subsystem: 'items',
      dimension: 'crit rate',
      field: 'subsystems[1].primary[0].dimension',
    });
    expect(err.message).toBe(
      'subsystems[1].primary[0].dimension "crit rate" does not match ^[a-z][a-z0-9_]*$',
    );
  });
});

describe('the message of a mode and kind that contradict each other', () => {
  it('names the kind the mode needs', () => {
    const expected = { code: 'MODE_KIND_MISMATCH' as const, subsystem: 'items' };
    const hardMax = expectRejected(withField([1, 'caps', 0, 'kind'], 'min'), {
      ...expected,
      dimension: 'strength',
      field: 'subsystems[1].caps[0].kind',
    });
    expect(hardMax.message).toBe('subsystems[1].caps[0].kind is "min" but a HARD_MAX cap needs kind "max"');
    const hardMin = expectRejected(withField([1, 'caps', 1, 'kind'], 'max'), {
      ...expected,
      dimension: 'crit_rate',
      field: 'subsystems[1].caps[1].kind',
    });
    expect(hardMin.message).toBe('subsystems[1].caps[1].kind is "max" but a HARD_MIN cap needs kind "min"');
  });
});

describe('the message of a scope that is not a layer', () => {
  it('says when the scope is the default TOTAL the cap left out, and lists the registry’s layers', () => {
    const custom = compileRegistries(COMBINER, { order: ['REALM', 'WORLD'], across_policy: 'INTERSECT' });
    const defaulted = expectRejected(
      validOutputs(),
      {
        code: 'UNKNOWN_SCOPE',
        subsystem: 'race',
        dimension: 'strength',
        field: 'subsystems[0].caps[0].scope',
      },
      [],
      { registries: custom },
    );
    expect(defaulted.message).toBe(
      'subsystems[0].caps[0].scope "TOTAL" (the default) is not a layer of the cap layer registry (REALM, WORLD)',
    );
    const named = expectRejected(withField([1, 'caps', 0, 'scope'], 'GALAXY'), {
      code: 'UNKNOWN_SCOPE',
      subsystem: 'items',
      dimension: 'strength',
      field: 'subsystems[1].caps[0].scope',
    });
    expect(named.message).toMatch(
      /^subsystems\[1\]\.caps\[0\]\.scope "GALAXY" is not a layer of the cap layer registry \(/,
    );
  });
});

describe('the message of a value outside a field’s few choices', () => {
  it('quotes a wrong string, so that it reads apart from a number', () => {
    const err = expectRejected(withField([1, 'primary', 0, 'bucket'], '3'), {
      code: 'UNKNOWN_BUCKET',
      subsystem: 'items',
      dimension: 'strength',
      field: 'subsystems[1].primary[0].bucket',
    });
    expect(err.message).toBe(
      'subsystems[1].primary[0].bucket must be one of FLAT, MULT, POST_ADD, OVERRIDE, got "3"',
    );
  });

  it('names an array as an array, not as an object', () => {
    const err = expectRejected(withField([1, 'meta'], ['items']), {
      code: 'INVALID_TYPE',
      subsystem: '#1',
      field: 'subsystems[1].meta',
    });
    expect(err.message).toBe('subsystems[1].meta must be an object, got array');
  });
});
