/**
 * Request validation: zod parses every body and query, and the first problem becomes a 400 naming the
 * field the way clients write it (`actorIds[2]`, `primary[0].bucket`). Path parameters are checked by
 * the same rules the stores apply, before any store is touched.
 */
import type { Request } from 'express';
import type { z } from 'zod';
import { MAX_ACTOR_ID_LENGTH, checkActorId } from '../adapters/pg/actor-id';
import { fieldPath, findJsonTextProblem, isUnstorableText, MAX_JSON_DEPTH } from '../adapters/storable-json';
import { isActorCoreError } from '../core/errors';
import { repeatedKeyProblem } from '../text/json-duplicate-key';
import { ApiError } from './api-error';
import { bodyText } from './json-body-parser';

export { fieldPath, isUnstorableText };
/** Deeper than any body the API takes (an output's context packs are 4 levels down). */
export const MAX_BODY_DEPTH = MAX_JSON_DEPTH;

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
 * Every string and key of a parsed JSON body, at any depth, checked before any schema by the stores'
 * own check (src/adapters/storable-json.ts): a NUL or a lone surrogate (Postgres would refuse it: a
 * 500), a `__proto__` key, or nesting deeper than MAX_BODY_DEPTH is a 400 naming where it is.
 */
export function checkJsonText(body: unknown, code = 'INVALID_BODY'): void {
  const found = findJsonTextProblem(body);
  if (found !== undefined) throw textError(code, found.path, found.problem);
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
 * The JSON body (parsed only when the client sent `Content-Type: application/json`, by
 * `jsonBodyParser`), its strings and keys checked by `checkJsonText`, and no key repeated in one object.
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
  const text = bodyText(req);
  const repeated = text === undefined ? undefined : repeatedKeyProblem(text);
  if (repeated !== undefined) throw new ApiError(400, 'INVALID_BODY', `the body repeats a key: ${repeated}`);
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
