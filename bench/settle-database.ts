/**
 * A freshly seeded database brought to a steady state before a timed run: statistics gathered and the
 * seed's dirty pages checkpointed. Seeding 20,000 actors writes ~1 GB of WAL, so Postgres starts
 * checkpoints of its own (`max_wal_size`); one was seen still writing through a whole 2-second e2e
 * run (bench/performance-log.md has the pairs that measured it). A run should measure the pipeline, not the
 * seed's aftermath.
 */
import type pg from 'pg';

/** `done`, or why the checkpoint could not run (CHECKPOINT needs superuser or `pg_checkpoint`). */
export type CheckpointOutcome = 'done' | 'not permitted';

export interface SettledDatabase {
  checkpoint: CheckpointOutcome;
  /** How long VACUUM ANALYZE and CHECKPOINT took together. */
  seconds: number;
}

const INSUFFICIENT_PRIVILEGE = '42501';

export async function settleDatabase(pool: pg.Pool): Promise<SettledDatabase> {
  const start = process.hrtime.bigint();
  await pool.query('VACUUM ANALYZE');
  let checkpoint: CheckpointOutcome = 'done';
  try {
    await pool.query('CHECKPOINT');
  } catch (err) {
    if ((err as { code?: unknown }).code !== INSUFFICIENT_PRIVILEGE) throw err;
    checkpoint = 'not permitted';
  }
  return { checkpoint, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}
