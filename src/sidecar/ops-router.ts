/**
 * The operations endpoints, as an express Router that the API server and every worker sidecar mount:
 *
 * - `GET /health`: liveness. Database and cache answer within the timeout: 200, else 503, with
 *   `{status: 'ok'|'error', checks: {database: {status, latencyMs}, cache: {status, latencyMs}}}`.
 * - `GET /ready`: readiness. The same checks, plus the migrations (when given) and not draining: 200,
 *   else 503, with the `reasons`. A draining process (SIGTERM received) answers 503 so that the load
 *   balancer stops sending it work while it finishes what it has.
 * - `GET /metrics`: the registry in the Prometheus text format.
 *
 * Concurrent probes share one run of the checks (single flight), so a burst of requests on an open
 * endpoint costs the databases one query each, not one per request.
 */
import { Router, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import { runChecks, type CheckResult, type HealthCheck } from './health-checks';

export interface OpsChecks {
  /** Liveness and readiness. */
  database: HealthCheck;
  /** Liveness and readiness. */
  cache: HealthCheck;
  /** Readiness only: every migration of this build applied (see migrationsCheck). */
  migrations?: HealthCheck;
}

export interface OpsRouterOptions {
  checks: OpsChecks;
  /** Served at /metrics; without it /metrics is 404. */
  metrics?: { registry: Registry };
  /** True once the process is stopping: /ready then answers 503. */
  isDraining?: () => boolean;
  /** Per check; default 1000 ms (well under the usual 1 s..5 s probe timeouts plus a margin). */
  timeoutMs?: number;
}

export interface HealthBody {
  status: 'ok' | 'error';
  checks: Record<string, CheckResult>;
}

export interface ReadyBody {
  status: 'ready' | 'not_ready';
  draining: boolean;
  checks: Record<string, CheckResult>;
  /** Why not ready, one line each; empty when ready. */
  reasons: string[];
}

export const DEFAULT_CHECK_TIMEOUT_MS = 1000;

/** Shares one in-flight run of `work` among concurrent callers. */
function singleFlight<T>(work: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () =>
    (running ??= work().finally(() => {
      running = undefined;
    }));
}

function send(res: Response, ok: boolean, body: unknown): void {
  // Probes must see the state of now, never a cached answer.
  res
    .status(ok ? 200 : 503)
    .set('Cache-Control', 'no-store')
    .json(body);
}

export function createOpsRouter(options: OpsRouterOptions): Router {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const isDraining = options.isDraining ?? (() => false);
  const { database, cache, migrations } = options.checks;
  const liveness = { database, cache };
  const readiness = migrations === undefined ? liveness : { ...liveness, migrations };

  const health = singleFlight(async (): Promise<HealthBody> => {
    const checks = await runChecks(liveness, timeoutMs);
    const ok = Object.values(checks).every((c) => c.status === 'ok');
    return { status: ok ? 'ok' : 'error', checks };
  });
  const readinessChecks = singleFlight(() => runChecks(readiness, timeoutMs));
  const ready = async (): Promise<ReadyBody> => {
    const checks = await readinessChecks();
    // Read after the checks, per request: a drain that began meanwhile shows at once.
    const draining = isDraining();
    const reasons = Object.entries(checks)
      .filter(([, c]) => c.status !== 'ok')
      .map(([name, c]) => `${name}: ${c.error ?? 'failed'}`);
    if (draining) reasons.push('draining: the process is stopping');
    return { status: reasons.length === 0 ? 'ready' : 'not_ready', draining, checks, reasons };
  };

  // Exact letter case: `/METRICS` is a 404, not a second series of the request metrics.
  const router = Router({ caseSensitive: true });
  router.get('/health', async (_req: Request, res: Response) => {
    const body = await health();
    send(res, body.status === 'ok', body);
  });
  router.get('/ready', async (_req: Request, res: Response) => {
    const body = await ready();
    send(res, body.status === 'ready', body);
  });
  const registry = options.metrics?.registry;
  if (registry !== undefined) {
    router.get('/metrics', async (_req: Request, res: Response) => {
      try {
        const text = await registry.metrics();
        res.set('Content-Type', registry.contentType).set('Cache-Control', 'no-store').send(text);
      } catch {
        res.status(500).type('text/plain').send('# metrics collection failed\n');
      }
    });
  }
  return router;
}
