import fc from 'fast-check';
import { findDuplicateJsonKey, repeatedKeyReason } from '../../src/text/json-duplicate-key';

/** A JSON value as the generator builds it: an object keeps its pairs in order, repeated keys included. */
type Node =
  | { kind: 'scalar'; text: string }
  | { kind: 'array'; items: Node[] }
  | { kind: 'object'; pairs: { key: string; escapeAll: boolean; value: Node }[] };

// Few keys, so that objects repeat them; some hold characters the scan must read past inside a string.
const KEYS = ['a', 'b', 'ab', 'value', 'x"y', 'p\\q', '{', '}', ',', '[', ':', 'é', ''];
const SCALARS = ['1', '-0.5e3', 'true', 'null', '"a"', '"}],{["', '"\\"\\\\"', '"a\\u0062"'];

const spaces = fc.constantFrom('', ' ', '\n  ', '\t');

function nodeArbitrary(): fc.Arbitrary<Node> {
  const { node } = fc.letrec<{ node: Node }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...SCALARS).map((text): Node => ({ kind: 'scalar', text })),
      fc.array(tie('node'), { maxLength: 4 }).map((items): Node => ({ kind: 'array', items })),
      fc
        .array(fc.record({ key: fc.constantFrom(...KEYS), escapeAll: fc.boolean(), value: tie('node') }), {
          maxLength: 5,
        })
        .map((pairs): Node => ({ kind: 'object', pairs })),
    ),
  }));
  return node;
}

/** `key` as a JSON string literal, every character as a \u escape when `escapeAll`. */
function keyLiteral(key: string, escapeAll: boolean): string {
  if (!escapeAll) return JSON.stringify(key);
  return `"${key
    .split('')
    .map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .join('')}"`;
}

/** The node as JSON text, with `space()` between tokens. */
function write(node: Node, space: () => string): string {
  switch (node.kind) {
    case 'scalar':
      return node.text;
    case 'array':
      return `[${space()}${node.items.map((item) => write(item, space)).join(`${space()},${space()}`)}${space()}]`;
    case 'object': {
      const pairs = node.pairs.map(
        (p) => `${keyLiteral(p.key, p.escapeAll)}${space()}:${space()}${write(p.value, space)}`,
      );
      return `{${space()}${pairs.join(`${space()},${space()}`)}${space()}}`;
    }
  }
}

/** The oracle, from the tree: the first key, in text order, that repeats a key of its own object. */
function firstRepeat(node: Node): string | undefined {
  if (node.kind === 'array') {
    for (const item of node.items) {
      const found = firstRepeat(item);
      if (found !== undefined) return found;
    }
  } else if (node.kind === 'object') {
    const seen = new Set<string>();
    for (const pair of node.pairs) {
      if (seen.has(pair.key)) return pair.key;
      seen.add(pair.key);
      const found = firstRepeat(pair.value);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

describe('findDuplicateJsonKey', () => {
  it('finds a key repeated in one object, at its second occurrence', () => {
    const text = '{"a": 1, "b": {"a": 2}, "a": 3}';
    expect(findDuplicateJsonKey(text)).toEqual({ key: 'a', offset: text.lastIndexOf('"a"') });
  });

  it('takes the same key in sibling, nested or array-held objects for no repeat', () => {
    expect(findDuplicateJsonKey('[{"a": 1}, {"a": 2}, {"b": {"b": [{"b": 1}]}}]')).toBeUndefined();
    expect(findDuplicateJsonKey('{"a": ["a", "a"], "b": "a"}')).toBeUndefined();
  });

  it('compares keys by what their escapes decode to, not by their spelling', () => {
    expect(findDuplicateJsonKey('{"ab": 1, "a\\u0062": 2}')).toEqual({ key: 'ab', offset: 10 });
    expect(findDuplicateJsonKey('{"\\"": 1, "\\u0022": 2}')?.key).toBe('"');
    expect(findDuplicateJsonKey('{"a\\\\": 1, "a\\\\b": 2}')).toBeUndefined();
  });

  it('reads past brackets, commas and quotes inside strings', () => {
    expect(findDuplicateJsonKey('{"k": "}, {\\"k\\": ", "j": "[", "l": 1}')).toBeUndefined();
    expect(findDuplicateJsonKey('{"k": "\\\\", "k": 1}')?.key).toBe('k');
  });

  it('says where the repeat is, by line and column', () => {
    expect(repeatedKeyReason('{\n  "a": 1,\n  "a": 2\n}')).toBe(
      'key "a" appears twice in one object (line 3, column 3)',
    );
    expect(repeatedKeyReason('{"a": 1}')).toBeUndefined();
  });

  it('finds a repeat among many keys of one object, as in a registry of 10,000 dimensions', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `dimension_${i}`);
    const object = (keys: string[]): string => `{${keys.map((k, i) => `"${k}": ${i}`).join(', ')}}`;
    expect(findDuplicateJsonKey(object(names))).toBeUndefined();
    for (const repeated of ['dimension_3', 'dimension_17', 'dimension_9999']) {
      const text = object([...names, repeated]);
      expect(findDuplicateJsonKey(text)).toEqual({
        key: repeated,
        offset: text.lastIndexOf(`"${repeated}"`),
      });
    }
  });

  it('finds the one repeat in objects of any size, escaped or not', () => {
    const keys = fc.uniqueArray(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 60, size: 'max' });
    fc.assert(
      fc.property(keys, fc.nat(), fc.nat(), fc.boolean(), fc.boolean(), (names, from, to, repeat, escape) => {
        const pairs = names.map((key) => ({
          key,
          escapeAll: false,
          value: { kind: 'scalar', text: '0' } as Node,
        }));
        if (repeat) {
          // A copy of an earlier key, spelled otherwise when `escape`, somewhere after it.
          const original = from % pairs.length;
          const at = original + 1 + (to % (pairs.length - original));
          pairs.splice(at, 0, { ...pairs[original]!, escapeAll: escape });
        }
        const node: Node = { kind: 'array', items: [{ kind: 'object', pairs }] };
        const text = write(node, () => ' ');
        expect(findDuplicateJsonKey(text)?.key).toBe(firstRepeat(node));
        expect(firstRepeat(node) !== undefined).toBe(repeat);
      }),
      { numRuns: 1000 },
    );
  });

  it('finds exactly the first repeated key of any JSON text, whatever its spacing and escapes', () => {
    fc.assert(
      fc.property(nodeArbitrary(), fc.array(spaces, { minLength: 1, maxLength: 16 }), (node, gaps) => {
        let next = 0;
        const text = write(node, () => gaps[next++ % gaps.length]!);
        JSON.parse(text); // the scan is for text JSON.parse accepts
        const expected = firstRepeat(node);
        const found = findDuplicateJsonKey(text);
        expect(found?.key).toBe(expected);
        if (found !== undefined) {
          // The offset is the repeat's opening quote: the string literal there decodes to the key.
          const literal = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(found.offset))![0];
          expect(JSON.parse(literal)).toBe(found.key);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
