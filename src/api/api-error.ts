/**
 * The API's one error shape: `{"error":{"code","message","field?"}}`. Routes throw ApiError; the error
 * handler (error-handler.ts) turns it, and everything else that can go wrong, into this body. Nothing
 * else ever reaches a client: no stack, no store address, no token.
 */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Extra response headers (WWW-Authenticate, Retry-After). */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ErrorBody {
    return errorBody(this.code, this.message, this.field);
  }
}

export function errorBody(code: string, message: string, field?: string): ErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

export function notFound(what: string): ApiError {
  return new ApiError(404, 'NOT_FOUND', what);
}
