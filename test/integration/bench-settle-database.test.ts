/** The benchmarks' settling of a freshly seeded database (VACUUM ANALYZE + CHECKPOINT), on a real Postgres. */
import { randomBytes } from 'node:crypto';
import { settleDatabase } from '../../bench/settle-database';
import { createPgPool } from '../../src/adapters/pg';
import { freshDatabase, type FreshDatabase } from '../support/databases';

let db: FreshDatabase;
let pool: ReturnType<typeof createPgPool>;

beforeEach(async () => {
  db = await freshDatabase('settle');
  pool = createPgPool({ url: db.url, max: 2 });
  await pool.query('CREATE TABLE seeded (id int PRIMARY KEY, body text)');
  await pool.query(`INSERT INTO seeded SELECT i, repeat('x', 500) FROM generate_series(1, 2000) i`);
});
afterEach(async () => {
  await pool.end();
  await db.drop();
});

/** Checkpoints requested since the server started (PostgreSQL 17 moved the counter to its own view). */
async function requestedCheckpoints(): Promise<number> {
  const { rows: found } = await pool.query<{ own: boolean }>(
    "SELECT to_regclass('pg_catalog.pg_stat_checkpointer') IS NOT NULL AS own",
  );
  const { rows } = await pool.query<{ n: string }>(
    found[0]!.own
      ? 'SELECT num_requested AS n FROM pg_stat_checkpointer'
      : 'SELECT checkpoints_req AS n FROM pg_stat_bgwriter',
  );
  return Number(rows[0]!.n);
}

describe('settleDatabase', () => {
  it('analyzes the seeded tables and has Postgres checkpoint them', async () => {
    const before = await requestedCheckpoints();
    const settled = await settleDatabase(pool);
    expect(settled.checkpoint).toBe('done');
    expect(settled.seconds).toBeGreaterThan(0);
    expect(await requestedCheckpoints()).toBeGreaterThan(before);
    const analyzed = await pool.query<{ at: Date | null }>(
      "SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relname = 'seeded'",
    );
    expect(analyzed.rows[0]!.at).not.toBeNull();
  });

  it('reports a checkpoint it may not request instead of failing, and still vacuums', async () => {
    const role = `settle_${randomBytes(4).toString('hex')}`;
    await pool.query(`CREATE ROLE ${role} NOLOGIN`);
    await pool.query(`ALTER TABLE seeded OWNER TO ${role}`);
    // The same login acting as the new role from its first statement (startup option `role`).
    const url = new URL(db.url);
    url.searchParams.set('options', `-c role=${role}`);
    const limited = createPgPool({ url: url.toString(), max: 1 });
    try {
      const settled = await settleDatabase(limited);
      expect(settled.checkpoint).toBe('not permitted');
      const analyzed = await pool.query<{ at: Date | null }>(
        "SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relname = 'seeded'",
      );
      expect(analyzed.rows[0]!.at).not.toBeNull();
    } finally {
      await limited.end();
      await pool.query(`ALTER TABLE seeded OWNER TO current_user`);
      await pool.query(`DROP ROLE ${role}`);
    }
  });
});
