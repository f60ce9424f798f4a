/**
 * Environment variables over the YAML: every variable Actor Core has always read keeps working and wins
 * over the files (twelve-factor deployments set only variables). A blank variable counts as unset, as
 * it always has. Values are set as text; the schema parses and validates them like YAML values.
 */
import type { Origins } from './origins';
import { envText, isMapping, type Env, type Tree } from './tree';

export interface EnvOverride {
  variable: string;
  /** The YAML path it sets. */
  path: string;
  /** Sibling keys it makes moot: DATABASE_URL replaces the database parts, so those are dropped. */
  replaces?: readonly string[];
}

const DATABASE_PARTS = ['host', 'port', 'name', 'user', 'password', 'ssl_mode'].map((k) => `database.${k}`);
const REDIS_PARTS = ['host', 'port', 'user', 'password', 'db', 'tls'].map((k) => `cache.redis.${k}`);

export const ENV_OVERRIDES: readonly EnvOverride[] = [
  { variable: 'DATABASE_URL', path: 'database.url', replaces: DATABASE_PARTS },
  { variable: 'DATABASE_POOL_MAX', path: 'database.max_connections' },
  { variable: 'REDIS_URL', path: 'cache.redis.url', replaces: REDIS_PARTS },
  { variable: 'REDIS_KEY_PREFIX', path: 'cache.redis.key_prefix' },
  { variable: 'CACHE_TTL_SECONDS', path: 'cache.ttl_seconds' },
  { variable: 'PORT', path: 'server.port' },
  { variable: 'HOST', path: 'server.host' },
  { variable: 'BODY_LIMIT_BYTES', path: 'server.body_limit_bytes' },
  { variable: 'TRUST_PROXY', path: 'server.trust_proxy' },
  { variable: 'LOG_LEVEL', path: 'logging.level' },
  { variable: 'ENV', path: 'logging.fields.environment' },
  { variable: 'WORKER_SIDECAR_PORT', path: 'monitoring.prometheus.worker_sidecar_port' },
  { variable: 'OTEL_ENABLED', path: 'monitoring.tracing.enabled' },
  { variable: 'OTEL_EXPORTER_OTLP_ENDPOINT', path: 'monitoring.tracing.endpoint' },
  { variable: 'OTEL_SERVICE_NAME', path: 'monitoring.tracing.service_name' },
  { variable: 'QUEUE_NAME', path: 'queue.name' },
  { variable: 'QUEUE_PREFIX', path: 'queue.prefix' },
  { variable: 'JOB_BATCH_SIZE', path: 'queue.batch_size' },
  { variable: 'JOB_ATTEMPTS', path: 'queue.attempts' },
  { variable: 'JOB_BACKOFF_MS', path: 'queue.backoff_ms' },
  { variable: 'WORKER_CONCURRENCY', path: 'worker.concurrency' },
  { variable: 'WORKER_THREADS', path: 'worker.threads' },
  { variable: 'WORKER_LANE', path: 'worker.lane' },
  { variable: 'SHUTDOWN_TIMEOUT_MS', path: 'worker.shutdown_timeout_ms' },
  { variable: 'LOCK_DURATION_MS', path: 'worker.lock_duration_ms' },
  { variable: 'STALLED_INTERVAL_MS', path: 'worker.stalled_interval_ms' },
  { variable: 'WORKER_WARM_UP_MS', path: 'worker.warm_up_ms' },
  { variable: 'JWT_SECRET', path: 'security.jwt_secret' },
  { variable: 'JWT_JWKS_URL', path: 'security.jwks_url' },
  { variable: 'JWT_ISSUER', path: 'security.issuer' },
  { variable: 'JWT_AUDIENCE', path: 'security.audience' },
  { variable: 'OPEN_OPS_ENDPOINTS', path: 'security.open_ops_endpoints' },
  { variable: 'RATE_LIMIT_WINDOW_MS', path: 'security.rate_limit.window_ms' },
  { variable: 'RATE_LIMIT_MAX', path: 'security.rate_limit.max' },
  { variable: 'ENCRYPTION_KEY', path: 'security.encryption_key' },
];

/**
 * Sets every variable that is set onto `tree` and returns the paths it replaced or dropped, whose
 * file problems (an unresolved `${VAR}`) no longer matter.
 */
export function applyEnvOverrides(tree: Tree, env: Env, origins: Origins): string[] {
  const settled: string[] = [];
  for (const { variable, path, replaces = [] } of ENV_OVERRIDES) {
    const value = envText(env, variable);
    if (value === undefined) continue;
    for (const moot of replaces) {
      removePath(tree, moot);
      origins.clear(moot);
      settled.push(moot);
    }
    // A section that is not a mapping stays as the file has it, so its own problem is still reported.
    if (!setPath(tree, path, value)) continue;
    origins.clear(path);
    origins.set(path, { variable });
    settled.push(path);
  }
  return settled;
}

function setPath(tree: Tree, dotted: string, value: string): boolean {
  const keys = dotted.split('.');
  const last = keys.pop() as string;
  let node = tree;
  for (const key of keys) {
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (!isMapping(next)) return false;
    node = node[key] as Tree;
  }
  node[last] = value;
  return true;
}

function removePath(tree: Tree, dotted: string): void {
  const keys = dotted.split('.');
  const last = keys.pop() as string;
  let node: unknown = tree;
  for (const key of keys) node = isMapping(node) ? node[key] : undefined;
  if (isMapping(node)) delete node[last];
}
