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

/** The JSON body: present only when the client sent `Content-Type: application/json`. */
export function jsonBody(req: Request): unknown {
  if (req.body === undefined) {
    throw new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'the body must be JSON (Content-Type: application/json)',
    );
  }
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

/** A subsystem id (`subsystems.system_id` is varchar(255)). */
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
  return id;
}
