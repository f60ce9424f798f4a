/**
 * What the API server mounts for operations: `routes` at `/` (/health, /ready, /metrics) and, when
 * queues are given, `bullBoard` at `/admin/queues` behind its admin auth. The worker sidecar serves
 * `routes` alone.
 *
 * `createApiOpsMount(context)` is the factory the API's `actor-core api` command looks for in this
 * module: from the API's own connections it builds the metrics registry (with the queues' job counts),
 * the routes, Bull Board, the request-metrics middleware and the cache lookup hook.
 */
import type { Queue } from 'bullmq';
import type { RequestHandler, Router } from 'express';
import type pg from 'pg';
import type { LookupOutcome } from '../adapters/redis/snapshot-cache';
import { createMetrics, type Metrics } from '../metrics/create-metrics';
import { requestMetrics, requestObserver, type ObserveRequest } from '../metrics/request-metrics';
import { createBullBoardRouter, DEFAULT_BULL_BOARD_PATH } from './bull-board-router';
import type { HealthCheck } from './health-checks';
import { migrationsCheck } from './migrations-check';
import { createOpsRouter, type OpsRouterOptions } from './ops-router';

export type OpsMount = { routes: Router; bullBoard?: Router };

export interface OpsMountOptions extends OpsRouterOptions {
  /** Queues shown in Bull Board; without them there is no `bullBoard`. */
  queues?: readonly Queue[];
  /** Where the API mounts `bullBoard`; default /admin/queues. */
  bullBoardPath?: string;
}

export function createOpsMount(options: OpsMountOptions): OpsMount {
  const { queues, bullBoardPath, ...routerOptions } = options;
  const routes = createOpsRouter(routerOptions);
  if (queues === undefined || queues.length === 0) return { routes };
  return { routes, bullBoard: createBullBoardRouter(queues, bullBoardPath ?? DEFAULT_BULL_BOARD_PATH) };
}

/** The part of the API's ops context (src/api/ops-mount.ts `OpsContext`) this module uses. */
export interface ApiOpsContext {
  pool: Pick<pg.Pool, 'query'>;
  /** The producer's bulk and interactive queues: Bull Board and the job-count gauge. */
  queues: Queue[];
  bullBoardPath: string;
  /** The API's probes of its own connections. */
  checks: { database: HealthCheck; cache: HealthCheck };
  isDraining: () => boolean;
  /** `monitoring.metricsEnabled` false: no /metrics route (the API's context always has settings). */
  settings?: { monitoring: { metricsEnabled: boolean } };
}

/** An OpsMount with what the API wires into its own app and cache. */
export interface ApiOpsMount extends OpsMount {
  /** `requestMetrics(metrics)`: mounted first, it labels every request with its route pattern. */
  requestMiddleware: RequestHandler;
  /** The same metrics for requests the snapshot fast path answers before Express. */
  observeRequest: ObserveRequest;
  /** For the read-through cache's `onLookup`: the cache hit and miss counters. */
  onCacheLookup: (outcome: LookupOutcome) => void;
  /** For the API's error handler: its 5xx answers in actor_core_errors_total, by code. */
  onError: (code: string) => void;
  metrics: Metrics;
}

export function createApiOpsMount(context: ApiOpsContext): ApiOpsMount {
  const metrics = createMetrics({ queues: context.queues });
  const mount = createOpsMount({
    checks: { ...context.checks, migrations: migrationsCheck(context.pool) },
    ...(context.settings?.monitoring.metricsEnabled === false ? {} : { metrics }),
    isDraining: context.isDraining,
    queues: context.queues,
    bullBoardPath: context.bullBoardPath,
  });
  return {
    ...mount,
    requestMiddleware: requestMetrics(metrics),
    observeRequest: requestObserver(metrics),
    onCacheLookup: metrics.onCacheLookup,
    onError: (code) => metrics.recordError(code),
    metrics,
  };
}
