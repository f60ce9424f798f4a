/**
 * The admin area, /admin: Bull Board at /admin/queues (mounted by create-app.ts) and the login that
 * lets a browser reach it. API clients send their bearer token as anywhere else; a browser without
 * credentials gets a 401 carrying a login form, whose POST verifies the token (it must have `admin`)
 * and keeps it in an `ac_token` cookie: HttpOnly (no script reads it), Secure, SameSite=Strict (no
 * other site can make the browser send it, so Bull Board's buttons are safe from CSRF) and Path=/admin
 * (the API under /v1 never sees it and never accepts it).
 */
import cookieParser from 'cookie-parser';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { ApiError } from '../api-error';
import { TOKEN_COOKIE, principalOf, unauthenticated } from './authenticate';
import { loginPage } from './login-page';
import { hasScope } from './scopes';
import type { TokenVerifier } from './token-verifier';

export const ADMIN_COOKIE_PATH = '/admin';
export const BULL_BOARD_PATH = '/admin/queues';

/** cookie-parser for the admin router only (it runs before `authenticate({cookie: true})`). */
export function adminCookies(): express.RequestHandler {
  return cookieParser();
}

function wantsHtml(req: Request): boolean {
  return req.accepts(['json', 'html']) === 'html';
}

function sendPage(res: Response, status: number, message?: string): void {
  res.status(status).type('html').set('Cache-Control', 'no-store').send(loginPage(message));
}

/**
 * `admin` required; a browser that lacks it is shown the login form (401, or 403 for a token without
 * the scope), an API client the usual JSON error.
 */
export function requireAdminPage() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const principal = principalOf(res);
    if (principal !== undefined && hasScope(principal.scopes, 'admin')) {
      next();
      return;
    }
    if (!wantsHtml(req)) {
      next(
        principal === undefined
          ? unauthenticated(res)
          : new ApiError(403, 'FORBIDDEN', 'the token lacks the "admin" scope'),
      );
      return;
    }
    if (principal === undefined) res.set('WWW-Authenticate', 'Bearer realm="actor-core"');
    sendPage(
      res,
      principal === undefined ? 401 : 403,
      principal === undefined ? undefined : 'This token lacks the admin scope.',
    );
  };
}

export function addLoginRoutes(router: Router, verifier: TokenVerifier): void {
  // Forms post urlencoded; a token is a few hundred bytes.
  const form = [
    express.urlencoded({ extended: false, limit: 16 * 1024 }),
    express.json({ limit: 16 * 1024 }),
  ];

  router.get('/login', (_req, res) => sendPage(res, 200));

  router.post('/login', form, async (req: Request, res: Response) => {
    const token = (req.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token.trim() === '') {
      sendPage(res, 400, 'Enter a token.');
      return;
    }
    let principal;
    try {
      principal = await verifier.verify(token.trim());
    } catch (err) {
      // The reason (expired, wrong issuer…) helps the admin; the token itself is never echoed.
      sendPage(
        res,
        err instanceof ApiError && err.status === 503 ? 503 : 401,
        err instanceof ApiError ? `Sign-in failed: ${err.message}.` : 'Sign-in failed.',
      );
      return;
    }
    if (!hasScope(principal.scopes, 'admin')) {
      sendPage(res, 403, 'This token lacks the admin scope.');
      return;
    }
    res.cookie(TOKEN_COOKIE, token.trim(), {
      httpOnly: true,
      secure: true,
      sameSite: 'strict',
      path: ADMIN_COOKIE_PATH,
      // The cookie lives as long as the token, not longer.
      maxAge: Math.max(0, principal.expiresAt - Date.now()),
    });
    res.redirect(303, `${BULL_BOARD_PATH}/`);
  });

  router.post('/logout', (_req, res) => {
    res.clearCookie(TOKEN_COOKIE, {
      httpOnly: true,
      secure: true,
      sameSite: 'strict',
      path: ADMIN_COOKIE_PATH,
    });
    res.redirect(303, '/admin/login');
  });
}
