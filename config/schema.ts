/**
 * The shape of the configuration (default.yaml, <ENV>.yaml / CONFIG_FILE, then environment variables)
 * as a zod schema. Values from variables arrive as text and values from `${VAR}` too, so every number
 * and flag also accepts its text form. Each field's message reads after a name: the loader puts the
 * variable or `file: yaml.path` in front (`PORT must be a port number …`), and every problem is kept.
 * Secrets are never quoted back.
 */
import { z } from 'zod';
import { parseKeyRing } from '../src/adapters/crypto/key-ring';
import { MIN_SECRET_BYTES } from '../src/api/auth/token-verifier';
import { isActorCoreError } from '../src/core/errors';
import type { ConfigProblem } from './config-error';
import { usableCpus } from './usable-cpus';
import type { Origins } from './origins';
import { isMapping, type Tree } from './tree';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** pg's sslmode values (pg-connection-string); `require` is treated as `verify-full` by pg, with a warning. */
export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'] as const;

class Invalid {
  constructor(readonly message: string) {}
}

/** What a rejected value was, short: text is quoted, so `"0"` from a variable differs from 0 in YAML. */
function got(raw: unknown): string {
  if (raw === null) return 'got an empty value';
  if (Array.isArray(raw)) return 'got a list';
  if (typeof raw === 'object') return 'got a mapping';
  return `got ${JSON.stringify(raw)}`;
}

function blank(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
}

/** A field parsed by `parse`; required fields report "is missing", optional ones give undefined. */
function field<T>(parse: (raw: unknown) => T | Invalid): z.ZodType<T>;
function field<T>(parse: (raw: unknown) => T | Invalid, optional: true): z.ZodType<T | undefined>;
function field<T>(parse: (raw: unknown) => T | Invalid, optional = false): z.ZodType<T | undefined> {
  const parsed = z.unknown().transform((raw, ctx) => {
    if (optional && blank(raw)) return undefined;
    if (raw === undefined) {
      ctx.addIssue({ code: 'custom', message: 'is missing' });
      return z.NEVER;
    }
    const value = parse(typeof raw === 'string' ? raw.trim() : raw);
    if (!(value instanceof Invalid)) return value;
    ctx.addIssue({ code: 'custom', message: value.message });
    return z.NEVER;
  });
  // zod 4 rejects an undefined result for a key unless the schema is marked optional.
  return optional ? parsed.optional() : parsed;
}

