/**
 * Small guards shared by the validators. Each throws an ActorCoreError naming the field; paths are
 * built only when something is wrong, so the happy path allocates nothing.
 */
import { ActorCoreError, type ErrorCode, type ErrorLocation } from './errors';
import { member, quote } from './quote';

export type Path = () => string;

export const DIMENSION_PATTERN = /^[a-z][a-z0-9_]*$/;

export function fail(code: ErrorCode, message: string, where: ErrorLocation): never {
  throw new ActorCoreError(code, message, where);
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** `field is missing (…)` for an absent field, `field must be …, got <type>` for another type. */
export function wrongType(field: string, expected: string, v: unknown): string {
  return v === undefined
    ? `${field} is missing (it must be ${expected})`
    : `${field} must be ${expected}, got ${typeName(v)}`;
}

/** `wrongType` showing a wrong value itself (a number, a quoted string), for fields taking a few values. */
export function wrongChoice(field: string, expected: string, v: unknown): string {
  return v === undefined
    ? wrongType(field, expected, v)
    : `${field} must be ${expected}, got ${describeValue(v)}`;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function requireObject(v: unknown, path: Path, where: ErrorLocation): Record<string, unknown> {
  if (!isPlainObject(v)) {
    const field = path();
    fail(v === undefined ? 'MISSING_FIELD' : 'INVALID_TYPE', wrongType(field, 'an object', v), {
      ...where,
      field,
    });
  }
  return v;
}

export function requireArray(v: unknown, path: Path, where: ErrorLocation): unknown[] {
  if (!Array.isArray(v)) {
    const field = path();
    fail(v === undefined ? 'MISSING_FIELD' : 'INVALID_TYPE', wrongType(field, 'an array', v), {
      ...where,
      field,
    });
  }
  return v;
}

export function requireString(v: unknown, path: Path, where: ErrorLocation): string {
  if (typeof v !== 'string') {
    const field = path();
    fail(v === undefined ? 'MISSING_FIELD' : 'INVALID_TYPE', wrongType(field, 'a string', v), {
      ...where,
      field,
    });
  }
  return v;
}

export function requireFinite(v: unknown, path: Path, where: ErrorLocation): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    const field = path();
    if (v === undefined) fail('MISSING_FIELD', wrongType(field, 'a finite number', v), { ...where, field });
    fail('NON_FINITE_NUMBER', `${field} must be a finite number, got ${describeValue(v)}`, {
      ...where,
      field,
    });
  }
  return v;
}

export function requireBoolean(v: unknown, path: Path, where: ErrorLocation): boolean {
  if (typeof v !== 'boolean') {
    const field = path();
    fail(v === undefined ? 'MISSING_FIELD' : 'INVALID_TYPE', wrongType(field, 'true or false', v), {
      ...where,
      field,
    });
  }
  return v;
}

/** Optional integer priority: missing means 0. */
export function checkPriority(v: unknown, path: Path, where: ErrorLocation): void {
  if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v))) {
    const field = path();
    fail('INVALID_PRIORITY', `${field} must be an integer, got ${describeValue(v)}`, { ...where, field });
  }
}

/** Dimension names are checked once each; a game has few, so the memo stays small (and is bounded). */
const knownDimensions = new Set<string>();
const KNOWN_DIMENSIONS_LIMIT = 65536;

/** True for a string that matches the dimension pattern (memoized). */
export function isKnownDimension(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  if (knownDimensions.has(v)) return true;
  if (!DIMENSION_PATTERN.test(v)) return false;
  if (knownDimensions.size < KNOWN_DIMENSIONS_LIMIT) knownDimensions.add(v);
  return true;
}

export function checkDimension(v: unknown, path: Path, where: ErrorLocation): string {
  if (typeof v === 'string' && knownDimensions.has(v)) return v;
  const name = requireString(v, path, where);
  if (!DIMENSION_PATTERN.test(name)) {
    const field = path();
    fail('INVALID_DIMENSION', `${field} ${quote(name)} does not match ^[a-z][a-z0-9_]*$`, {
      ...where,
      field,
    });
  }
  if (knownDimensions.size < KNOWN_DIMENSIONS_LIMIT) knownDimensions.add(name);
  return name;
}

export function unknownField(key: string, path: Path, where: ErrorLocation): never {
  const field = member(path(), key);
  return fail('UNKNOWN_FIELD', `${field} is not a known field`, { ...where, field });
}

export function describeValue(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return quote(v);
  return typeName(v);
}
