/**
 * A worker process's observability that lives beside its jobs: the OTLP span export (when enabled)
 * and the sidecar HTTP server. Neither may keep a worker from working: a failure to start either is
 * logged, and the worker runs on without it. The sidecar's endpoints are open, or `admin` only when
 * OPEN_OPS_ENDPOINTS is false, by the API's rule (src/api/ops-guard.ts).
 */
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Settings } from '../../config/settings';
import { sidecarOpsRouter } from '../api/ops-guard';
import { packageVersion } from '../cli/package-version';
import type { Logger } from '../logging/create-logger';
import type { Metrics } from '../metrics/create-metrics';
import { postgresCheck, redisCheck } from '../sidecar/health-checks';
import { migrationsCheck } from '../sidecar/migrations-check';
import { createOpsRouter } from '../sidecar/ops-router';
import { startSidecar, type Sidecar } from '../sidecar/sidecar-server';
import { startTracing, type Tracing } from '../tracing/start-tracing';

/** Tracing must never keep a worker from working: a failure to start it is logged and ignored. */
export async function startJobTracing(settings: Settings, logger: Logger): Promise<Tracing | undefined> {
  try {
    const tracing = await startTracing(settings.monitoring.tracing, { serviceVersion: packageVersion() });
    if (tracing !== undefined) logger.info({ target: tracing.target }, 'tracing: exporting spans');
    return tracing;
  } catch (err) {
    logger.warn({ err: String(err) }, 'tracing not started');
    return undefined;
  }
}

/**
 * The sidecar on WORKER_SIDECAR_PORT (none when 0). A port that cannot be bound (several workers on one
 * host with the same port) is logged, and the worker runs on without its endpoints: jobs matter more.
 */
export async function startWorkerSidecar(
  settings: Settings,
  logger: Logger,
  deps: { pool: pg.Pool; cacheRedis: Redis; metrics: Metrics; isDraining: () => boolean },
): Promise<Sidecar | undefined> {
  const port = settings.monitoring.workerSidecarPort;
  if (port === 0) return undefined;
  try {
    const router = createOpsRouter({
      checks: {
        database: postgresCheck(deps.pool),
        cache: redisCheck(deps.cacheRedis),
        migrations: migrationsCheck(deps.pool),
      },
      // monitoring.prometheus.enabled: false leaves /metrics a 404.
      ...(settings.monitoring.metricsEnabled ? { metrics: deps.metrics } : {}),
      isDraining: deps.isDraining,
    });
    // OPEN_OPS_ENDPOINTS=false closes them here as on the API: an `admin` token, or 401/403.
    const app = sidecarOpsRouter(router, { settings, logger });
    return await startSidecar({ port, host: settings.server.host, router: app });
  } catch (err) {
    logger.warn(
      { port, err: (err as { code?: string }).code ?? String(err) },
      'sidecar not started: this worker serves no /health, /ready or /metrics',
    );
    return undefined;
  }
}
