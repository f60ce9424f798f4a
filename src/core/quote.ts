/**
 * How error messages and paths show text that came from the input: a message must say unambiguously
 * which value and which key were wrong, in one readable line, however odd or long they are.
 */

/** Past this many UTF-16 units a quoted value is cut: an echoed 100,000-character bucket helps no one. */
const QUOTE_MAX = 120;
/** How much of a cut value is shown. */
const QUOTE_KEEP = 100;
/**
 * What `JSON.stringify` leaves unescaped but a reader cannot see or tell apart: C1 controls, format
 * characters (zero-width spaces, bidirectional marks), private-use and unassigned code points, line
 * and paragraph separators, and every space but U+0020.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|(?! )\p{Zs}/gu;
/** A key that reads as a name in a dotted path. */
const PATH_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * `text` in double quotes as JSON writes it, with invisible characters escaped as `\uXXXX` too, and
 * cut after QUOTE_KEEP units when longer than QUOTE_MAX, saying how long it was.
 */
export function quote(text: string): string {
  const shown = text.length > QUOTE_MAX ? text.slice(0, QUOTE_KEEP) : text;
  const quoted = JSON.stringify(shown).replace(INVISIBLE, escapeUnits);
  return shown === text ? quoted : `${quoted.slice(0, -1)}…" (${text.length} characters)`;
}

function escapeUnits(match: string): string {
  let out = '';
  for (let i = 0; i < match.length; i++) out += `\\u${match.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/**
 * The path of `key` within `base`: `base.key` where the key reads as a name, else `base["key"]`, so
 * that a key holding `.`, `[`, a space or nothing cannot be misread as more or fewer steps.
 */
export function member(base: string, key: string): string {
  return PATH_NAME.test(key) ? `${base}.${key}` : `${base}[${quote(key)}]`;
}
