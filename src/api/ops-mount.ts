/**
 * The seam between the API and the operations endpoints (health, readiness, metrics, Bull Board),
 * which live in src/sidecar and src/metrics. The API does not build them: it is handed an OpsMount,
 * or a factory that gets the API's own connections (OpsContext) to build one, and mounts it:
 * `routes` at `/` (open, or behind `admin` when OPEN_OPS_ENDPOINTS is false; never rate limited) and
 * `bullBoard` at /admin/queues behind `admin` (bearer token, or the admin login cookie).
 */
import type { Queue } from 'bullmq';
import type { RequestHandler, Router } from 'express';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Settings } from '../../config/settings';
import type { LookupOutcome, SnapshotCache } from '../adapters/redis/snapshot-cache';
import type { Logger } from '../logging/create-logger';
import type { ObserveRequest } from '../metrics/request-metrics';
import type { ResolveProducer } from '../producer/resolve-producer';
import type { ErrorHook } from './error-handler';
import type { LoadedRegistries } from '../registry';

export type OpsMount = {
  routes: Router;
  /** Must be built for its final base path, /admin/queues. */
  bullBoard?: Router;
  /** Optional: runs first on every request (request metrics). */
  requestMiddleware?: RequestHandler;
  /** Optional: records the request metrics of a request answered before Express (the snapshot fast path). */
  observeRequest?: ObserveRequest;
  /** Optional: told the outcome of every snapshot read-through lookup (cache hit/miss metrics). */
  onCacheLookup?: (outcome: LookupOutcome) => void;
  /** Optional: told of every request that failed with a 5xx, by error code (the errors counter). */
  onError?: ErrorHook;
};

/** What the API server has built, for an ops factory to use (it owns none of it: do not close). */
export interface OpsContext {
  settings: Settings;
  pool: pg.Pool;
  /** The connection of the snapshot cache and the rate limiter. */
  redis: Redis;
  producer: ResolveProducer;
  snapshots: SnapshotCache;
  registries: LoadedRegistries;
  logger: Logger;
  /** The queues to show in Bull Board. */
  queues: Queue[];
  /** Where Bull Board is mounted (its base path). */
  bullBoardPath: string;
  /** Liveness/readiness probes of the API's own connections. */
  checks: { database: () => Promise<void>; cache: () => Promise<void> };
  /** True once the server is stopping (readiness should fail so the load balancer moves on). */
  isDraining: () => boolean;
}

export type OpsMountFactory = (context: OpsContext) => OpsMount | Promise<OpsMount>;
