/**
 * The last two handlers of the app: an unknown route is a JSON 404, and every error, whoever threw it,
 * becomes the one JSON error shape with the right status. Messages of 5xx errors are generic (the
 * details, which may name a store's address, go to the log only); 4xx messages describe the request,
 * never echo a credential.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { DatabaseError } from 'pg';
import { isActorCoreError, type ActorCoreError, type ErrorCode } from '../core/errors';
import type { Logger } from '../logging/create-logger';
import { StoredNotEnqueuedError } from '../producer/actor-writer';
import { ApiError, errorBody } from './api-error';

/** ActorCoreError codes that mean "this request is wrong" (the rest are the server's problem). */
const CLIENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INVALID_TYPE',
  'MISSING_FIELD',
  'UNKNOWN_FIELD',
  'NON_FINITE_NUMBER',
  'INVALID_DIMENSION',
  'UNKNOWN_BUCKET',
  'UNKNOWN_MODE',
  'UNKNOWN_KIND',
  'UNKNOWN_OPERATOR',
  'UNKNOWN_SCOPE',
  'MISSING_REALM',
  'MODE_KIND_MISMATCH',
  'INVALID_PRIORITY',
  'INVALID_MULTIPLIER',
  'INVALID_VERSION',
  'NON_FINITE_RESULT',
  'INVALID_JSON',
  'INVALID_ACTOR_ID',
]);

/** Stores that are down or not ready: the client may retry. */
const UNAVAILABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'STORE_UNAVAILABLE',
  'SCHEMA_MISSING',
  'PRODUCER_CLOSED', // the server is shutting down
]);

/** body-parser's error types (http-errors with `type`), as our codes. */
const BODY_ERRORS: Readonly<Record<string, string>> = {
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
  'entity.parse.failed': 'INVALID_JSON',
  'encoding.unsupported': 'UNSUPPORTED_ENCODING',
  'charset.unsupported': 'UNSUPPORTED_CHARSET',
  'request.aborted': 'REQUEST_ABORTED',
  'request.size.invalid': 'INVALID_CONTENT_LENGTH',
  'parameters.too.many': 'PAYLOAD_TOO_LARGE',
};

/**
 * Postgres' refusals of text it cannot store (22P05 untranslatable character: a NUL in jsonb; 22P02
 * invalid text representation: a lone surrogate's escape in jsonb; 22021 a NUL in text). Validation
 * refuses such strings first; this is the backstop, and the error is not logged: its detail quotes
 * the data.
 */
const UNSTORABLE_TEXT_SQLSTATES: ReadonlySet<string> = new Set(['22P05', '22P02', '22021']);

function fromUnstorableText(err: unknown): ApiError | undefined {
  if (!(err instanceof DatabaseError) || !UNSTORABLE_TEXT_SQLSTATES.has(err.code ?? '')) return undefined;
  // 22P02 is any invalid text representation (a bad cast too, which would be our bug): only jsonb's.
  if (err.code === '22P02' && !/type json/.test(err.message)) return undefined;
  return new ApiError(
    400,
    'INVALID_TEXT',
    'the request holds text that cannot be stored (a NUL character or a lone surrogate)',
  );
}

export function notFoundHandler(): RequestHandler {
  return (_req, _res, next) => next(new ApiError(404, 'NOT_FOUND', 'no such route'));
}

