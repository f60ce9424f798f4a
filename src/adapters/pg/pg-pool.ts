/**
 * The pg connection pool of one process, and the classification of pg errors: a lost or refused
 * connection, or a statement that ran out of time, is transient (a retry may succeed), everything else
 * is passed on as it is.
 *
 * Every connection is bounded in time, so that a hung or partitioned Postgres fails a statement (a
 * retryable STORE_UNAVAILABLE: the worker parks its job) instead of leaving it `active` forever:
 * - `statement_timeout` (server side, SQLSTATE 57014) and `lock_timeout` (55P03) end a statement that
 *   runs or waits on a lock too long, while the server still answers;
 * - `query_timeout` (client side, "Query read timeout") ends a wait for an answer that never comes (a
 *   silent network); it is longer than the statement timeout, so that a reachable server cancels first;
 * - TCP keepalive lets the kernel find a dead peer of an idle connection.
 */
import pg from 'pg';
import { ActorCoreError } from '../../core/errors';

/** The time bounds of every connection of a pool, in milliseconds; 0 turns one off. */
export interface PgTimeouts {
  /** Server side: the longest a statement may run (Postgres `statement_timeout`). */
  statementTimeoutMs: number;
  /** Server side: the longest a statement may wait for a lock (Postgres `lock_timeout`). */
  lockTimeoutMs: number;
  /** Client side: the longest the client waits for a statement's answer (pg `query_timeout`). */
  queryTimeoutMs: number;
  /** Idle time before the first TCP keepalive probe. */
  keepAliveInitialDelayMs: number;
}

export const DEFAULT_PG_TIMEOUTS: Readonly<PgTimeouts> = Object.freeze({
  statementTimeoutMs: 60_000,
  lockTimeoutMs: 10_000,
  queryTimeoutMs: 75_000,
  keepAliveInitialDelayMs: 10_000,
});

/** Postgres stores its timeouts as int4 milliseconds. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** The defaults with `given` over them, each checked: an integer from 0 (off) to 2^31 - 1 ms. */
export function pgTimeouts(given: Partial<PgTimeouts> = {}): PgTimeouts {
  const timeouts = { ...DEFAULT_PG_TIMEOUTS };
  for (const key of Object.keys(DEFAULT_PG_TIMEOUTS) as (keyof PgTimeouts)[]) {
    const value = given[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0 || value > MAX_TIMEOUT_MS) {
      throw new ActorCoreError(
        'INVALID_CONFIG',
        `Postgres ${key} must be an integer from 0 (off) to ${MAX_TIMEOUT_MS} ms, got ${String(value)}`,
        { field: key },
      );
    }
    timeouts[key] = value;
  }
  const { statementTimeoutMs: statement, queryTimeoutMs: query } = timeouts;
  if (query !== 0 && (statement === 0 || query <= statement)) {
    // The server's cancel (a clean 57014 on a live connection) must come before the client gives up.
    throw new ActorCoreError(
      'INVALID_CONFIG',
      `Postgres queryTimeoutMs (${query}) must be longer than statementTimeoutMs (${statement}) when both are on`,
      { field: 'queryTimeoutMs' },
    );
  }
  return timeouts;
}

export interface PgPoolOptions {
  url: string;
  /** Connections of this process (settings.databasePoolMax). */
  max: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
  /** Receives errors of idle clients (a server restart); without a listener they would crash the process. */
  onIdleError?: (err: Error) => void;
  /** Time bounds over DEFAULT_PG_TIMEOUTS (checked by pgTimeouts). */
  timeouts?: Partial<PgTimeouts>;
  /** Connections kept open while idle (settings.databasePool.idleKept, pg's `min`); default 0. */
  idleKept?: number | undefined;
  /** A connection is closed and replaced after this long (settings.databasePool.maxLifetimeSeconds). */
  maxLifetimeSeconds?: number | undefined;
}

