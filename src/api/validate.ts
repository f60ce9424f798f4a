/**
 * Request validation: zod parses every body and query, and the first problem becomes a 400 naming the
 * field the way clients write it (`actorIds[2]`, `primary[0].bucket`). Path parameters are checked by
 * the same rules the stores apply, before any store is touched.
 */
import type { Request } from 'express';
import type { z } from 'zod';
import { MAX_ACTOR_ID_LENGTH, checkActorId } from '../adapters/pg/actor-id';
import { isActorCoreError } from '../core/errors';
import { ApiError } from './api-error';

/** `['primary', 0, 'bucket']` → `primary[0].bucket`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function firstProblem(error: z.ZodError): { field: string | undefined; message: string } {
  const issue = error.issues[0]!;
  let field = fieldPath(issue.path);
  // An unknown key is reported at its parent: name the key itself.
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) {
    field = field === '' ? issue.keys[0]! : `${field}.${issue.keys[0]!}`;
  }
  return field === ''
    ? { field: undefined, message: issue.message }
    : { field, message: `${field}: ${issue.message}` };
}

/** The parsed value, or a 400 `code` naming the first invalid field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, code: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { field, message } = firstProblem(result.error);
  throw new ApiError(400, code, message, field);
}

/**
 * Text Postgres cannot store: a NUL character (text and jsonb refuse it) or a lone UTF-16 surrogate
 * (jsonb refuses its `\ud800` escape; UTF-8 has no encoding of it). With the `u` flag, `\p{Cs}`
 * matches only unpaired surrogates.
 */
const UNSTORABLE_TEXT = /[\0\p{Cs}]/u;

export function isUnstorableText(text: string): boolean {
  return UNSTORABLE_TEXT.test(text);
}

/** A key as a field path part: escaped (JSON style) when it holds a character that cannot be shown. */
function keyPart(key: string): string {
  return isUnstorableText(key) ? JSON.stringify(key).slice(1, -1) : key;
}

/** Deeper than any body the API takes (an output's context packs are 4 levels down). */
export const MAX_BODY_DEPTH = 64;

/** A value of the body being checked; its path is built from the parent links only for an error. */
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

/**
 * Every string and key of a parsed JSON body, at any depth, checked before any schema: a NUL or a
 * lone surrogate (Postgres would refuse it: a 500), or a `__proto__` key (JSON.parse keeps it as an
 * own key, but copying the object drops it silently), is a 400 naming where it is; so is nesting
 * deeper than MAX_BODY_DEPTH, which the schemas and stores would otherwise walk recursively.
 * Iterative and linear in the body's size (paths are built only for the error).
 */
export function checkJsonText(body: unknown, code = 'INVALID_BODY'): void {
  const stack: Visit[] = [{ value: body, parent: undefined, key: '', depth: 0 }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value, depth } = visit;
    if (typeof value === 'string') {
      if (isUnstorableText(value))
        throw textError(code, pathOf(visit), 'must not contain a NUL character or a lone surrogate');
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_BODY_DEPTH) {
      throw textError(code, pathOf(visit), `is nested deeper than ${MAX_BODY_DEPTH} levels`);
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
      if (key === '__proto__') throw textError(code, keyPath(child), 'the key "__proto__" is not allowed');
      if (isUnstorableText(key)) {
        throw textError(code, keyPath(child), 'a key must not contain a NUL character or a lone surrogate');
      }
      stack.push(child);
    }
  }
}

/** The path of a value whose own key is at fault, that key shown escaped when it cannot be shown as is. */
function keyPath(visit: Visit): PropertyKey[] {
  const path = pathOf(visit);
  path[path.length - 1] = keyPart(String(visit.key));
  return path;
}

function textError(code: string, path: readonly PropertyKey[], problem: string): ApiError {
  const field = fieldPath(path);
  return field === ''
    ? new ApiError(400, code, `the body ${problem}`)
    : new ApiError(400, code, `${field}: ${problem}`, field);
}

/** No body at all: neither chunks nor a length, or a length of 0 (which express.json reads as `{}`). */
function sentNoBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return false;
  const length = req.headers['content-length'];
  return length === undefined || Number(length) === 0;
}

/**
 * The JSON body (parsed only when the client sent `Content-Type: application/json`), its strings and
 * keys checked by `checkJsonText`.
 */
export function jsonBody(req: Request): unknown {
  if (sentNoBody(req)) throw new ApiError(400, 'INVALID_BODY', 'a body is required (a JSON object)');
  if (req.body === undefined) {
    throw new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'the body must be JSON (Content-Type: application/json)',
    );
  }
  checkJsonText(req.body);
  return req.body;
}

/** The `:id` parameter as an actor id (the stores' rules), or a 400 naming it. */
export function actorIdParam(req: Request): string {
  const id = req.params.id;
  try {
    return checkActorId(id, 'id');
  } catch (err) {
    if (isActorCoreError(err)) throw new ApiError(400, 'INVALID_ACTOR_ID', err.message, 'id');
    throw err;
  }
}

/** Control characters, as checkActorId refuses them in actor ids, or a lone surrogate. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return isUnstorableText(text);
}

/** A subsystem id (`subsystems.system_id` is varchar(255)), by the rules of actor ids. */
export function systemIdParam(req: Request): string {
  const id = req.params.systemId;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ACTOR_ID_LENGTH) {
    throw new ApiError(
      400,
      'INVALID_SYSTEM_ID',
      `systemId must be 1 to ${MAX_ACTOR_ID_LENGTH} characters`,
      'systemId',
    );
  }
  if (hasControlCharacter(id)) {
    throw new ApiError(400, 'INVALID_SYSTEM_ID', 'systemId must not contain control characters', 'systemId');
  }
  return id;
}

/**
 * Which path parameter of `path` holds a malformed percent-escape (the router's 400 does not say),
 * given the routes as OpenAPI paths (`/v1/actors/{id}/subsystems/{systemId}`); undefined if none.
 */
export function paramWithBadEscape(path: string, routes: readonly string[]): string | undefined {
  const segments = path.split('/');
  for (const route of routes) {
    const parts = route.split('/');
    if (parts.length !== segments.length) continue;
    let field: string | undefined;
    let matches = true;
    for (let i = 0; i < parts.length && matches; i++) {
      const name = /^\{(\w+)\}$/.exec(parts[i]!)?.[1];
      if (name === undefined) matches = parts[i] === segments[i];
      else if (field === undefined && !decodes(segments[i]!)) field = name;
    }
    if (matches && field !== undefined) return field;
  }
  return undefined;
}

function decodes(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}
