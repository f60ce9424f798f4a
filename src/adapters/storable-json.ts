/**
 * Text Postgres cannot store, found before anything is written: the API checks request bodies with
 * it (src/api/validate.ts), the seed its input lines and the actor repository what it is given. One
 * check for all of them, so that what the API refuses, a seed or a library write refuses too.
 */
import { ActorCoreError, type ErrorLocation } from '../core/errors';

/**
 * A NUL character (text and jsonb refuse it) or a lone UTF-16 surrogate (jsonb refuses its `\ud800`
 * escape; UTF-8 has no encoding of it, so pg would send U+FFFD instead and two different strings
 * would be stored as one). With the `u` flag, `\p{Cs}` matches only unpaired surrogates.
 */
const UNSTORABLE_TEXT = /[\0\p{Cs}]/u;

export function isUnstorableText(text: string): boolean {
  return UNSTORABLE_TEXT.test(text);
}

/** `['primary', 0, 'bucket']` → `primary[0].bucket`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** A key as a field path part: escaped (JSON style) when it holds a character that cannot be shown. */
function keyPart(key: string): string {
  return isUnstorableText(key) ? JSON.stringify(key).slice(1, -1) : key;
}

/** Deeper than any value the stores take (an output's context packs are 4 levels down). */
export const MAX_JSON_DEPTH = 64;

/** Where a value fails the check (a path as `fieldPath` takes it) and why. */
export interface JsonTextProblem {
  path: PropertyKey[];
  problem: string;
}

/** A value being checked; its path is built from the parent links only for a problem. */
interface Visit {
  value: unknown;
  parent: Visit | undefined;
  key: PropertyKey;
  depth: number;
}

function pathOf(visit: Visit): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let at: Visit | undefined = visit; at?.parent !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** The path of a value whose own key is at fault, that key shown escaped when it cannot be shown as is. */
function keyPath(visit: Visit): PropertyKey[] {
  const path = pathOf(visit);
  path[path.length - 1] = keyPart(String(visit.key));
  return path;
}

/**
 * The first problem of a parsed JSON value, at any depth, or undefined: a string or key holding a NUL
 * or a lone surrogate (Postgres would refuse it, or store another string), a `__proto__` key
 * (JSON.parse keeps it as an own key, but copying the object drops it silently), or nesting deeper
 * than MAX_JSON_DEPTH, which validation and the stores would otherwise walk recursively. Iterative
 * and linear in the value's size (paths are built only for the problem).
 */
export function findJsonTextProblem(root: unknown): JsonTextProblem | undefined {
  const stack: Visit[] = [{ value: root, parent: undefined, key: '', depth: 0 }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value, depth } = visit;
    if (typeof value === 'string') {
      if (isUnstorableText(value))
        return { path: pathOf(visit), problem: 'must not contain a NUL character or a lone surrogate' };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_JSON_DEPTH) {
      return { path: pathOf(visit), problem: `is nested deeper than ${MAX_JSON_DEPTH} levels` };
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i], parent: visit, key: i, depth: depth + 1 });
      continue;
    }
    for (const key of Object.keys(value)) {
      const child: Visit = {
        value: (value as Record<string, unknown>)[key],
        parent: visit,
        key,
        depth: depth + 1,
      };
      if (key === '__proto__') return { path: keyPath(child), problem: 'the key "__proto__" is not allowed' };
      if (isUnstorableText(key)) {
        return {
          path: keyPath(child),
          problem: 'a key must not contain a NUL character or a lone surrogate',
        };
      }
      stack.push(child);
    }
  }
  return undefined;
}

/**
 * `findJsonTextProblem` as a permanent INVALID_TYPE naming the field: the path below `where.field`
 * (the value's own name; without one, the path from the value's root), plus the rest of `where`.
 */
export function checkStorableJson(value: unknown, where: ErrorLocation = {}): void {
  const found = findJsonTextProblem(value);
  if (found === undefined) return;
  const path = fieldPath(where.field === undefined ? found.path : [where.field, ...found.path]);
  const location: ErrorLocation = { ...where };
  delete location.field;
  if (path !== '') location.field = path;
  throw new ActorCoreError(
    'INVALID_TYPE',
    `${path === '' ? 'the value' : `${path}:`} ${found.problem}`,
    location,
  );
}
