/**
 * The shape of the configuration (default.yaml, <ENV>.yaml / CONFIG_FILE, then environment variables)
 * as a zod schema. Values from variables arrive as text and values from `${VAR}` too, so every number
 * and flag also accepts its text form. Each field's message reads after a name: the loader puts the
 * variable or `file: yaml.path` in front (`PORT must be a port number …`), and every problem is kept.
 * Secrets are never quoted back. The parsers of single values are in field-parsers.ts.
 */
import { z } from 'zod';
import type { ConfigProblem } from './config-error';
import {
  blank,
  duration,
  encryptionKey,
  field,
  flag,
  got,
  HOST,
  integer,
  jwtSecret,
  matching,
  MS,
  nonEmptyText,
  oneOf,
  port,
  redisDatabasePath,
  secret,
  text,
  threadCount,
  trustProxy,
  url,
} from './field-parsers';
import type { Origins } from './origins';
import { isMapping, type Tree } from './tree';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** pg's sslmode values (pg-connection-string); `require` is treated as `verify-full` by pg, with a warning. */
export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'] as const;
/** Which queues a worker process serves (see WorkerSettings.lane). */
export const WORKER_LANES = ['all', 'bulk', 'interactive'] as const;
/** The most a worker process takes, whether from the configuration or the worker command's flags. */
export const WORKER_MAX = { concurrency: 1000, threads: 256 } as const;

/** A mapping with exactly these keys; a YAML scalar or list in its place is named as such. */
function section<S extends z.ZodRawShape>(shape: S): z.ZodObject<S, z.core.$strict> {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'invalid_type'
        ? `must be a mapping with ${Object.keys(shape).join(', ')}, ${got(issue.input)}`
        : undefined,
  });
}

