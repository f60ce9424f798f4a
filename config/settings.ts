/**
 * The process configuration, loaded once (here and nowhere else) and validated. Components receive the
 * values they need; none reads process.env or the YAML files.
 *
 * Where the values come from, later winning (the production guide's LoadProductionConfig):
 * 1. `config/default.yaml`: the default of every setting;
 * 2. `CONFIG_FILE` when set, else `config/<ENV>.yaml` when it exists (ENV=production → production.yaml),
 *    with `${VAR}` / `${VAR:-default}` replaced by environment variables;
 * 3. the environment variables Actor Core has always read (DATABASE_URL, PORT, LOG_LEVEL, …; see
 *    env-overrides.ts), a blank one counting as unset;
 * then validation: every problem is collected and thrown at once as a ConfigError, one line each,
 * naming the variable or the file and YAML path.
 */
import { ConfigError, type ConfigProblem } from './config-error';
import { databaseUrl, redisUrl } from './connection-urls';
import { applyEnvOverrides } from './env-overrides';
import { configFiles, loadLayers } from './load-yaml';
import { Origins } from './origins';
import { usableCpus } from './usable-cpus';
import type { TrustProxy } from './field-parsers';
import { crossCheck, validateTree, WORKER_LANES, type ConfigTree } from './schema';
import type { Env } from './tree';

export { ConfigError, isConfigError } from './config-error';
export { CONFIG_DIR } from './load-yaml';

export interface Settings {
  /** Postgres; undefined means "start a private local server" where the caller supports it (tests, demo, bench). */
  databaseUrl: string | undefined;
  /** Size of the pg connection pool of one process. */
  databasePoolMax: number;
  databasePool: DatabasePoolSettings;
  /** Redis; undefined as for databaseUrl. */
  redisUrl: string | undefined;
  redisClient: RedisClientSettings;
  /** Prefix of every Redis key Actor Core writes: `<prefix>:snapshot:<actorId>`. */
  redisKeyPrefix: string;
  /** Time to live of a cached snapshot, in seconds. */
  cacheTtlSeconds: number;
  /** The key ring text (`ENCRYPTION_KEY`); parsed by the encryption adapter. Undefined: plaintext. */
  encryptionKey: string | undefined;
  queue: QueueSettings;
  worker: WorkerSettings;
  /** `LOG_LEVEL`: pino level. */
  logLevel: LogLevel;
  /** `ENV`: development, test, production… (logged on every line). */
  environment: string;
  /** `logging.fields`: logged on every line with `environment`; `version` undefined: the package's. */
  logFields: { service: string; version: string | undefined };
  server: ServerSettings;
  security: SecuritySettings;
  monitoring: MonitoringSettings;
}

export interface ServerSettings {
  /** The API's port (`PORT`). */
  port: number;
  host: string;
  /** Largest accepted JSON body, in bytes. */
  bodyLimitBytes: number;
  /** `TRUST_PROXY`: whose X-Forwarded-For gives the client address (rate limiting by IP, logs). */
  trustProxy: TrustProxy;
  /** `read_timeout`: to receive a whole request (Node's requestTimeout; headersTimeout at most this). */
  readTimeoutMs: number;
  /** `write_timeout`: how long a request's socket may go without traffic while it is answered. */
  writeTimeoutMs: number;
  /** `idle_timeout`: how long a kept-alive connection waits for its next request (keepAliveTimeout). */
  idleTimeoutMs: number;
}

/** The guide's pool settings beyond its size; undefined: pg's own behaviour. */
export interface DatabasePoolSettings {
  /** `max_idle_connections`: connections kept open while idle (pg's `min`); the others close after 10 s. */
  idleKept: number | undefined;
  /** `connection_max_lifetime`, in whole seconds: a connection is replaced after this long. */
  maxLifetimeSeconds: number | undefined;
}

/**
 * The guide's Redis client settings, for every connection but BullMQ's blocking ones; undefined: each
 * connection keeps the value tuned for its role.
 */
export interface RedisClientSettings {
  /** `dial_timeout`. */
  connectTimeoutMs: number | undefined;
  /** The longer of `read_timeout` and `write_timeout`: ioredis has one timeout per command. */
  commandTimeoutMs: number | undefined;
  /** `max_retries`: ioredis's maxRetriesPerRequest. */
  maxRetries: number | undefined;
}

