/**
 * The process configuration, read from the environment once (here and nowhere else) and validated:
 * every problem names the variable. Components receive the values they need; none reads process.env.
 */
import * as os from 'node:os';
import { ActorCoreError } from '../src/core/errors';

export interface Settings {
  /** Postgres; undefined means "start a private local server" where the caller supports it (tests, demo, bench). */
  databaseUrl: string | undefined;
  /** Size of the pg connection pool of one process. */
  databasePoolMax: number;
  /** Redis; undefined as for databaseUrl. */
  redisUrl: string | undefined;
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

export interface WorkerSettings {
  /** Jobs one worker process runs at once (`WORKER_CONCURRENCY`). */
  concurrency: number;
  /** Resolve threads of one worker process (`WORKER_THREADS`). */
  threads: number;
  /** How long a stopping worker waits for its active jobs (`SHUTDOWN_TIMEOUT_MS`). */
  shutdownTimeoutMs: number;
  /** BullMQ job lock; a dead worker's job is taken over after about this long (`LOCK_DURATION_MS`). */
  lockDurationMs: number;
  /** How often workers look for stalled jobs (`STALLED_INTERVAL_MS`). */
  stalledIntervalMs: number;
}

export const DEFAULT_SETTINGS = {
  databasePoolMax: 10,
  redisKeyPrefix: 'actor-core',
  cacheTtlSeconds: 3600,
  logLevel: 'info',
  queue: { name: 'actor-resolve', prefix: '{actor-core}', batchSize: 500, attempts: 5, backoffMs: 1000 },
  worker: {
    concurrency: 2,
    threads: Math.max(1, os.availableParallelism()),
    shutdownTimeoutMs: 30_000,
    lockDurationMs: 30_000,
    stalledIntervalMs: 30_000,
  },
} as const;

export const DEFAULT_OPS = {
  server: { port: 8080, host: '0.0.0.0', bodyLimitBytes: 1024 * 1024 },
  security: { issuer: 'actor-core', audience: 'actor-core', rateLimit: { windowMs: 60_000, max: 6000 } },
  monitoring: { workerSidecarPort: 9464, serviceName: 'actor-core' },
} as const;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Readonly<Record<string, string | undefined>>;

function invalid(variable: string, message: string): never {
  throw new ActorCoreError('INVALID_CONFIG', `${variable} ${message}`, { field: variable });
}

function optionalText(env: Env, variable: string): string | undefined {
  const value = env[variable];
  if (value === undefined || value.trim() === '') return undefined;
  return value.trim();
}

function url(env: Env, variable: string, protocols: readonly string[]): string | undefined {
  const value = optionalText(env, variable);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return invalid(variable, `must be a URL (${protocols.join(' or ')}), got something that does not parse`);
  }
  if (!protocols.includes(parsed.protocol)) {
    invalid(variable, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return value;
}

function positiveInteger(env: Env, variable: string, fallback: number, max: number): number {
  const value = optionalText(env, variable);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    invalid(variable, `must be an integer from 1 to ${max}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** Reads and validates the settings; `env` defaults to the process environment. */
export function loadSettings(env: Env = process.env): Settings {
  const prefix = optionalText(env, 'REDIS_KEY_PREFIX') ?? DEFAULT_SETTINGS.redisKeyPrefix;
  if (!/^[A-Za-z0-9_{}.-]+(:[A-Za-z0-9_{}.-]+)*$/.test(prefix)) {
    invalid(
      'REDIS_KEY_PREFIX',
      `must be letters, digits, _ { } . - separated by ':', got ${JSON.stringify(prefix)}`,
    );
  }
  return {
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolMax: positiveInteger(env, 'DATABASE_POOL_MAX', DEFAULT_SETTINGS.databasePoolMax, 1000),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix: prefix,
    cacheTtlSeconds: positiveInteger(env, 'CACHE_TTL_SECONDS', DEFAULT_SETTINGS.cacheTtlSeconds, 365 * 86400),
    encryptionKey: optionalText(env, 'ENCRYPTION_KEY'),
    queue: loadQueueSettings(env),
    worker: loadWorkerSettings(env),
    logLevel: logLevel(env),
    environment: optionalText(env, 'ENV') ?? 'development',
    server: {
      port: port(env, 'PORT', DEFAULT_OPS.server.port),
      host: optionalText(env, 'HOST') ?? DEFAULT_OPS.server.host,
      bodyLimitBytes: positiveInteger(
        env,
        'BODY_LIMIT_BYTES',
        DEFAULT_OPS.server.bodyLimitBytes,
        64 * 1024 * 1024,
      ),
    },
    security: {
      jwtSecret: optionalText(env, 'JWT_SECRET'),
      jwksUrl: url(env, 'JWT_JWKS_URL', ['https:', 'http:']),
      issuer: optionalText(env, 'JWT_ISSUER') ?? DEFAULT_OPS.security.issuer,
      audience: optionalText(env, 'JWT_AUDIENCE') ?? DEFAULT_OPS.security.audience,
      openOpsEndpoints: flag(env, 'OPEN_OPS_ENDPOINTS', true),
      rateLimit: {
        windowMs: positiveInteger(
          env,
          'RATE_LIMIT_WINDOW_MS',
          DEFAULT_OPS.security.rateLimit.windowMs,
          3_600_000,
        ),
        max: positiveInteger(env, 'RATE_LIMIT_MAX', DEFAULT_OPS.security.rateLimit.max, 10_000_000),
      },
    },
    monitoring: {
      workerSidecarPort: port(env, 'WORKER_SIDECAR_PORT', DEFAULT_OPS.monitoring.workerSidecarPort, true),
      tracing: {
        enabled: flag(env, 'OTEL_ENABLED', false),
        endpoint: url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']),
        serviceName: optionalText(env, 'OTEL_SERVICE_NAME') ?? DEFAULT_OPS.monitoring.serviceName,
      },
    },
  };
}

function port(env: Env, variable: string, fallback: number, allowZero = false): number {
  const value = optionalText(env, variable);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535 || (n === 0 && !allowZero)) {
    invalid(variable, `must be a port number (${allowZero ? 0 : 1} to 65535), got ${JSON.stringify(value)}`);
  }
  return n;
}

function flag(env: Env, variable: string, fallback: boolean): boolean {
  const value = optionalText(env, variable)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  return invalid(variable, `must be true or false, got ${JSON.stringify(value)}`);
}

function name(env: Env, variable: string, fallback: string, pattern: RegExp, what: string): string {
  const value = optionalText(env, variable) ?? fallback;
  if (!pattern.test(value)) invalid(variable, `must be ${what}, got ${JSON.stringify(value)}`);
  return value;
}

function loadQueueSettings(env: Env): QueueSettings {
  const d = DEFAULT_SETTINGS.queue;
  return {
    // BullMQ joins prefix, name and job ids with ':', so neither may contain one.
    name: name(env, 'QUEUE_NAME', d.name, /^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . -'),
    prefix: name(env, 'QUEUE_PREFIX', d.prefix, /^[A-Za-z0-9_.{}-]+$/, 'letters, digits, _ . - { }'),
    batchSize: positiveInteger(env, 'JOB_BATCH_SIZE', d.batchSize, 10_000),
    attempts: positiveInteger(env, 'JOB_ATTEMPTS', d.attempts, 100),
    backoffMs: positiveInteger(env, 'JOB_BACKOFF_MS', d.backoffMs, 3_600_000),
  };
}

function loadWorkerSettings(env: Env): WorkerSettings {
  const d = DEFAULT_SETTINGS.worker;
  return {
    concurrency: positiveInteger(env, 'WORKER_CONCURRENCY', d.concurrency, 1000),
    threads: positiveInteger(env, 'WORKER_THREADS', d.threads, 256),
    shutdownTimeoutMs: positiveInteger(env, 'SHUTDOWN_TIMEOUT_MS', d.shutdownTimeoutMs, 3_600_000),
    lockDurationMs: positiveInteger(env, 'LOCK_DURATION_MS', d.lockDurationMs, 3_600_000),
    stalledIntervalMs: positiveInteger(env, 'STALLED_INTERVAL_MS', d.stalledIntervalMs, 3_600_000),
  };
}

function logLevel(env: Env): LogLevel {
  const value = optionalText(env, 'LOG_LEVEL') ?? DEFAULT_SETTINGS.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    invalid('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as LogLevel;
}

/** The URL a command cannot run without, or an error naming the variable. */
export function required(value: string | undefined, variable: 'DATABASE_URL' | 'REDIS_URL'): string {
  if (value === undefined) invalid(variable, 'is not set; this command needs it');
  return value;
}
