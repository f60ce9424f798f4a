/**
 * The first key that appears twice in one object of a JSON text, which `JSON.parse` would let the
 * last one win. One pass over text that `JSON.parse` has already accepted, so it only tracks strings,
 * brackets and which strings are keys: linear, where asking the YAML parser costs time quadratic in
 * an object's keys (a registry of 10,000 dimensions took seconds). Registry files and the CLI's
 * one-actor input refuse such keys; `--jsonl` streams do not look (~75 µs per standard actor, more
 * than its parse).
 */
import { lineAndColumn } from '../core';

export interface DuplicateKey {
  key: string;
  /** Offset of the second occurrence's opening quote. */
  offset: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/** For text that `JSON.parse` accepts: its first duplicate key, or undefined. */
export function findDuplicateJsonKey(text: string): DuplicateKey | undefined {
  // One entry per open bracket: the keys seen so far in an object, null for an array.
  const open: (Set<string> | null)[] = [];
  // In an object, a string is a key when it follows `{` or `,`; elsewhere it is a value.
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i + 1;
      while (text.charCodeAt(end) !== QUOTE) end += text.charCodeAt(end) === BACKSLASH ? 2 : 1;
      if (expectKey) {
        const literal = text.slice(i, end + 1);
        const key = literal.includes('\\') ? (JSON.parse(literal) as string) : literal.slice(1, -1);
        const keys = open[open.length - 1]!;
        if (keys.has(key)) return { key, offset: i };
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT) {
      open.push(new Set());
      expectKey = true;
    } else if (c === OPEN_ARRAY) {
      open.push(null);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      open.pop();
      expectKey = false;
    } else if (c === COMMA) {
      expectKey = open[open.length - 1] instanceof Set;
    }
  }
  return undefined;
}

/** For text that `JSON.parse` accepts: why it must not be read as it parses (a repeated key), or undefined. */
export function repeatedKeyReason(text: string): string | undefined {
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate === undefined) return undefined;
  const where = lineAndColumn(text, duplicate.offset);
  return `key ${JSON.stringify(duplicate.key)} appears twice in one object (${where})`;
}