function integerOf(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? raw : undefined;
  return typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

const integer = (min: number, max: number): ((raw: unknown) => number | Invalid) => {
  return (raw) => {
    const n = integerOf(raw);
    return n !== undefined && n >= min && n <= max
      ? n
      : new Invalid(`must be an integer from ${min} to ${max}, ${got(raw)}`);
  };
};

const port = (allowZero = false): ((raw: unknown) => number | Invalid) => {
  return (raw) => {
    const n = integerOf(raw);
    return n !== undefined && n >= (allowZero ? 0 : 1) && n <= 65535
      ? n
      : new Invalid(`must be a port number (${allowZero ? 0 : 1} to 65535), ${got(raw)}`);
  };
};

function flag(raw: unknown): boolean | Invalid {
  if (typeof raw === 'boolean') return raw;
  const text = typeof raw === 'string' || typeof raw === 'number' ? String(raw).toLowerCase() : '';
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  return new Invalid(`must be true or false, ${got(raw)}`);
}

/** Plain text; numbers are accepted for names (`name: 2024`), since YAML reads them as numbers. */
function text(raw: unknown): string | Invalid {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  return new Invalid(`must be text, ${got(raw)}`);
}

/** Text that is not empty: an empty `iss`/`aud` would make jose skip comparing the token's claim. */
function nonEmptyText(raw: unknown): string | Invalid {
  const value = text(raw);
  if (value instanceof Invalid) return value;
  return value === '' ? new Invalid('must not be empty') : value;
}

/** A secret: text only (a number would lose leading zeros) and never echoed. */
function secret(raw: unknown): string | Invalid {
  return typeof raw === 'string'
    ? raw
    : new Invalid('must be text (quote it in YAML); its value is not shown');
}

/** The HS256 secret: checked here too, so that `migrate` refuses what `api` would fail to start with. */
function jwtSecret(raw: unknown): string | Invalid {
  const value = secret(raw);
  if (value instanceof Invalid) return value;
  return Buffer.byteLength(value, 'utf8') >= MIN_SECRET_BYTES
    ? value
    : new Invalid(
        `must be at least ${MIN_SECRET_BYTES} bytes (HS256 needs a 256-bit key); its value is not shown`,
      );
}

/** The key ring text, parsed once here to be checked (the adapter parses it again where it is used). */
function encryptionKey(raw: unknown): string | Invalid {
  const value = secret(raw);
  if (value instanceof Invalid) return value;
  try {
    parseKeyRing(value);
    return value;
  } catch (err) {
    if (!isActorCoreError(err)) throw err;
    // The key ring's messages start with the variable's name; the loader puts the real origin in front.
    return new Invalid(err.message.replace(/^ENCRYPTION_KEY /, ''));
  }
}

const matching = (pattern: RegExp, what: string): ((raw: unknown) => string | Invalid) => {
  return (raw) => {
    const value = text(raw);
    if (value instanceof Invalid) return value;
    return pattern.test(value) ? value : new Invalid(`must be ${what}, ${got(raw)}`);
  };
};

/** Which queues a worker process serves (see WorkerSettings.lane). */
export const WORKER_LANES = ['all', 'bulk', 'interactive'] as const;

const oneOf = <T extends string>(values: readonly T[]): ((raw: unknown) => T | Invalid) => {
  return (raw) =>
    (values as readonly unknown[]).includes(raw)
      ? (raw as T)
      : new Invalid(`must be one of ${values.join(', ')}, ${got(raw)}`);
};

/**
 * A URL with one of `protocols` and a host. Only the protocol is ever echoed: URLs carry passwords.
 * (A Postgres URL may name a Unix socket folder as `?host=/path` instead.) `check` adds what a scheme
 * needs of the rest.
 */
const url = (
  protocols: readonly string[],
  check: (parsed: URL) => string | undefined = () => undefined,
): ((raw: unknown) => string | Invalid) => {
  return (raw) => {
    if (typeof raw !== 'string') return new Invalid(`must be a URL (${protocols.join(' or ')}) in text`);
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      return new Invalid(`must be a URL (${protocols.join(' or ')}), got something that does not parse`);
    }
    if (!protocols.includes(parsed.protocol)) {
      return new Invalid(`must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
    }
    if (parsed.hostname === '' && !parsed.searchParams.has('host')) {
      return new Invalid(`must name a host (${parsed.protocol}//HOST…), got none`);
    }
    const wrong = check(parsed);
    return wrong === undefined ? raw : new Invalid(wrong);
  };
};

/** The most a worker process takes, whether from the configuration or the worker command's flags. */
export const WORKER_MAX = { concurrency: 1000, threads: 256 } as const;

/** `auto`: one resolve thread per CPU the process may use (its cgroup CPU limit included). */
function threads(raw: unknown): number | Invalid {
  if (raw === 'auto') return usableCpus();
  const n = integer(1, WORKER_MAX.threads)(raw);
  return n instanceof Invalid
    ? new Invalid(`must be an integer from 1 to ${WORKER_MAX.threads} (or auto), ${got(raw)}`)
    : n;
}

/**
 * Which proxies' X-Forwarded-For to believe, as Express's `trust proxy` takes it: false (none, the
 * default: a client could forge its address and dodge the per-IP rate limit), true (any), a hop count,
 * or a comma-separated list of addresses, subnets (10.0.0.0/8) and Express's names (loopback,
 * linklocal, uniquelocal).
 */
export type TrustProxy = boolean | number | string[];

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
const PROXY_ADDRESS = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)(?:\/\d{1,3})?$/;

function trustProxy(raw: unknown): TrustProxy | Invalid {
  const asFlag = flag(raw);
  if (!(asFlag instanceof Invalid)) return asFlag;
  const hops = integerOf(raw);
  if (hops !== undefined) return hops;
  if (typeof raw !== 'string')
    return new Invalid(`must be true, false, a hop count or a list of addresses, ${got(raw)}`);
  const entries = raw.split(',').map((entry) => entry.trim());
  const wrong = entries.find((entry) => !PROXY_NAMES.includes(entry) && !PROXY_ADDRESS.test(entry));
  return wrong === undefined
    ? entries
    : new Invalid(
        `must be true, false, a hop count, or addresses/subnets and ${PROXY_NAMES.join(', ')} separated by commas; ${JSON.stringify(wrong)} is none of these`,
      );
}

/** A Redis URL's path is its database number, as `cache.redis.db` allows it: `/`, or `/0` to `/1000`. */
function redisDatabasePath(parsed: URL): string | undefined {
  const db = parsed.pathname.replace(/^\//, '');
  if (db === '' || (/^\d{1,4}$/.test(db) && Number(db) <= 1000)) return undefined;
  // Not quoted: a password holding a '/' after digits parses as port and path, and would show here.
  return 'must end in a database number from 0 to 1000 (/0 … /1000) or nothing, got a path that is not one';
}

const HOST = matching(/^(?:[A-Za-z0-9_.-]+|\[?[0-9A-Fa-f:.]+\]?)$/, 'a host name or IP address');
const MS = integer(1, 3_600_000);

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A duration as the guide writes them ("30s", "1h", "250ms") or a number of ms, to whole ms within bounds. */
/** `whole.fraction` units in ms, exactly (16.1 s is 16100, not 16100.000000000002); NaN if not whole ms. */
function exactMs(whole: string, fraction: string, unitMs: number): number {
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(whole) * scale + BigInt(fraction === '' ? 0 : fraction)) * BigInt(unitMs);
  return scaled % scale === 0n ? Number(scaled / scale) : NaN;
}

const duration = (min: number, max: number): ((raw: unknown) => number | Invalid) => {
  const bounds = `from ${min} ms to ${max / 1000} s`;
  return (raw) => {
    let ms: number | undefined;
    if (typeof raw === 'number') ms = raw;
    else if (typeof raw === 'string') {
      const match = /^(\d{1,12})(?:\.(\d{1,9}))?(ms|s|m|h)?$/.exec(raw);
      if (match !== null)
        ms = exactMs(match[1]!, match[2] ?? '', UNIT_MS[(match[3] ?? 'ms') as keyof typeof UNIT_MS]);
    }
    return ms !== undefined && Number.isInteger(ms) && ms >= min && ms <= max
      ? ms
      : new Invalid(
          `must be a duration ${bounds} like "30s", "1m" or "250ms" (or a number of ms), ${got(raw)}`,
        );
  };
};

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
    threads: field(threads),
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
