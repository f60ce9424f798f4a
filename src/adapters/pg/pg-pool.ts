/**
 * The pg connection pool of one process, and the classification of pg errors: a lost or refused
 * connection is transient (a retry may succeed), everything else is passed on as it is.
 */
import pg from 'pg';
import { ActorCoreError } from '../../core/errors';

export interface PgPoolOptions {
  url: string;
  /** Connections of this process (settings.databasePoolMax). */
  max: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
  /** Receives errors of idle clients (a server restart); without a listener they would crash the process. */
  onIdleError?: (err: Error) => void;
}

export function createPgPool(options: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    application_name: options.applicationName ?? 'actor-core',
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', (err) => options.onIdleError?.(err));
  return pool;
}

/** Something that runs queries: the pool or one checked-out client (inside a transaction). */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

// SQLSTATE classes and codes that mean "the connection or the server went away", not "bad statement".
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);
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
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message);
}

/** Rethrows a transient pg error as a retryable STORE_UNAVAILABLE, a missing schema as SCHEMA_MISSING; anything else unchanged. */
export function rethrowPgError(err: unknown, doing: string): never {
  if ((err as { code?: unknown } | null)?.code === '42P01') {
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
    await client.query('ROLLBACK').catch(() => undefined); // the connection may be gone already
    return rethrowPgError(lost ?? err, doing);
  } finally {
    client.off('error', onError);
    // A broken connection is destroyed instead of going back to the pool.
    client.release(lost ?? (failed instanceof Error && isTransientPgError(failed) ? failed : undefined));
  }
}
