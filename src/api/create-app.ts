/**
 * The API as an Express app, from dependencies passed in (so tests run it on their own stores and
 * queues, and `startApiServer` on the process's). Layout:
 *
 *   helmet → /v1        authenticate → [snapshot] → rate limit → routes (each checks its scope)
 *          → /admin     cookies → authenticate (bearer or cookie) → rate limit → login, Bull Board
 *          → /          the ops routes (/health, /ready, /metrics): open or `admin`, never rate limited
 *          → JSON 404 → JSON errors
 *
 * The snapshot route is registered first in /v1, so the hot path matches on its first try, and it
 * counts itself against the rate limit, in the same Redis call as its cache read. In front of all of
 * it, `createApiHandler`'s listener answers plain snapshot reads before Express (snapshot-fast-path.ts)
 * and gives the app everything else: servers and tests send requests to the listener.
 */
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { Cluster, Redis } from 'ioredis';
import type pg from 'pg';
import type { Settings } from '../../config/settings';
import type { ActorRepository } from '../adapters/pg/actor-repository';
import type { SnapshotCache } from '../adapters/redis/snapshot-cache';
import type { Logger } from '../logging/create-logger';
import type { ActorWriter } from '../producer/actor-writer';
import type { ResolveProducer } from '../producer/resolve-producer';
import type { LoadedRegistries } from '../registry';
import { addLoginRoutes, adminCookies, requireAdminPage } from './auth/admin-routes';
import { authenticate } from './auth/authenticate';
import { TokenVerifier } from './auth/token-verifier';
import { errorHandler, notFoundHandler } from './error-handler';
import { openApiDocument } from './openapi';
import { guardOpsRoutes } from './ops-guard';
import type { OpsMount } from './ops-mount';
import { RateLimiter, rateLimit } from './rate-limiter';
import { addActorRoutes } from './routes/actor-routes';
import { addJobRoutes } from './routes/job-routes';
import { addExplainRoute } from './routes/explain-route';
import { addSnapshotRoute } from './routes/snapshot-route';
import { headersSetBy } from './security-headers';
import { snapshotFastPath, type RequestListener } from './snapshot-fast-path';
import { SnapshotHandover } from './snapshot-handover';
import { SnapshotReader } from './snapshot-reader';
import { paramWithBadEscape } from './validate';

export type { OpsMount } from './ops-mount';

export interface ApiDeps {
  settings: Settings;
  pool: pg.Pool;
  /** With the codec of ENCRYPTION_KEY. */
  actors: ActorRepository;
  writer: ActorWriter;
  producer: ResolveProducer;
  /** Read-through: its source is the Postgres SnapshotRepository. */
  snapshots: SnapshotCache;
  registries: LoadedRegistries;
  logger: Logger;
  /** The snapshot cache's connection: the hot path reads on it, the rate limiter counts on it. */
  redis: Redis | Cluster;
  /** Default: one built from settings.security. */
  tokens?: TokenVerifier;
  /** /health, /ready, /metrics and Bull Board, from src/sidecar. */
  ops?: OpsMount;
}

/** What the snapshot route and its fast path share. */
interface SnapshotParts {
  reader: SnapshotReader;
  limiter: RateLimiter;
  handover: SnapshotHandover;
}

/**
 * Paths match in their exact letter case (`/V1/…`, `/ADMIN/login` are 404s): a route is one path, and
 * the request metrics' route label (which carries the mount path as requested) one series per route.
 */
const ROUTER_OPTIONS = { caseSensitive: true } as const;

