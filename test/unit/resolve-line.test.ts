/** One actor line in, one result out: where a bad line's error says it is, and which actor it names. */
import { compileRegistries, jsonErrorPosition, resolveActorLine } from '../../src/core';

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

  it('finds the excerpt V8 quotes for an unexpected token, when it occurs once', () => {
    const text = '[{"a": 1},\n {"b": x}]';
    expect(messageOf(text)).toContain("Unexpected token 'x'");
    expect(jsonErrorPosition(messageOf(text), text)).toBe('near line 2, column 8');
  });

  it('finds an excerpt cut on both sides, from a long text', () => {
    const text = `{"padding": "${'p'.repeat(40)}",\n  "bucket": 'FLAT', "tail": "${'t'.repeat(40)}"}`;
    expect(messageOf(text)).toMatch(/\.\.\."[\s\S]*"\.\.\. is not valid JSON$/);
    expect(jsonErrorPosition(messageOf(text), text)).toBe('near line 2, column 13');
  });

  it('says nothing it cannot find', () => {
    expect(jsonErrorPosition('Unexpected end of JSON input', '{')).toBeUndefined();
    expect(jsonErrorPosition(`Unexpected token 'x', "x" is not valid JSON`, 'x x')).toBeUndefined();
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

  it('names the column of invalid JSON, and no actor', () => {
    const result = resolveActorLine('{"actorId":"a-1","version":1,"subsystems":[}', registries, 2);
    expect(result.actorId).toBeNull();
    expect('error' in result && result.error).toMatchObject({ code: 'INVALID_JSON', line: 2 });
    expect('error' in result && result.error.message).toMatch(/\(near column 44\)$/);
  });
});
