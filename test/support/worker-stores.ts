/**
 * The stores a worker's integration test reads and writes: a migrated private database with an
 * `ActorRepository` on it, a Redis client, and a key prefix of its own for each test. The hooks this
 * registers open them before the file's tests, empty the test's keys after each one, and close them at
 * the end; the fields are set once `beforeAll` has run.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { ActorRepository } from '../../src/adapters/pg';
import { deleteKeysUnder, requiredEnv } from './databases';
import { migratedDatabase, type TestDatabase } from './pg';

export interface WorkerStores {
  db: TestDatabase;
  redis: Redis;
  actors: ActorRepository;
  /** This test's Redis key prefix: `<prefixStem>-<uuid>`. */
  prefix: string;
}

/** Registers the hooks; `database` names the test file's database, `prefixStem` its keys. */
export function useWorkerStores(database: string, prefixStem: string): WorkerStores {
  const stores = {} as WorkerStores;
  beforeAll(async () => {
    stores.db = await migratedDatabase(database);
    stores.actors = new ActorRepository({ pool: stores.db.pool, registries: stores.db.registries.compiled });
    stores.redis = new Redis(requiredEnv('REDIS_URL'), { maxRetriesPerRequest: 1 });
  });
  beforeEach(() => {
    stores.prefix = `${prefixStem}-${randomUUID()}`;
  });
  afterEach(async () => {
    await deleteKeysUnder(stores.redis, stores.prefix);
  });
  afterAll(async () => {
    await stores.redis?.quit();
    await stores.db?.close();
  });
  return stores;
}
