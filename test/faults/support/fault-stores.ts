/**
 * The servers of the fault suite, owned by it: a private PostgreSQL and a private Redis with AOF (as
 * deploy/redis.conf), both restartable on the same port with the same data, migrated and seeded once
 * with the standard workload; each scenario then resets the snapshots and uses a queue of its own.
 */
import type pg from 'pg';
import { createPgPool, migrateDatabase, plaintextCodec } from '../../../src/adapters/pg';
import { generatedActorLines } from '../../../src/demo/workload';
import {
  startLocalPostgres,
  startLocalRedis,
  type LocalPostgres,
  type LocalRedis,
} from '../../../src/local-services';
import { loadRegistries, type LoadedRegistries } from '../../../src/registry';
import { seedActors } from '../../../src/seed/seed-actors';

export interface FaultStores {
  postgres: LocalPostgres;
  redis: LocalRedis;
  /** The test's own pool (its idle connections are dropped quietly when Postgres restarts). */
  pool: pg.Pool;
  /** The registries the workers load by default (config/registry.yaml, config/cap-layers.yaml). */
  registries: LoadedRegistries;
  /** Every seeded actor id, in id order. */
  ids: string[];
  seedSeconds: number;
  /** Closes the pool and stops both servers (their temporary folders are removed). */
  stop(): Promise<void>;
}

export const log = (line: string): void => void process.stderr.write(`[faults] ${line}\n`);

export async function startFaultStores(actors: number): Promise<FaultStores> {
  const opened: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const close of opened.reverse()) await close().catch(() => undefined);
  };
  try {
    // Full durability on both: these tests crash the servers and assert that nothing was lost.
    const [postgres, redis] = await Promise.all([
      startLocalPostgres({ log }),
      startLocalRedis({ appendOnly: true, log }),
    ]);
    opened.push(
      () => postgres.stop(),
      () => redis.stop(),
    );
    const pool = createPgPool({ url: postgres.url, max: 4, applicationName: 'fault-suite' });
    opened.push(() => pool.end());
    await migrateDatabase(pool);
    const registries = loadRegistries({});
    const started = Date.now();
    const seeded = await seedActors({
      pool,
      lines: generatedActorLines(actors),
      registries: registries.compiled,
      codec: plaintextCodec,
    });
    const seedSeconds = (Date.now() - started) / 1000;
    log(`seeded ${seeded.actors} standard actors in ${seedSeconds.toFixed(1)} s`);
    const rows = await pool.query<{ id: string }>('SELECT id FROM actors ORDER BY id');
    return {
      postgres,
      redis,
      pool,
      registries,
      ids: rows.rows.map((row) => row.id),
      seedSeconds,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
