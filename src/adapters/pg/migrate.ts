/**
 * Applies the SQL migrations of migrations/ (drizzle-kit's journal) under a Postgres advisory lock:
 * drizzle's migrator has none, so two processes migrating at once (two pods starting) would race on
 * creating the same tables. With the lock the second one waits, then finds nothing left to do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { ActorCoreError } from '../../core/errors';
import { isTransientPgError, rethrowPgError } from './pg-pool';

/** The package's migrations/ folder, found from both src/ and dist/src/. */
export const MIGRATIONS_DIR =
  [path.resolve(__dirname, '../../../migrations'), path.resolve(__dirname, '../../../../migrations')].find(
    (dir) => fs.existsSync(path.join(dir, 'meta', '_journal.json')),
  ) ?? path.resolve(__dirname, '../../../migrations');

/** An arbitrary, fixed lock id ("actor-core migrate"); two int4 keys keep it apart from other apps' locks. */
const LOCK_CLASS = 0x41435f4d; // 'AC_M'
const LOCK_ID = 1;

export interface MigrationResult {
  /** Migrations recorded as applied after the run. */
  applied: number;
  /** How many this run applied (0 when the database was already current). */
  newlyApplied: number;
}

async function countApplied(client: pg.PoolClient): Promise<number> {
  const exists = await client.query<{ present: boolean }>(
    "SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present",
  );
  if (!exists.rows[0]!.present) return 0;
  const result = await client.query<{ n: string }>('SELECT count(*) AS n FROM drizzle.__drizzle_migrations');
  return Number(result.rows[0]!.n);
}

/**
 * The errors behind drizzle's wrappers, outermost first: "Failed query: …" carries the pg error as its
 * `cause`, and a failed rollback after a lost connection wraps the error that lost it.
 */
function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [err];
  for (let e = err; e instanceof Error && e.cause !== undefined && chain.length < 8; e = e.cause) {
    chain.push(e.cause);
  }
  return chain;
}

/**
 * A failed migration as one line: the statement it was running (drizzle names it) and what Postgres
 * said, with its SQLSTATE. A lost connection or a timeout anywhere in the chain stays a retryable
 * STORE_UNAVAILABLE: the transaction rolled back with the connection.
 */
function migrationError(err: unknown): never {
  const chain = causeChain(err);
  const innermost = chain[chain.length - 1];
  const transient = chain.find((e) => isTransientPgError(e));
  if (transient !== undefined) return rethrowPgError(transient, 'migrating');
  const cause = chain.find((e) => typeof (e as { code?: unknown } | null)?.code === 'string') ?? innermost;
  const statement = /^Failed query: ([\s\S]*?)\nparams:/.exec(err instanceof Error ? err.message : '')?.[1];
  const code = (cause as { code?: unknown }).code;
  const what = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0];
  const at = statement === undefined ? '' : ` at "${statement.replace(/\s+/g, ' ').trim().slice(0, 80)}"`;
  const error = new ActorCoreError(
    'MIGRATION_FAILED',
    `migration failed${at}: ${typeof code === 'string' ? `${code} ` : ''}${what}; the pending migrations were rolled back, none applied`,
  );
  error.cause = err;
  throw error;
}

export async function migrateDatabase(
  pool: pg.Pool,
  migrationsFolder: string = MIGRATIONS_DIR,
): Promise<MigrationResult> {
  if (!fs.existsSync(path.join(migrationsFolder, 'meta', '_journal.json'))) {
    throw new ActorCoreError('MIGRATION_FAILED', `no drizzle migration journal in ${migrationsFolder}`, {
      file: migrationsFolder,
    });
  }
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    return rethrowPgError(err, 'connecting to migrate');
  }
  // A connection lost mid-migration is reported by the pending query; without a listener, the
  // client's own 'error' event would crash the process.
  client.on('error', () => undefined);
  try {
    // No time bound for a migration (pg-pool.ts bounds ordinary statements): waiting for another
    // process's migration, or rewriting a large table, may take minutes. The client is destroyed after.
    await client.query('SET statement_timeout = 0; SET lock_timeout = 0');
    (
      client as unknown as { connectionParameters: { query_timeout?: number } }
    ).connectionParameters.query_timeout = undefined;
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_CLASS, LOCK_ID]);
    try {
      const before = await countApplied(client);
      await migrate(drizzle(client), { migrationsFolder });
      const after = await countApplied(client);
      return { applied: after, newlyApplied: after - before };
    } finally {
      // On a lost connection this fails too; the lock went with the session, and the first error counts.
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, LOCK_ID]).catch(() => undefined);
    }
  } catch (err) {
    if (err instanceof ActorCoreError) throw err;
    return migrationError(err);
  } finally {
    client.release(true); // its session settings must not go back to the pool
  }
}