export function createPgPool(options: PgPoolOptions): pg.Pool {
  const timeouts = pgTimeouts(options.timeouts);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    application_name: options.applicationName ?? 'actor-core',
    connectionTimeoutMillis: 10_000,
    // pg sends these two as startup parameters when they are set (0 is "off" in Postgres too).
    statement_timeout: timeouts.statementTimeoutMs,
    lock_timeout: timeouts.lockTimeoutMs,
    // pg reads 0 as "no timeout" here.
    query_timeout: timeouts.queryTimeoutMs,
    keepAlive: timeouts.keepAliveInitialDelayMs > 0,
    keepAliveInitialDelayMillis: timeouts.keepAliveInitialDelayMs,
    // Never more kept than the pool may hold; the others close after pg's 10 s of idleness.
    min: Math.min(options.idleKept ?? 0, options.max),
    ...(options.maxLifetimeSeconds === undefined ? {} : { maxLifetimeSeconds: options.maxLifetimeSeconds }),
  });
  pool.on('error', (err) => options.onIdleError?.(err));
  return pool;
}

/** Something that runs queries: the pool or one checked-out client (inside a transaction). */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

// SQLSTATE classes and codes that mean "the connection or the server went away" or "out of time" (a
// statement or lock timeout, 57014 / 55P03: a busy or hung server), not "bad statement".
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01', '57014', '55P03']);
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

export function isTransientPgError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || TRANSIENT_SQLSTATES.has(code) || TRANSIENT_NODE_CODES.has(code)) return true;
  }
  const message = err instanceof Error ? err.message : '';
  // "Query read timeout": pg's client gave up waiting for an answer (query_timeout).
  return /Connection terminated|connection timeout|Client has encountered a connection error|Query read timeout/i.test(
    message,
  );
}

/**
 * SQLSTATEs that say the connection settings are wrong, not that the server is away: no such database
 * (3D000) or schema (3F000), a role that does not exist or may not log in (28000), a wrong password
 * (28P01), a role without the privileges it needs (42501). Retrying never helps; the operator must fix
 * DATABASE_URL or the role.
 */
const CONFIGURATION_SQLSTATES = new Set(['3D000', '3F000', '28000', '28P01', '42501']);

/**
 * Rethrows a transient pg error as a retryable STORE_UNAVAILABLE, a missing schema as SCHEMA_MISSING,
 * wrong connection settings as a permanent INVALID_CONFIG; anything else unchanged.
 */
export function rethrowPgError(err: unknown, doing: string): never {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONFIGURATION_SQLSTATES.has(code)) {
    // Postgres's own message names the database, role or object; it never holds the password.
    const reason = err instanceof Error ? err.message : String(err);
    const error = new ActorCoreError(
      'INVALID_CONFIG',
      `Postgres refused while ${doing}: ${reason} (SQLSTATE ${code}); check DATABASE_URL and the role`,
      { field: 'DATABASE_URL' },
    );
    error.cause = err;
    throw error;
  }
  if (code === '42P01') {
    // undefined_table: the schema was never created here.
    throw new ActorCoreError(
      'SCHEMA_MISSING',
      `the database has no Actor Core schema (${(err as Error).message}) while ${doing}: run "actor-core migrate" first`,
    );
  }
  if (isTransientPgError(err)) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ActorCoreError(
      'STORE_UNAVAILABLE',
      `Postgres unavailable while ${doing}: ${reason}`,
      {},
      false,
    );
  }
  throw err;
}

/** One statement on the pool, with transient errors made retryable. */
export async function runQuery<R extends pg.QueryResultRow>(
  db: Queryable,
  doing: string,
  text: string,
  values?: unknown[],
): Promise<pg.QueryResult<R>> {
  try {
    return await db.query<R>(text, values);
  } catch (err) {
    return rethrowPgError(err, doing);
  }
}

/** Runs `work` in one transaction on one client; rolls back on any error. */
export async function withTransaction<T>(
  pool: pg.Pool,
  doing: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    return rethrowPgError(err, doing);
  }
  // A checked-out client has no pool listener: without ours, a connection lost while `work` awaits
  // something else (the next input line of a seed) would be an unhandled 'error' event and crash.
  let lost: Error | undefined;
  const onError = (err: Error): void => {
    lost ??= err;
  };
  client.on('error', onError);
  let failed: unknown;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    failed = err;
    // A transient failure (a lost connection, a timeout) destroys the client below, which ends the
    // transaction on the server: a ROLLBACK on a hung connection would only wait out another timeout.
    if (lost === undefined && !isTransientPgError(err)) await client.query('ROLLBACK').catch(() => undefined);
    return rethrowPgError(lost ?? err, doing);
  } finally {
    client.off('error', onError);
    // A broken connection is destroyed instead of going back to the pool.
    client.release(lost ?? (failed instanceof Error && isTransientPgError(failed) ? failed : undefined));
  }
}