export const configSchema = section({
  server: section({
    port: field(port()),
    host: field(HOST),
    body_limit_bytes: field(integer(1, 64 * 1024 * 1024)),
    trust_proxy: field(trustProxy),
    // The guide's timeouts, as Node's HTTP server has them (see ServerSettings).
    read_timeout: field(duration(1000, 3_600_000)),
    write_timeout: field(duration(1000, 3_600_000)),
    idle_timeout: field(duration(1000, 3_600_000)),
  }),
  database: section({
    url: field(url(['postgres:', 'postgresql:']), true),
    host: field(HOST, true),
    port: field(port(), true),
    name: field(text, true),
    user: field(text, true),
    password: field(secret, true),
    ssl_mode: field(oneOf(SSL_MODES), true),
    max_connections: field(integer(1, 1000)),
    max_idle_connections: field(integer(0, 1000), true),
    connection_max_lifetime: field(duration(1000, 7 * 86_400_000), true),
  }),
  cache: section({
    ttl_seconds: field(integer(1, 365 * 86400)),
    redis: section({
      url: field(url(['redis:', 'rediss:'], redisDatabasePath), true),
      host: field(HOST, true),
      port: field(port(), true),
      user: field(text, true),
      password: field(secret, true),
      db: field(integer(0, 1000), true),
      tls: field(flag, true),
      key_prefix: field(
        matching(/^[A-Za-z0-9_{}.-]+(:[A-Za-z0-9_{}.-]+)*$/, "letters, digits, _ { } . - separated by ':'"),
      ),
      max_retries: field(integer(0, 100), true),
      dial_timeout: field(duration(100, 600_000), true),
      read_timeout: field(duration(100, 600_000), true),
      write_timeout: field(duration(100, 600_000), true),
    }),
  }),
  logging: section({
    level: field(oneOf(LOG_LEVELS)),
    // The guide's keys; JSON lines on stdout is the only form Actor Core writes (collectors read it).
    format: field(oneOf(['json'] as const)),
    output: field(oneOf(['stdout'] as const)),
    fields: section({
      service: field(nonEmptyText),
      version: field(nonEmptyText, true),
      environment: field(text),
    }),
  }),
  monitoring: section({
    prometheus: section({
      enabled: field(flag),
      // Only the guide's value: deploy/'s scrape configs, probes and HAProxy's deny rule name it.
      path: field(oneOf(['/metrics'] as const)),
      worker_sidecar_port: field(port(true)),
    }),
    tracing: section({
      enabled: field(flag),
      endpoint: field(url(['http:', 'https:']), true),
      service_name: field(text),
    }),
  }),
  // BullMQ joins prefix, name and job ids with ':', so neither may contain one.
  queue: section({
    name: field(matching(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . -')),
    prefix: field(matching(/^[A-Za-z0-9_.{}-]+$/, 'letters, digits, _ . - { }')),
    batch_size: field(integer(1, 10_000)),
    attempts: field(integer(1, 100)),
    backoff_ms: field(MS),
  }),
  worker: section({
    concurrency: field(integer(1, WORKER_MAX.concurrency)),
    threads: field(threadCount(WORKER_MAX.threads)),
    lane: field(oneOf(WORKER_LANES)),
    shutdown_timeout_ms: field(MS),
    lock_duration_ms: field(MS),
    stalled_interval_ms: field(MS),
    warm_up_ms: field(integer(0, 60_000)),
  }),
  security: section({
    jwt_secret: field(jwtSecret, true),
    jwks_url: field(url(['https:', 'http:']), true),
    issuer: field(nonEmptyText),
    audience: field(nonEmptyText),
    open_ops_endpoints: field(flag),
    rate_limit: section({ window_ms: field(MS), max: field(integer(1, 10_000_000)) }),
    encryption_key: field(encryptionKey, true),
  }),
});

export type ConfigTree = z.output<typeof configSchema>;

/**
 * Keys of the production guide's config/production.yaml that Actor Core has no use for, with the reason
 * and what to write instead: more use to an operator pasting the guide's file than "is not a setting".
 */
const GUIDE_KEYS_WITHOUT_USE: Readonly<Record<string, string>> = {
  'cache.redis.pool_size':
    'does not apply: ioredis sends every command of a process over one pipelined connection per role (cache, queue, rate limit); remove it',
  'cache.redis.min_idle_connections':
    'does not apply: ioredis sends every command of a process over one pipelined connection per role (cache, queue, rate limit); remove it',
  'monitoring.prometheus.port':
    'does not apply: the API serves the metrics on server.port and each worker on monitoring.prometheus.worker_sidecar_port; remove it',
  'monitoring.jaeger':
    'is monitoring.tracing here: enabled, endpoint (OTLP/HTTP, which Jaeger takes on :4318, e.g. http://jaeger:4318/v1/traces) and service_name',
};

/** The keys a mapping at `path` may have, for "is not a setting" messages. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let node: unknown = configSchema;
  for (const key of path) {
    node = node instanceof z.ZodObject ? (node.shape as Record<string, unknown>)[String(key)] : undefined;
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/**
 * Validates the merged tree. Problems at `skip` paths (an unresolved `${VAR}`, already reported) are
 * left out, so each cause is reported once.
 */
export function validateTree(
  tree: Tree,
  origins: Origins,
  skip: ReadonlySet<string>,
): { config?: ConfigTree; problems: ConfigProblem[] } {
  const result = configSchema.safeParse(tree);
  if (result.success) return { config: result.data, problems: [] };
  const skipped = (at: string): boolean => [...skip].some((s) => at === s || at.startsWith(`${s}.`));
  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    const at = dotted(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(issue.path);
      const within = at === '' ? 'sections are' : `${at} has`;
      for (const key of issue.keys) {
        const keyAt = at === '' ? key : `${at}.${key}`;
        const reason = GUIDE_KEYS_WITHOUT_USE[keyAt] ?? `is not a setting (${within} ${known.join(', ')})`;
        problems.push(origins.problem(keyAt, reason));
      }
    } else if (!skipped(at)) {
      problems.push(origins.problem(at, issue.message));
    }
  }
  return { problems };
}

function given(section: unknown, key: string): boolean {
  return isMapping(section) && !blank(section[key]);
}

/** Checks across fields, on the raw tree so that they are reported along with the field problems. */
export function crossCheck(tree: Tree, origins: Origins): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const cache = tree.cache;
  const places: Array<[string, unknown, readonly string[]]> = [
    ['database', tree.database, ['host', 'port', 'name', 'user', 'password', 'ssl_mode']],
    [
      'cache.redis',
      isMapping(cache) ? cache.redis : undefined,
      ['host', 'port', 'user', 'password', 'db', 'tls'],
    ],
  ];
  for (const [at, node, parts] of places) {
    const present = parts.filter((part) => given(node, part));
    if (given(node, 'url') && present.length > 0) {
      const names = present.map((p) => `${at}.${p}`).join(', ');
      problems.push(
        origins.problem(`${at}.url`, `and ${names} are both given: give the URL or its parts, not both`),
      );
    } else if (present.length > 0 && !given(node, 'host')) {
      const names = present.map((p) => `${at}.${p}`).join(', ');
      const verb = present.length > 1 ? 'are' : 'is';
      problems.push(
        origins.problem(`${at}.host`, `is missing: ${names} ${verb} given without it`, `${at}.${present[0]}`),
      );
    }
  }
  if (given(tree.database, 'password') && !given(tree.database, 'user')) {
    problems.push(origins.problem('database.password', 'is given without database.user'));
  }
  return problems;
}
