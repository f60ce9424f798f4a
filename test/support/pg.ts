/** A migrated private database per test file, with a pool on it, for the Postgres integration tests. */
import type pg from 'pg';
import { createPgPool, migrateDatabase } from '../../src/adapters/pg';
import { loadRegistries, type LoadedRegistries } from '../../src/registry';
import { freshDatabase } from './databases';

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  registries: LoadedRegistries;
  /** Closes the pool and drops the database. */
  close(): Promise<void>;
}

export async function migratedDatabase(name: string): Promise<TestDatabase> {
  const db = await freshDatabase(name);
  const pool = createPgPool({ url: db.url, max: 8 });
  await migrateDatabase(pool);
  return {
    url: db.url,
    pool,
    registries: loadRegistries({}),
    close: async () => {
      await pool.end();
      await db.drop();
    },
  };
}

/**
 * A valid SubsystemOutput of `system` with one FLAT contribution to a primary dimension (`luck` for a
 * standard actor whose value must show it: they OVERRIDE strength).
 */
export function outputOf(system: string, value = 10, dimension = 'strength'): Record<string, unknown> {
  return {
    primary: [{ dimension, bucket: 'FLAT', value, system }],
    derived: [],
    caps: [],
    meta: { system },
  };
}