/** The ApiError an ActorCoreError stands for. */
export function fromActorCoreError(err: ActorCoreError): ApiError {
  if (CLIENT_CODES.has(err.code)) return new ApiError(400, err.code, err.message, err.field);
  if (err instanceof StoredNotEnqueuedError) {
    // The client must know its write is not lost: only the resolution waits.
    // A hung Redis may still take the job once it answers: "may not".
    const next =
      err.operation === 'put'
        ? 'retry the write later (it is stored again and queued)'
        : `queue it later with POST /v1/resolve {"actorIds": [${JSON.stringify(err.actorId)}]} (a retried delete finds nothing to delete)`;
    return new ApiError(
      503,
      'UNAVAILABLE',
      `stored at version ${err.storedVersion}, but its resolution may not have been queued (a store is unavailable): ` +
        `${next}, or run "actor-core enqueue --all --stale"`,
      undefined,
      { 'Retry-After': '1' },
    );
  }
  if (UNAVAILABLE_CODES.has(err.code)) {
    return new ApiError(503, 'UNAVAILABLE', 'a store is unavailable; retry later', undefined, {
      'Retry-After': '1',
    });
  }
  return internal();
}

function internal(): ApiError {
  return new ApiError(500, 'INTERNAL', 'internal error');
}

interface HttpError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  expose?: unknown;
}

/** An http-errors error (body-parser, the router's param decoding) with a 4xx status, as an ApiError. */
function fromHttpError(err: HttpError, bodyLimitBytes: number): ApiError | undefined {
  const status = typeof err.status === 'number' ? err.status : err.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  const type = typeof err.type === 'string' ? err.type : '';
  const code = BODY_ERRORS[type] ?? 'BAD_REQUEST';
  if (code === 'PAYLOAD_TOO_LARGE') {
    return new ApiError(413, code, `the body is larger than the limit of ${bodyLimitBytes} bytes`);
  }
  if (code === 'INVALID_JSON') return new ApiError(400, code, 'the body is not valid JSON');
  // Their own messages are written for clients (expose) and carry no secrets; others get a generic one.
  const message = err.expose === true && err instanceof Error ? err.message : 'bad request';
  return new ApiError(status, code, message);
}

/**
 * Told of every error answered with a 5xx, by code: the ActorCoreError's own (`STORE_UNAVAILABLE`)
 * when there is one, else the response's (`INTERNAL`). The ops mount counts them (actor_core_errors_total).
 */
export type ErrorHook = (code: string, status: number) => void;

export interface ErrorHandlerOptions {
  onError?: ErrorHook;
  /** The path parameter a malformed percent-escape of `path` is in (the router's error does not say). */
  paramWithBadEscape?: (path: string) => string | undefined;
}

/** A path parameter the router could not decode (a malformed percent-escape): a 400 naming it. */
function fromBadEscape(err: unknown, path: string, options: ErrorHandlerOptions): ApiError | undefined {
  if (!(err instanceof URIError) || (err as HttpError).status !== 400) return undefined;
  const field = options.paramWithBadEscape?.(path);
  return field === undefined
    ? new ApiError(400, 'BAD_REQUEST', 'the path holds a malformed percent-escape')
    : new ApiError(400, 'BAD_REQUEST', `${field} is not valid percent-encoded UTF-8`, field);
}

export function errorHandler(
  logger: Logger,
  bodyLimitBytes: number,
  options: ErrorHandlerOptions = {},
): ErrorRequestHandler {
  const { onError } = options;
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      // Too late for a JSON body: Express's own handler ends the connection.
      next(err);
      return;
    }
    let apiError: ApiError;
    if (err instanceof ApiError) apiError = err;
    else if (isActorCoreError(err)) apiError = fromActorCoreError(err);
    else {
      apiError =
        fromUnstorableText(err) ??
        fromBadEscape(err, req.originalUrl.split('?')[0]!, options) ??
        fromHttpError(err as HttpError, bodyLimitBytes) ??
        internal();
    }
    if (apiError.status >= 500) {
      onError?.(isActorCoreError(err) ? err.code : apiError.code, apiError.status);
      logger.error(
        { err: isActorCoreError(err) ? err.toJSON() : err, method: req.method, path: req.path },
        'request failed',
      );
    }
    if (apiError.headers !== undefined) res.set(apiError.headers);
    res.status(apiError.status).json(errorBody(apiError.code, apiError.message, apiError.field));
  };
}
