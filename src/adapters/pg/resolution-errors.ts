/**
 * The `resolution_errors` table: the last permanent failure of each actor (its outputs failed
 * validation), kept for operators until the actor resolves again.
 *
 * A failure is recorded only while no snapshot of its version or a newer one is stored: a stale job
 * (it loaded version 1 while another job resolved version 2 and wrote its snapshot first) must not
 * leave an error row for an actor that has since resolved.
 */
import type pg from 'pg';
import type { ActorCoreError } from '../../core/errors';
import { runQuery } from './pg-pool';

export interface ResolutionFailure {
  actorId: string;
  version: number;
  /** The ActorCoreError as JSON (`toJSON()`): code, message, subsystem, dimension, field. */
  error: ReturnType<ActorCoreError['toJSON']>;
  jobId?: string;
}

export interface StoredFailure extends ResolutionFailure {
  failedAt: Date;
}

const RECORD_FAILURES = `
  INSERT INTO resolution_errors AS e (actor_id, version, code, error, job_id, failed_at)
  SELECT b.actor_id, b.version, b.error->>'code', b.error, b.job_id, now()
  FROM json_to_recordset($1::json) AS b(actor_id varchar, version bigint, error jsonb, job_id text)
  JOIN actors ON actors.id = b.actor_id
  WHERE NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.actor_id = b.actor_id AND s.version >= b.version)
  ON CONFLICT (actor_id) DO UPDATE
    SET version = excluded.version, code = excluded.code, error = excluded.error,
        job_id = excluded.job_id, failed_at = excluded.failed_at
    WHERE e.version <= excluded.version`;

export async function recordFailures(
  db: pg.Pool | pg.PoolClient,
  failures: readonly ResolutionFailure[],
): Promise<void> {
  if (failures.length === 0) return;
  const rows = failures.map((f) => ({
    actor_id: f.actorId,
    version: f.version,
    error: f.error,
    job_id: f.jobId ?? null,
  }));
  await runQuery(db, `recording ${failures.length} resolution errors`, RECORD_FAILURES, [
    JSON.stringify(rows),
  ]);
}

export async function listFailures(db: pg.Pool | pg.PoolClient, limit = 100): Promise<StoredFailure[]> {
  const result = await runQuery<{
    actor_id: string;
    version: string;
    error: ResolutionFailure['error'];
    job_id: string | null;
    failed_at: Date;
  }>(db, 'listing resolution errors', 'SELECT * FROM resolution_errors ORDER BY failed_at DESC LIMIT $1', [
    limit,
  ]);
  return result.rows.map((row) => ({
    actorId: row.actor_id,
    version: Number(row.version),
    error: row.error,
    ...(row.job_id === null ? {} : { jobId: row.job_id }),
    failedAt: row.failed_at,
  }));
}