export interface SecuritySettings {
  /** HS256 secret (`JWT_SECRET`); either this or `jwksUrl`. */
  jwtSecret: string | undefined;
  /** RS256 keys (`JWT_JWKS_URL`). */
  jwksUrl: string | undefined;
  /** Required `iss` of tokens (`JWT_ISSUER`). */
  issuer: string;
  /** Required `aud` of tokens (`JWT_AUDIENCE`). */
  audience: string;
  /** Whether /health, /ready and /metrics answer without a token (`OPEN_OPS_ENDPOINTS`, default true). */
  openOpsEndpoints: boolean;
  /** Requests per window per client (token subject, else IP), shared by all instances through Redis. */
  rateLimit: { windowMs: number; max: number };
}

export interface MonitoringSettings {
  /** `monitoring.prometheus.enabled`: whether the API and the worker sidecars serve /metrics. */
  metricsEnabled: boolean;
  /** Port of the small sidecar every worker process serves /health, /ready, /metrics on (`WORKER_SIDECAR_PORT`; 0: none). */
  workerSidecarPort: number;
  tracing: {
    /** `OTEL_ENABLED`: export spans over OTLP/HTTP; off by default, at no cost. */
    enabled: boolean;
    /** `OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. http://jaeger:4318/v1/traces. */
    endpoint: string | undefined;
    serviceName: string;
  };
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface QueueSettings {
  /** BullMQ queue name (`QUEUE_NAME`). */
  name: string;
  /** BullMQ key prefix (`QUEUE_PREFIX`): a `{hash tag}` so that all of a queue's keys share a Redis Cluster slot. */
  prefix: string;
  /** Actors per bulk job (`JOB_BATCH_SIZE`). */
  batchSize: number;
  /** Attempts per job before it fails for good (`JOB_ATTEMPTS`). */
  attempts: number;
  /** First retry delay in ms, doubled each attempt, with jitter (`JOB_BACKOFF_MS`). */
  backoffMs: number;
}

export type WorkerLane = (typeof WORKER_LANES)[number];

export interface WorkerSettings {
  /** Jobs one worker process runs at once (`WORKER_CONCURRENCY`). */
  concurrency: number;
  /** Resolve threads of one worker process (`WORKER_THREADS`). */
  threads: number;
  /**
   * Which queues the process serves (`WORKER_LANE`): `all` (bulk and change jobs, and the interactive
   * lane on its main thread), `bulk` (no interactive lane), or `interactive` (only the interactive
   * lane). Split lanes keep interactive latency apart from bulk runs: their own event loop, and the bulk
   * processes can run at a lower CPU priority (`nice`) on a shared machine.
   */
  lane: WorkerLane;
  /** How long a stopping worker waits for its active jobs (`SHUTDOWN_TIMEOUT_MS`). */
  shutdownTimeoutMs: number;
  /** BullMQ job lock; a dead worker's job is taken over after about this long (`LOCK_DURATION_MS`). */
  lockDurationMs: number;
  /** How often workers look for stalled jobs (`STALLED_INTERVAL_MS`). */
  stalledIntervalMs: number;
  /**
   * How long a starting worker resolves a sample of stored actors before it takes jobs, so that its
   * threads' code is optimized by then (`WORKER_WARM_UP_MS`; 0: off). Nothing is written.
   */
  warmUpMs: number;
}

/**
 * The defaults, as code, for callers that need one without loading the configuration. config/default.yaml
 * is what loadSettings uses; a unit test keeps the two equal.
 */
export const DEFAULT_SETTINGS = {
  databasePoolMax: 10,
  redisKeyPrefix: 'actor-core',
  cacheTtlSeconds: 3600,
  logLevel: 'info',
  queue: { name: 'actor-resolve', prefix: '{actor-core}', batchSize: 500, attempts: 5, backoffMs: 1000 },
  worker: {
    concurrency: 4,
    threads: usableCpus(),
    lane: 'all',
    shutdownTimeoutMs: 30_000,
    lockDurationMs: 30_000,
    stalledIntervalMs: 30_000,
    warmUpMs: 1000,
  },
} as const;

export const DEFAULT_OPS = {
  server: {
    port: 8080,
    host: '0.0.0.0',
    bodyLimitBytes: 1024 * 1024,
    trustProxy: false,
    readTimeoutMs: 30_000,
    writeTimeoutMs: 30_000,
    idleTimeoutMs: 120_000,
  },
  security: { issuer: 'actor-core', audience: 'actor-core', rateLimit: { windowMs: 60_000, max: 6000 } },
  monitoring: { metricsEnabled: true, workerSidecarPort: 9464, serviceName: 'actor-core' },
} as const;

/**
 * Loads and validates the settings. `env` defaults to the process environment; `location` is the folder
 * holding default.yaml and <ENV>.yaml (default: the package's config/), or one YAML file that takes the
 * place of CONFIG_FILE. Throws a ConfigError listing every problem.
 */
export function loadSettings(env: Env = process.env, location?: string): Settings {
  const origins = new Origins();
  const { tree, fileProblems, unresolved } = loadLayers(configFiles(env, location), env, origins);
  // A file that cannot be read or parsed would make every other message about it misleading.
  if (fileProblems.length > 0) throw new ConfigError(fileProblems);
  for (const settled of applyEnvOverrides(tree, env, origins)) {
    for (const at of [...unresolved.keys()]) {
      if (at === settled || at.startsWith(`${settled}.`)) unresolved.delete(at);
    }
  }
  const checked = validateTree(tree, origins, new Set(unresolved.keys()));
  const problems: ConfigProblem[] = [
    ...unresolved.values(),
    ...checked.problems,
    ...crossCheck(tree, origins),
  ];
  if (problems.length > 0 || checked.config === undefined) throw new ConfigError(problems);
  return toSettings(checked.config);
}

/** The validated YAML-shaped tree as the Settings every component already takes. */
function toSettings(c: ConfigTree): Settings {
  return {
    databaseUrl: databaseUrl(c.database),
    databasePoolMax: c.database.max_connections,
    databasePool: {
      idleKept: c.database.max_idle_connections,
      maxLifetimeSeconds:
        c.database.connection_max_lifetime === undefined
          ? undefined
          : Math.ceil(c.database.connection_max_lifetime / 1000),
    },
    redisClient: redisClientSettings(c.cache.redis),
    redisUrl: redisUrl(c.cache.redis),
    redisKeyPrefix: c.cache.redis.key_prefix,
    cacheTtlSeconds: c.cache.ttl_seconds,
    encryptionKey: c.security.encryption_key,
    queue: {
      name: c.queue.name,
      prefix: c.queue.prefix,
      batchSize: c.queue.batch_size,
      attempts: c.queue.attempts,
      backoffMs: c.queue.backoff_ms,
    },
    worker: {
      concurrency: c.worker.concurrency,
      threads: c.worker.threads,
      lane: c.worker.lane,
      shutdownTimeoutMs: c.worker.shutdown_timeout_ms,
      lockDurationMs: c.worker.lock_duration_ms,
      stalledIntervalMs: c.worker.stalled_interval_ms,
      warmUpMs: c.worker.warm_up_ms,
    },
    logLevel: c.logging.level,
    environment: c.logging.fields.environment,
    logFields: { service: c.logging.fields.service, version: c.logging.fields.version },
    server: {
      port: c.server.port,
      host: c.server.host,
      bodyLimitBytes: c.server.body_limit_bytes,
      trustProxy: c.server.trust_proxy,
      readTimeoutMs: c.server.read_timeout,
      writeTimeoutMs: c.server.write_timeout,
      idleTimeoutMs: c.server.idle_timeout,
    },
    security: {
      jwtSecret: c.security.jwt_secret,
      jwksUrl: c.security.jwks_url,
      issuer: c.security.issuer,
      audience: c.security.audience,
      openOpsEndpoints: c.security.open_ops_endpoints,
      rateLimit: { windowMs: c.security.rate_limit.window_ms, max: c.security.rate_limit.max },
    },
    monitoring: {
      metricsEnabled: c.monitoring.prometheus.enabled,
      workerSidecarPort: c.monitoring.prometheus.worker_sidecar_port,
      tracing: {
        enabled: c.monitoring.tracing.enabled,
        endpoint: c.monitoring.tracing.endpoint,
        serviceName: c.monitoring.tracing.service_name,
      },
    },
  };
}

function redisClientSettings(redis: ConfigTree['cache']['redis']): RedisClientSettings {
  const timeouts = [redis.read_timeout, redis.write_timeout].filter((ms) => ms !== undefined);
  return {
    connectTimeoutMs: redis.dial_timeout,
    commandTimeoutMs: timeouts.length === 0 ? undefined : Math.max(...timeouts),
    maxRetries: redis.max_retries,
  };
}

const WHERE_ELSE = {
  DATABASE_URL: 'database.url or database.host in the config file',
  REDIS_URL: 'cache.redis.url or cache.redis.host in the config file',
} as const;

/** The URL a command cannot run without, or an error naming the variable (and the YAML alternative). */
export function required(value: string | undefined, variable: 'DATABASE_URL' | 'REDIS_URL'): string {
  if (value === undefined) {
    throw new ConfigError([
      { text: `${variable} is not set; this command needs it (or ${WHERE_ELSE[variable]})`, field: variable },
    ]);
  }
  return value;
}