function v1Router(deps: ApiDeps, verifier: TokenVerifier, snapshot: SnapshotParts): Router {
  const router = express.Router(ROUTER_OPTIONS);
  const { limiter } = snapshot;
  const bodyLimitBytes = deps.settings.server.bodyLimitBytes;
  router.use(authenticate(verifier));
  // First, and before the rate-limit middleware: it counts its requests itself (see the route).
  addSnapshotRoute(router, snapshot);
  router.use(rateLimit(limiter));
  addExplainRoute(router, deps);
  addActorRoutes(router, { ...deps, bodyLimitBytes });
  addJobRoutes(router, { producer: deps.producer, bodyLimitBytes });
  // Built once: the document is static for the life of the process.
  const openapi = JSON.stringify(openApiDocument());
  router.get('/openapi.json', (_req, res) => {
    res.type('json').send(openapi);
  });
  return router;
}

function adminRouter(deps: ApiDeps, verifier: TokenVerifier, limiter: RateLimiter): Router {
  const router = express.Router(ROUTER_OPTIONS);
  router.use(adminCookies(), authenticate(verifier, { cookie: true }), rateLimit(limiter));
  addLoginRoutes(router, verifier);
  if (deps.ops?.bullBoard !== undefined) router.use('/queues', requireAdminPage(), deps.ops.bullBoard);
  return router;
}

/** The API: the Express app, and the listener to give requests to (the fast path, then the app). */
export interface ApiHandler {
  app: Express;
  listener: RequestListener;
}

export function createApiHandler(deps: ApiDeps): ApiHandler {
  const { settings, ops } = deps;
  const verifier =
    deps.tokens ??
    new TokenVerifier({
      secret: settings.security.jwtSecret,
      jwksUrl: settings.security.jwksUrl,
      issuer: settings.security.issuer,
      audience: settings.security.audience,
    });
  const limiter = new RateLimiter({
    redis: deps.redis,
    keyPrefix: settings.redisKeyPrefix,
    windowMs: settings.security.rateLimit.windowMs,
    max: settings.security.rateLimit.max,
    logger: deps.logger,
  });
  const onHit = deps.ops?.onCacheLookup;
  const snapshot: SnapshotParts = {
    reader: new SnapshotReader(deps.snapshots, deps.redis, limiter, onHit && (() => onHit('hit'))),
    limiter,
    handover: new SnapshotHandover(),
  };
  // upgrade-insecure-requests would send a plain-HTTP Bull Board's own assets to https (dev, in-cluster).
  const securityHeaders = helmet({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });

  const app = express();
  app.disable('x-powered-by');
  app.enable('case sensitive routing');
  // Routes set their own validators (the snapshot ETag); Express's would hash every JSON body.
  app.set('etag', false);
  // Behind HAProxy or an ingress, req.ip (the per-IP rate limit) must come from X-Forwarded-For.
  app.set('trust proxy', settings.server.trustProxy);
  if (ops?.requestMiddleware !== undefined) app.use(ops.requestMiddleware);
  app.use(securityHeaders);
  app.use('/v1', v1Router(deps, verifier, snapshot));
  app.use('/admin', adminRouter(deps, verifier, limiter));
  if (ops !== undefined)
    app.use(guardOpsRoutes(ops.routes, settings.security.openOpsEndpoints, () => verifier));
  app.use(notFoundHandler());
  const routes = Object.keys(openApiDocument().paths as object);
  app.use(
    errorHandler(deps.logger, settings.server.bodyLimitBytes, {
      ...(ops?.onError === undefined ? {} : { onError: ops.onError }),
      paramWithBadEscape: (path) => paramWithBadEscape(path, routes),
    }),
  );

  const fastPath = snapshotFastPath({
    ...snapshot,
    verifier,
    app,
    securityHeaders: headersSetBy(securityHeaders),
    ...(ops?.observeRequest === undefined ? {} : { observe: ops.observeRequest }),
  });
  return {
    app,
    listener: (req, res) => {
      if (!fastPath(req, res)) app(req, res);
    },
  };
}

/** The Express app alone (no fast path): for route listings. Serve requests with createApiHandler. */
export function createApiApp(deps: ApiDeps): Express {
  return createApiHandler(deps).app;
}
