/**
 * The wording of validation errors: the one-line description of a located error, and the messages
 * of the rejections whose values need quoting or explaining.
 */
import { ActorCoreError, compileRegistries } from '../../src/core';
import { COMBINER, expectRejected, validOutputs, withField } from '../support/validation-fixture';

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

describe('input text shown in messages and paths', () => {
  it('writes a key that does not read as a name in brackets, quoted, so that each step of the path is one key', () => {
    const dotted = withField([1, 'context', 'a.b'], { multipliers: [0] });
    expectRejected(dotted, {
      code: 'INVALID_MULTIPLIER',
      subsystem: 'items',
      field: 'subsystems[1].context["a.b"].multipliers[0]',
    });
    const empty = withField([1, 'context', ''], { boost: 1 });
    expectRejected(empty, {
      code: 'UNKNOWN_FIELD',
      subsystem: 'items',
      field: 'subsystems[1].context[""].boost',
    });
    const spaced = withField([1, 'primary', 0, 'x y'], 1);
    expectRejected(spaced, {
      code: 'UNKNOWN_FIELD',
      subsystem: 'items',
      dimension: 'strength',
      field: 'subsystems[1].primary[0]["x y"]',
    });
  });

  it('escapes the characters a reader cannot see, so that a name that looks valid reads as what it is', () => {
    const err = expectRejected(withField([1, 'primary', 0, 'dimension'], 'strength\u200b'), {
      code: 'INVALID_DIMENSION',
      subsystem: 'items',
      dimension: 'strength\u200b',
      field: 'subsystems[1].primary[0].dimension',
    });
    expect(err.message).toBe(
      'subsystems[1].primary[0].dimension "strength\\u200b" does not match ^[a-z][a-z0-9_]*$',
    );
  });

  it('cuts a very long value, saying how long it was, so that the message stays one readable line', () => {
    const err = expectRejected(withField([1, 'primary', 0, 'bucket'], 'X'.repeat(100_000)), {
      code: 'UNKNOWN_BUCKET',
      subsystem: 'items',
      dimension: 'strength',
      field: 'subsystems[1].primary[0].bucket',
    });
    expect(err.message).toBe(
      `subsystems[1].primary[0].bucket must be one of FLAT, MULT, POST_ADD, OVERRIDE, got "${'X'.repeat(100)}…" (100000 characters)`,
    );
  });

  it('quotes a subsystem name holding an invisible character in the one-line description', () => {
    const err = new ActorCoreError('INVALID_TYPE', 'bad', { subsystem: 'items\u2028' });
    expect(err.describe()).toBe('INVALID_TYPE: bad (subsystem "items\\u2028")');
  });
});
