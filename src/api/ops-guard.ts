/**
 * OPEN_OPS_ENDPOINTS, one rule for every process that serves the ops routes (the API at `/`, each
 * worker's sidecar): open, or only with an `admin` token (bearer) — checked on the ops paths alone,
 * so that any other path is still a plain 404, never a 401 that tells a scanner something is there.
 */
import express, { type Router } from 'express';
import type { Settings } from '../../config/settings';
import type { Logger } from '../logging/create-logger';
import { authenticate, requireScope } from './auth/authenticate';
import { TokenVerifier } from './auth/token-verifier';
import { errorHandler, notFoundHandler } from './error-handler';

/** What the ops routes serve (src/sidecar/ops-router.ts): the paths that need `admin` when closed. */
export const OPS_PATHS: readonly string[] = ['/health', '/ready', '/metrics'];

/** The ops routes, open, or behind `admin` on OPS_PATHS; errors are left to the app's error handler. */
export function guardOpsRoutes(routes: Router, open: boolean, verifier: () => TokenVerifier): Router {
  if (open) return routes;
  // Matches (case-insensitively, with or without a trailing slash) every path the routes might serve.
  const router = express.Router();
  router.all([...OPS_PATHS], authenticate(verifier()), requireScope('admin'));
  router.use(routes);
  return router;
}

export interface SidecarOpsOptions {
  settings: Pick<Settings, 'security' | 'server'>;
  logger: Logger;
}

/**
 * A worker sidecar's whole app router: the ops routes as the API serves them (open, or `admin` only
 * when OPEN_OPS_ENDPOINTS is false, verified like the API's tokens), then the API's JSON 404 and
 * error shape (a 401 with WWW-Authenticate). Throws INVALID_CONFIG when closed without a JWT key.
 */
export function sidecarOpsRouter(routes: Router, options: SidecarOpsOptions): Router {
  const { security, server } = options.settings;
  const router = express.Router();
  router.use(
    guardOpsRoutes(
      routes,
      security.openOpsEndpoints,
      () =>
        new TokenVerifier({
          secret: security.jwtSecret,
          jwksUrl: security.jwksUrl,
          issuer: security.issuer,
          audience: security.audience,
        }),
    ),
  );
  router.use(notFoundHandler());
  router.use(errorHandler(options.logger, server.bodyLimitBytes));
  return router;
}
