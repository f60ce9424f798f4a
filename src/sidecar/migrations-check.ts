/**
 * Readiness: the schema this build expects is there. drizzle records each applied migration in
 * `drizzle.__drizzle_migrations`; this build's migrations are the entries of migrations/meta/_journal.json.
 * Fewer rows than entries means a migration is missing (a new pod ahead of `actor-core migrate`), and
 * such a process would fail its work, so it must not get traffic yet.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type pg from 'pg';
import { MIGRATIONS_DIR } from '../adapters/pg/migrate';
import { CheckFailure, type HealthCheck } from './health-checks';

/** The number of migrations in a drizzle-kit journal (the folder holding meta/_journal.json). */
export function expectedMigrations(migrationsDir: string = MIGRATIONS_DIR): number {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsDir, 'meta', '_journal.json'), 'utf8')) as {
    entries?: unknown[];
  };
  if (!Array.isArray(journal.entries)) throw new Error(`${migrationsDir}: the journal has no entries`);
  return journal.entries.length;
}

/** How many migrations the database records as applied (0 before the first migrate). */
export async function appliedMigrations(pool: Pick<pg.Pool, 'query'>): Promise<number> {
  // Two statements: a query naming a missing table fails at parse time, whatever a CASE around it says.
  const exists = await pool.query<{ present: boolean }>(
    "SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present",
  );
  if (exists.rows[0]?.present !== true) return 0;
  const result = await pool.query<{ n: string }>('SELECT count(*) AS n FROM drizzle.__drizzle_migrations');
  return Number(result.rows[0]?.n ?? 0);
}

/**
 * Passes when every migration of the journal is applied (more is fine: a newer build migrated first,
 * and migrations only add). The journal is read once, when the check is made.
 */
export function migrationsCheck(pool: Pick<pg.Pool, 'query'>, migrationsDir?: string): HealthCheck {
  const expected = expectedMigrations(migrationsDir);
  return async () => {
    const applied = await appliedMigrations(pool);
    if (applied < expected) {
      throw new CheckFailure(`${applied} of ${expected} migrations applied`, { applied, expected });
    }
    return { applied, expected };
  };
}
