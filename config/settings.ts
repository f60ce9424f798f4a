/**
 * The process configuration, read from the environment once (here and nowhere else) and validated:
 * every problem names the variable. Components receive the values they need; none reads process.env.
 */
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
}

export const DEFAULT_SETTINGS = {
  databasePoolMax: 10,
  redisKeyPrefix: 'actor-core',
  cacheTtlSeconds: 3600,
} as const;

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
  };
}

/** The URL a command cannot run without, or an error naming the variable. */
export function required(value: string | undefined, variable: 'DATABASE_URL' | 'REDIS_URL'): string {
  if (value === undefined) invalid(variable, 'is not set; this command needs it');
  return value;
}
