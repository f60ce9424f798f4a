/**
 * What the worker cluster's stores hold and how tests hold them still: actors' versions, snapshots in
 * Postgres and in Redis, recorded resolution errors, and table locks that stop a job at its load or
 * at its write for as long as a test needs.
 */
import type { Redis } from 'ioredis';
import type pg from 'pg';

/** The actors' current versions in Postgres. */
export async function actorVersions(pool: pg.Pool, ids: readonly string[]): Promise<Map<string, number>> {
  const result = await pool.query<{ id: string; version: string }>(
    'SELECT id, version FROM actors WHERE id = ANY($1::varchar[])',
    [ids],
  );
  return new Map(result.rows.map((row) => [row.id, Number(row.version)]));
}

/**
 * Holds `LOCK TABLE <table> IN <mode> MODE` in an open transaction until the returned function is
 * called: the way these tests keep a job active for as long as they need, instead of racing a job that
 * takes milliseconds. `actors` ACCESS EXCLUSIVE stops a job at its load (every load reads actors);
 * `snapshots` EXCLUSIVE lets it load and resolve (reads pass) and stops it at its Postgres write.
 */
export async function holdTableLock(
  pool: pg.Pool,
  table: 'actors' | 'snapshots',
  mode: 'ACCESS EXCLUSIVE' | 'EXCLUSIVE',
): Promise<() => Promise<void>> {
  const client = await pool.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ${mode} MODE`);
  let released: Promise<void> | undefined;
  return () =>
    (released ??= client
      .query('COMMIT')
      .then(() => undefined)
      .finally(() => client.release()));
}

/** How many of the workers' Postgres sessions on this database are waiting for a lock. */
export async function workerSessionsWaitingOnLocks(pool: pg.Pool): Promise<number> {
  const result = await pool.query(
    `SELECT 1 FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'actor-core-worker'
       AND wait_event_type = 'Lock'`,
  );
  return result.rowCount ?? 0;
}

// What the stores hold

export interface StoredSnapshot {
  version: number;
  registryVersion: string;
  snapshot: unknown;
}

export async function pgSnapshots(
  pool: pg.Pool,
  ids: readonly string[],
): Promise<Map<string, StoredSnapshot>> {
  const result = await pool.query<{
    actor_id: string;
    version: string;
    registry_version: string;
    snapshot: string;
  }>(
    `SELECT actor_id, version, registry_version, snapshot::text AS snapshot
     FROM snapshots WHERE actor_id = ANY($1::varchar[])`,
    [ids],
  );
  return new Map(
    result.rows.map((row) => [
      row.actor_id,
      {
        version: Number(row.version),
        registryVersion: row.registry_version,
        snapshot: JSON.parse(row.snapshot) as unknown,
      },
    ]),
  );
}

/** The cached values `<keyPrefix>:snapshot:<id>` (`{"version":N,"registryVersion":…,"snapshot":…}`). */
export async function redisSnapshots(
  redis: Redis,
  keyPrefix: string,
  ids: readonly string[],
): Promise<Map<string, StoredSnapshot>> {
  const found = new Map<string, StoredSnapshot>();
  if (ids.length === 0) return found;
  const values = await redis.mget(ids.map((id) => `${keyPrefix}:snapshot:${id}`));
  ids.forEach((id, i) => {
    const value = values[i];
    if (typeof value === 'string') found.set(id, JSON.parse(value) as StoredSnapshot);
  });
  return found;
}

/** Rows of resolution_errors by actor. */
export async function resolutionErrors(
  pool: pg.Pool,
): Promise<Map<string, { version: number; code: string; jobId: string | null; error: unknown }>> {
  const result = await pool.query<{
    actor_id: string;
    version: string;
    code: string;
    job_id: string | null;
    error: unknown;
  }>('SELECT actor_id, version, code, job_id, error FROM resolution_errors');
  return new Map(
    result.rows.map((row) => [
      row.actor_id,
      { version: Number(row.version), code: row.code, jobId: row.job_id, error: row.error },
    ]),
  );
}
