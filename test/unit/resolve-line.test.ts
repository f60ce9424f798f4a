/** One actor line in, one result out: where a bad line's error says it is, and which actor it names. */
import fc from 'fast-check';
import { compileRegistries, jsonErrorPosition, resolveActorLine } from '../../src/core';
import { jsonSyntaxErrorOffset } from '../../src/core/json-position';

const registries = compileRegistries({ dimensions: {} });

function messageOf(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${text} parsed`);
}

describe('jsonErrorPosition', () => {
  it('turns V8’s "at position N" into a line and column', () => {
    const text = '{\n  "a": 1,\n  "b" 2\n}';
    expect(jsonErrorPosition(messageOf(text), text)).toBe('line 3, column 7');
  });

  it('names the unexpected token itself, not an earlier copy of the characters V8 quotes', () => {
    const text = '[{"a": 1},\n {"b": x}]';
    expect(messageOf(text)).toContain("Unexpected token 'x'");
    expect(jsonErrorPosition(messageOf(text), text)).toBe('line 2, column 8');
    // `total` is read as the start of `true`: the error is its "o", not the "o" of "scope".
    const typo = '{\n  "scope": total\n}';
    expect(messageOf(typo)).toContain("Unexpected token 'o'");
    expect(jsonErrorPosition(messageOf(typo), typo)).toBe('line 2, column 13');
  });

  it('locates a token whose quoted excerpt occurs twice in the text', () => {
    const text = '[\n  {"scope": TOTAL},\n  {"scope": TOTAL}\n]';
    expect(jsonErrorPosition(messageOf(text), text)).toBe('line 2, column 13');
  });

  it('locates an excerpt cut on both sides, from a long text', () => {
    const text = `{"padding": "${'p'.repeat(40)}",\n  "bucket": 'FLAT', "tail": "${'t'.repeat(40)}"}`;
    expect(messageOf(text)).toMatch(/\.\.\."[\s\S]*"\.\.\. is not valid JSON$/);
    expect(jsonErrorPosition(messageOf(text), text)).toBe('line 2, column 13');
  });

  it('puts a truncated text’s error at its end, where V8 names no position', () => {
    const text = '[\n  {"a": 1},\n  {"b": tr';
    expect(messageOf(text)).toBe('Unexpected end of JSON input');
    expect(jsonErrorPosition(messageOf(text), text)).toBe('line 3, column 11');
    expect(jsonErrorPosition(messageOf(''), '')).toBe('line 1, column 1');
  });

  it('puts a raw line break inside a string at the end of the line it breaks, not on the next line', () => {
    const text = '{\n  "a": "x\ny"\n}';
    expect(jsonErrorPosition(messageOf(text), text)).toBe('line 2, column 10');
  });

  it('adds nothing to a message that already names the line, as newer V8 messages do', () => {
    const text = '{\n  "a": 1,\n  "b" 2\n}';
    const located = "Expected ':' after property name in JSON at position 17 (line 3 column 7)";
    expect(jsonErrorPosition(located, text)).toBeUndefined();
  });

  it.each([
    ['an unescaped control character in a string', '["a\tb"]', 3],
    ['a bad escape', '["a\\qb"]', 4],
    ['a short \\u escape', '["\\u12G4"]', 6],
    ['a leading zero', '[01]', 2],
    ['a fraction without digits', '[1.]', 3],
    ['an exponent without digits', '[1e+]', 4],
    ['a trailing comma', '{"a": 1,}', 8],
    ['a missing colon', '{"a" 1}', 5],
    ['a key without quotes', '{a: 1}', 1],
    ['text after the value', '{} {}', 3],
    ['a mistyped literal', '[nul]', 4],
  ])('finds %s at the offending character', (_, text, offset) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonSyntaxErrorOffset(text)).toBe(offset);
  });

  it('agrees with JSON.parse on what is JSON, and stops on a character that makes the prefix invalid', () => {
    fc.assert(
      fc.property(fc.json(), fc.nat(), fc.string({ maxLength: 3 }), fc.nat(), (json, at, insert, cut) => {
        expect(jsonSyntaxErrorOffset(json)).toBe(-1);
        const p = at % (json.length + 1);
        const changed = (json.slice(0, p) + insert + json.slice(p)).slice(0, cut % (json.length + 4));
        let valid = true;
        try {
          JSON.parse(changed);
        } catch {
          valid = false;
        }
        const offset = jsonSyntaxErrorOffset(changed);
        expect(offset === -1).toBe(valid);
        if (!valid) {
          expect(offset).toBeGreaterThanOrEqual(0);
          expect(offset).toBeLessThanOrEqual(changed.length);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('scans deep nesting without overflowing the stack', () => {
    const deep = `${'['.repeat(200_000)}1${']'.repeat(199_999)}`;
    expect(jsonSyntaxErrorOffset(deep)).toBe(deep.length);
  });
});

describe('resolveActorLine', () => {
  it('keeps the actorId of a line rejected for an unknown field', () => {
    const result = resolveActorLine('{"actorId":"a-1","version":1,"subsystems":[],"note":1}', registries, 4);
    expect(result).toEqual({
      actorId: 'a-1',
      error: expect.objectContaining({ code: 'UNKNOWN_FIELD', field: 'note', line: 4, actorId: 'a-1' }),
    });
  });

  it('says MISSING_FIELD for a line without actorId and INVALID_TYPE for a non-string one', () => {
    const missing = resolveActorLine('{"version":1,"subsystems":[]}', registries, 1);
    expect('error' in missing && missing.error).toMatchObject({ code: 'MISSING_FIELD', field: 'actorId' });
    const numeric = resolveActorLine('{"actorId":7,"version":1,"subsystems":[]}', registries, 1);
    expect('error' in numeric && numeric.error).toMatchObject({ code: 'INVALID_TYPE', field: 'actorId' });
  });

  it('names the column of invalid JSON, and no actor', () => {
    const result = resolveActorLine('{"actorId":"a-1","version":1,"subsystems":[}', registries, 2);
    expect(result.actorId).toBeNull();
    expect('error' in result && result.error).toMatchObject({ code: 'INVALID_JSON', line: 2 });
    expect('error' in result && result.error.message).toMatch(/\(column 44\)$/);
  });

  it('rejects a line whose actorId is the empty string, as a wrong type and with no actor named', () => {
    const result = resolveActorLine('{"actorId":"","version":1,"subsystems":[]}', registries, 3);
    expect(result.actorId).toBeNull();
    expect('error' in result && result.error).toMatchObject({
      code: 'INVALID_TYPE',
      field: 'actorId',
      line: 3,
    });
  });
});
