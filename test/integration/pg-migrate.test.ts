/** `actor-core migrate` and the schema it creates, against a real Postgres. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type pg from 'pg';
import { createPgPool, migrateDatabase } from '../../src/adapters/pg';
import { freshDatabase, type FreshDatabase } from '../support/databases';
import { assertBuilt, runCliAsync } from '../support/cli';
import { repoRoot } from '../support/shared';

/** Every migration drizzle-kit recorded (migrations/meta/_journal.json). */
const MIGRATIONS = (
  JSON.parse(fs.readFileSync(path.join(repoRoot, 'migrations', 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  }
).entries.length;

let db: FreshDatabase;

beforeAll(assertBuilt);
beforeEach(async () => {
  db = await freshDatabase('migrate');
});
afterEach(async () => {
  await db.drop();
});

async function withPool<T>(work: (pool: ReturnType<typeof createPgPool>) => Promise<T>): Promise<T> {
  const pool = createPgPool({ url: db.url, max: 4 });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/** Waits (up to 10 s) for another session to run a query LIKE `pattern`, then kills it: how many. */
async function terminateWhenRunning(db: Pick<pg.Pool, 'query'>, pattern: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const result = await db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE $1`,
      [pattern],
    );
    if ((result.rowCount ?? 0) > 0) return result.rowCount!;
  }
  return 0;
}

describe('migrate', () => {
  it('creates the tables, the guide’s indexes and the updated_at triggers on an empty database', async () => {
    await withPool(async (pool) => {
      expect(await migrateDatabase(pool)).toEqual({ applied: MIGRATIONS, newlyApplied: MIGRATIONS });
      const tables = await pool.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual([
        'actor_inputs',
        'actor_version_floors',
        'actors',
        'resolution_errors',
        'snapshots',
        'subsystems',
      ]);
      const indexes = await pool.query(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
      );
      const byName = new Map(indexes.rows.map((r) => [r.indexname as string, r.indexdef as string]));
      expect(byName.get('idx_actors_version')).toMatch(/btree \(version\)/);
      expect(byName.get('idx_subsystems_actor_id')).toMatch(/btree \(actor_id\)/);
      expect(byName.get('idx_subsystems_system_id')).toMatch(/btree \(system_id\)/);
      expect(byName.get('idx_actors_data_gin')).toMatch(/USING gin \(data\)/);
      expect(byName.get('idx_subsystems_data_gin')).toMatch(/USING gin \(data\)/);
      expect(byName.get('subsystems_actor_system_unique')).toMatch(/UNIQUE.*\(actor_id, system_id\)/);
      const triggers = await pool.query(
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'update_%' ORDER BY 1",
      );
      expect(triggers.rows.map((r) => r.tgname)).toEqual([
        'update_actors_updated_at',
        'update_subsystems_updated_at',
      ]);
      // The guide's jsonb where data is queried; snapshots are kept as the JSON text written (json).
      const types = await pool.query(
        `SELECT table_name || '.' || column_name AS col, data_type FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name IN ('data', 'snapshot') ORDER BY 1`,
      );
      expect(types.rows).toEqual([
        { col: 'actors.data', data_type: 'jsonb' },
        { col: 'snapshots.snapshot', data_type: 'json' },
        { col: 'subsystems.data', data_type: 'jsonb' },
      ]);
    });
  });

  it('applies nothing the second time', async () => {
    await withPool(async (pool) => {
      await migrateDatabase(pool);
      expect(await migrateDatabase(pool)).toEqual({ applied: MIGRATIONS, newlyApplied: 0 });
    });
  });

  it('is safe from two processes at once: one applies, the other waits and finds the schema current', async () => {
    const [a, b] = await Promise.all([
      runCliAsync(['migrate'], { DATABASE_URL: db.url }),
      runCliAsync(['migrate'], { DATABASE_URL: db.url }),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect([a.stderr, b.stderr]).toEqual(['', '']);
    const applied = [a.stdout, b.stdout].map((out) => Number(/(\d+) applied now/.exec(out)![1]));
    expect(applied.sort((x, y) => x - y)).toEqual([0, MIGRATIONS]);
  });

  it('keeps updated_at current on UPDATE through the trigger', async () => {
    await withPool(async (pool) => {
      await migrateDatabase(pool);
      await pool.query(
        "INSERT INTO actors (id, version, data, updated_at) VALUES ('a', 1, '{}', now() - interval '1 day')",
      );
      await pool.query("UPDATE actors SET version = 2 WHERE id = 'a'");
      const row = await pool.query(
        "SELECT updated_at > now() - interval '1 minute' AS fresh FROM actors WHERE id = 'a'",
      );
      expect(row.rows[0].fresh).toBe(true);
    });
  });

  it('over a table it did not create (the guide’s hand-made schema), exits 2 naming the statement and Postgres’ reason, applying nothing', async () => {
    await withPool((pool) => pool.query('CREATE TABLE actors (id varchar(255) PRIMARY KEY)'));
    const result = await runCliAsync(['migrate'], { DATABASE_URL: db.url });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^actor-core: MIGRATION_FAILED: migration failed at "CREATE TABLE "actors" .*": 42P07 relation "actors" already exists; /,
      ),
    ]);
    await withPool(async (pool) => {
      const applied = await pool.query("SELECT to_regclass('public.snapshots') IS NULL AS none");
      expect(applied.rows[0].none).toBe(true);
    });
  });

  it('reports a connection lost mid-migration as retryable (exit 3), without crashing', async () => {
    // Another session holds the migration lock, so the migration waits on it; then its backend is killed.
    const holder = createPgPool({ url: db.url, max: 1 });
    const held = await holder.connect();
    try {
      await held.query('SELECT pg_advisory_lock($1, $2)', [0x41435f4d, 1]);
      const run = runCliAsync(['migrate'], { DATABASE_URL: db.url });
      expect(await terminateWhenRunning(held, '%pg_advisory_lock%')).toBe(1);
      const result = await run;
      expect(result.code).toBe(3);
      expect(result.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^actor-core: STORE_UNAVAILABLE: Postgres unavailable while migrating: /),
      ]);
    } finally {
      held.release();
      await holder.end();
    }
  });

  it('reports a connection lost inside a migration statement as retryable, on one line', async () => {
    // A migration of its own that runs long enough to be killed while drizzle's transaction is open.
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'actor-core-slow-migration-'));
    try {
      fs.mkdirSync(path.join(folder, 'meta'));
      fs.writeFileSync(path.join(folder, '0000_slow.sql'), 'SELECT pg_sleep(30);');
      fs.writeFileSync(
        path.join(folder, 'meta', '_journal.json'),
        JSON.stringify({
          version: '7',
          dialect: 'postgresql',
          entries: [{ idx: 0, version: '7', when: 1_700_000_000_000, tag: '0000_slow', breakpoints: true }],
        }),
      );
      await withPool(async (pool) => {
        const outcome = migrateDatabase(pool, folder).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(await terminateWhenRunning(pool, '%pg_sleep(30)%')).toBe(1);
        const err = (await outcome) as Error & { code?: string };
        expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE' });
        expect(err.message).toMatch(/^Postgres unavailable while migrating: /);
        expect(err.message).not.toContain('\n');
      });
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('exits 2 naming DATABASE_URL when it is not set', async () => {
    const result = await runCliAsync(['migrate'], { DATABASE_URL: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/INVALID_CONFIG: DATABASE_URL is not set/);
  });

  it('exits 3 (retry later) when Postgres does not answer', async () => {
    const result = await runCliAsync(['migrate'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/STORE_UNAVAILABLE: Postgres unavailable/);
  });
});
