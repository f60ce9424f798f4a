/**
 * The first key that appears twice in one object of a JSON text, which `JSON.parse` would let the
 * last one win. One pass over text that `JSON.parse` has already accepted, so it only tracks strings,
 * brackets and which strings are keys: linear, where asking the YAML parser costs time quadratic in
 * an object's keys (a registry of 10,000 dimensions took seconds). Registry files and the CLI's
 * one-actor input refuse such keys; `--jsonl` streams look only with `--strict-keys` (~45 µs per
 * standard actor, most of its parse's time).
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

/**
 * An object's keys are compared with each new one in turn up to this many; past it they go into a Set,
 * so that a registry's object of 10,000 dimensions stays linear.
 */
const KEYS_COMPARED_IN_TURN = 16;

/** For text that `JSON.parse` accepts: its first duplicate key, or undefined. */
export function findDuplicateJsonKey(text: string): DuplicateKey | undefined {
  const open = new OpenObjects(text);
  // In an object, a string is a key when it follows `{` or `,`; elsewhere it is a value.
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i + 1;
      let escaped = false;
      for (let d = text.charCodeAt(end); d !== QUOTE; d = text.charCodeAt(end)) {
        if (d === BACKSLASH) {
          escaped = true;
          end += 2;
        } else end++;
      }
      if (expectKey) {
        if (!open.addKey(i, end, escaped)) return { key: decode(text, i, end), offset: i };
        expectKey = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT) {
      open.openObject();
      expectKey = true;
    } else if (c === OPEN_ARRAY) {
      open.openArray();
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      open.close();
      expectKey = false;
    } else if (c === COMMA) {
      expectKey = open.inObject();
    }
  }
  return undefined;
}

/**
 * The keys of the objects open at a point of the scan, innermost last. Kept as offsets into the text,
 * not as strings: slicing and hashing every key cost two thirds of the scan, and an object holds a
 * handful of keys, compared in turn.
 */
class OpenObjects {
  /** At `keys[k]` a key's opening quote, at `keys[k + 1]` its closing one. */
  private readonly keys: number[] = [];
  /** One entry per open bracket: where its keys start in `keys`, or -1 for an array. */
  private readonly starts: number[] = [];
  /** Per open bracket, the keys of an object past KEYS_COMPARED_IN_TURN, decoded. */
  private readonly sets: (Set<string> | undefined)[] = [];
  /** Whether a key so far held an escape: from then on keys are compared decoded (rare in practice). */
  private escapes = false;

  constructor(private readonly text: string) {}

  openObject(): void {
    this.starts.push(this.keys.length);
    this.sets.push(undefined);
  }

  openArray(): void {
    this.starts.push(-1);
    this.sets.push(undefined);
  }

  close(): void {
    const from = this.starts.pop()!;
    this.sets.pop();
    if (from >= 0) this.keys.length = from;
  }

  /** Whether the innermost open bracket is an object's. */
  inObject(): boolean {
    return this.starts[this.starts.length - 1]! >= 0;
  }

  /** Adds the key literal `text[at, end]` (quote to quote) to the innermost object; false if it holds it. */
  addKey(at: number, end: number, escaped: boolean): boolean {
    const { keys, text } = this;
    this.escapes ||= escaped;
    const top = this.starts.length - 1;
    const from = this.starts[top]!;
    let set = this.sets[top];
    if (set === undefined && keys.length - from < 2 * KEYS_COMPARED_IN_TURN) {
      for (let k = from; k < keys.length; k += 2)
        if (this.sameKey(keys[k]!, keys[k + 1]!, at, end)) return false;
      keys.push(at, end);
      return true;
    }
    if (set === undefined) {
      set = new Set();
      for (let k = from; k < keys.length; k += 2) set.add(decode(text, keys[k]!, keys[k + 1]!));
      this.sets[top] = set;
    }
    const key = decode(text, at, end);
    if (set.has(key)) return false;
    set.add(key);
    return true;
  }

  /** Whether the literals `text[a, aEnd]` and `text[b, bEnd]` (quote to quote) are the same key. */
  private sameKey(a: number, aEnd: number, b: number, bEnd: number): boolean {
    const text = this.text;
    // "a\u0062" is the key "ab": where escapes occur, compare what the literals decode to.
    if (this.escapes) return decode(text, a, aEnd) === decode(text, b, bEnd);
    const length = aEnd - a;
    if (bEnd - b !== length) return false;
    for (let m = 1; m < length; m++) if (text.charCodeAt(a + m) !== text.charCodeAt(b + m)) return false;
    return true;
  }
}

/** The string the literal `text[from, end]` (quote to quote) stands for. */
function decode(text: string, from: number, end: number): string {
  const literal = text.slice(from, end + 1);
  return literal.includes('\\') ? (JSON.parse(literal) as string) : literal.slice(1, -1);
}

/**
 * For text that `JSON.parse` accepts: why it must not be read as it parses (a repeated key), or
 * undefined. The place is a line and column, or only a column for one line of JSON lines (`oneLine`),
 * whose line number its error line carries.
 */
export function repeatedKeyReason(text: string, oneLine = false): string | undefined {
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate === undefined) return undefined;
  const where = oneLine ? `column ${duplicate.offset + 1}` : lineAndColumn(text, duplicate.offset);
  return `key ${JSON.stringify(duplicate.key)} appears twice in one object (${where})`;
}

/**
 * `repeatedKeyReason` as a problem with the input: what it would cost to read it anyway (the CLI's
 * inputs, `--strict-keys` lines, the API's bodies).
 */
export function repeatedKeyProblem(text: string, oneLine = false): string | undefined {
  const repeated = repeatedKeyReason(text, oneLine);
  return repeated === undefined ? undefined : `${repeated}; only its last value would count`;
}
