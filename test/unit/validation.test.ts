/**
 * AGGREGATION.md, "Validation": every rule rejects the whole resolution with an ActorCoreError that
 * names the subsystem, the dimension and the field (an exact JSON path), with a readable message.
 * This file: each field's rules; validation-required.test.ts: missing fields and all-or-nothing;
 * registry-validation.test.ts: the registries; validation-messages.test.ts: the messages' wording.
 */
import { compileRegistries, resolveSnapshot } from '../../src/core';
import {
  CAP_LAYERS,
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
