/**
 * Who is calling, and may they. `authenticate` reads the bearer token (and, for the admin pages only,
 * the `ac_token` cookie), verifies it and records the outcome on `res.locals`; it never answers by
 * itself, so that the rate limiter can count unauthenticated requests by IP before they are refused.
 * `requireScope` then answers 401 (no token, or a bad one) or 403 (a good token without the scope).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { ApiError } from '../api-error';
import { hasScope, type Scope } from './scopes';
import type { Principal, TokenVerifier } from './token-verifier';

/** The admin pages' cookie (Path=/admin); never read on other paths. */
export const TOKEN_COOKIE = 'ac_token';

const REALM = 'Bearer realm="actor-core"';

interface AuthLocals {
  principal?: Principal;
  authFailure?: ApiError;
}

export function principalOf(res: Response): Principal | undefined {
  return (res.locals as AuthLocals).principal;
}

/** The token of `Authorization: Bearer <token>`; undefined without the header; '' when malformed. */
export function bearerToken(req: { readonly headers: IncomingHttpHeaders }): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  // RFC 6750: the scheme is case-insensitive; exactly one space, then a token68.
  if (header.length > 7 && header.charCodeAt(6) === 32 && header.slice(0, 6).toLowerCase() === 'bearer') {
    return header.slice(7);
  }
  return '';
}

function cookieToken(req: Request): string | undefined {
  const cookies = (req as { cookies?: Record<string, unknown> }).cookies;
  const value = cookies?.[TOKEN_COOKIE];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export interface AuthenticateOptions {
  /** Accept the `ac_token` cookie (cookie-parser must run first). Only for /admin/*. */
  cookie?: boolean;
}

export function authenticate(verifier: TokenVerifier, options: AuthenticateOptions = {}): RequestHandler {
  const useCookie = options.cookie === true;
  return (req, res, next) => {
    const locals = res.locals as AuthLocals;
    const token = bearerToken(req) ?? (useCookie ? cookieToken(req) : undefined);
    if (token === undefined) {
      next();
      return;
    }
    if (token === '') {
      locals.authFailure = new ApiError(
        401,
        'INVALID_TOKEN',
        'the Authorization header must be "Bearer <token>"',
        undefined,
        {
          'WWW-Authenticate': `${REALM}, error="invalid_request"`,
        },
      );
      next();
      return;
    }
    // The common case, a token seen in the last minute, stays synchronous.
    const known = verifier.cached(token);
    if (known !== undefined) {
      locals.principal = known;
      next();
      return;
    }
    verifier.verify(token).then(
      (principal) => {
        locals.principal = principal;
        next();
      },
      (err: unknown) => {
        locals.authFailure =
          err instanceof ApiError ? err : new ApiError(401, 'INVALID_TOKEN', 'the token is invalid');
        next();
      },
    );
  };
}

/** The 401 for a request with no (valid) principal. */
export function unauthenticated(res: Response): ApiError {
  return (
    (res.locals as AuthLocals).authFailure ??
    new ApiError(401, 'UNAUTHENTICATED', 'a bearer token is required', undefined, {
      'WWW-Authenticate': REALM,
    })
  );
}

/** Why the request may not use `scope`: 401 without a valid token, 403 when the token lacks it; else undefined. */
export function authorize(res: Response, scope: Scope): ApiError | undefined {
  const principal = principalOf(res);
  if (principal === undefined) return unauthenticated(res);
  if (hasScope(principal.scopes, scope)) return undefined;
  return new ApiError(403, 'FORBIDDEN', `the token lacks the "${scope}" scope`, undefined, {
    'WWW-Authenticate': `${REALM}, error="insufficient_scope", scope="${scope}"`,
  });
}

/** 401 without a valid token, 403 when it lacks `scope` (admin has every scope). */
export function requireScope(scope: Scope): RequestHandler {
  return (_req, res, next) => next(authorize(res, scope));
}
