/**
 * Where a `JSON.parse` failure is, as `line L, column C` (1-based), for messages that name the spot.
 * V8 names a position for some errors only: for an unexpected token it quotes a few characters around
 * it, which may occur anywhere else in the text, and for a truncated text it says nothing. So the text
 * is scanned by the JSON grammar (RFC 8259) up to its first error. Only failed parses pay for it.
 */
export function jsonErrorPosition(message: string, text: string): string | undefined {
  if (/\bline \d+/.test(message)) return undefined; // already located
  const offset = jsonSyntaxErrorOffset(text);
  if (offset >= 0) return lineAndColumn(text, offset);
  const at = /at position (\d+)/.exec(message); // a grammar-valid text V8 refused: trust its word
  return at === null ? undefined : lineAndColumn(text, Math.min(Number(at[1]), text.length));
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
/** The characters a backslash may precede in a JSON string, `u` aside. */
const SIMPLE_ESCAPES = '"\\/bfnrt';
const LITERALS: Record<string, string> = { t: 'true', f: 'false', n: 'null' };

/**
 * The offset of the first character at which `text` stops being JSON (its length when it ends too
 * soon), or -1 when it is JSON. Iterative, so that deep nesting cannot overflow the stack. Errors
 * travel as `~offset` (negative) out of the helpers.
 */
export function jsonSyntaxErrorOffset(text: string): number {
  const open: boolean[] = []; // per open container: true for an object
  let i = skipSpace(text, 0);
  let wantValue = true;
  for (;;) {
    if (wantValue) {
      const c = text.charCodeAt(i);
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        const object = c === OPEN_OBJECT;
        i = skipSpace(text, i + 1);
        if (text.charCodeAt(i) === (object ? CLOSE_OBJECT : CLOSE_ARRAY)) {
          i++;
          wantValue = false;
          continue;
        }
        open.push(object);
        if (object && (i = memberName(text, i)) < 0) return ~i;
        continue;
      }
      if ((i = scalarEnd(text, i)) < 0) return ~i;
      wantValue = false;
      continue;
    }
    i = skipSpace(text, i);
    if (open.length === 0) return i < text.length ? i : -1;
    const object = open[open.length - 1]!;
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i = skipSpace(text, i + 1);
      if (object && (i = memberName(text, i)) < 0) return ~i;
      wantValue = true;
    } else if (c === (object ? CLOSE_OBJECT : CLOSE_ARRAY)) {
      open.pop();
      i++;
    } else {
      return Math.min(i, text.length);
    }
  }
}

function skipSpace(text: string, i: number): number {
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== LF && c !== CR) break;
  }
  return i;
}

/** `"name" :` and the space after it: the offset of the member's value, or `~error`. */
function memberName(text: string, i: number): number {
  if (text.charCodeAt(i) !== QUOTE) return ~Math.min(i, text.length);
  const end = stringEnd(text, i);
  if (end < 0) return end;
  const colon = skipSpace(text, end);
  if (text.charCodeAt(colon) !== COLON) return ~Math.min(colon, text.length);
  return skipSpace(text, colon + 1);
}

/** The end of the string, number or literal at `i`, or `~error`. */
function scalarEnd(text: string, i: number): number {
  if (i >= text.length) return ~text.length;
  const c = text.charCodeAt(i);
  if (c === QUOTE) return stringEnd(text, i);
  if (c === MINUS || (c >= ZERO && c <= NINE)) return numberEnd(text, i);
  const literal = LITERALS[text[i]!];
  if (literal === undefined) return ~i;
  for (let k = 1; k < literal.length; k++)
    if (text[i + k] !== literal[k]) return ~Math.min(i + k, text.length);
  return i + literal.length;
}

/** `i` is at the opening quote. */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) return j + 1;
    if (c < SPACE) return ~j; // control characters must be escaped
    if (c !== BACKSLASH) continue;
    const escaped = text[++j];
    if (escaped === 'u') {
      for (let k = 1; k <= 4; k++)
        if (!/[0-9a-fA-F]/.test(text[j + k] ?? '')) return ~Math.min(j + k, text.length);
      j += 4;
    } else if (escaped === undefined || !SIMPLE_ESCAPES.includes(escaped)) {
      return ~Math.min(j, text.length);
    }
  }
  return ~text.length;
}

/** `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, `i` at its first character. */
function numberEnd(text: string, i: number): number {
  if (text.charCodeAt(i) === MINUS) i++;
  if (text.charCodeAt(i) === ZERO) i++;
  else if ((i = digitsEnd(text, i)) < 0) return i;
  if (text.charCodeAt(i) === DOT && (i = digitsEnd(text, i + 1)) < 0) return i;
  const e = text.charCodeAt(i) | 0x20; // 'e' or 'E'
  if (e !== 0x65) return i;
  i++;
  const sign = text.charCodeAt(i);
  return digitsEnd(text, sign === PLUS || sign === MINUS ? i + 1 : i);
}

/** One digit or more at `i`: the offset after them, or `~i`. */
function digitsEnd(text: string, i: number): number {
  let j = i;
  while (j < text.length && text.charCodeAt(j) >= ZERO && text.charCodeAt(j) <= NINE) j++;
  return j === i ? ~Math.min(i, text.length) : j;
}

/** `line L, column C` (from 1) of an offset into a text. */
export function lineAndColumn(text: string, position: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${position - lineStart + 1}`;
}
