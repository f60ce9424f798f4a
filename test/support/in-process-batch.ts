/**
 * What `resolveBatch` needs, in process: the test database, a snapshot cache under `keyPrefix`, and
 * chunks resolved on this thread (or by `resolveChunk`, to hold or fail one), for the tests that drive
 * a batch without a worker process.
 */
import type { Redis } from 'ioredis';
import { SnapshotRepository } from '../../src/adapters/pg';
import { SnapshotCache } from '../../src/adapters/redis';
import type { StoreChunkResult, StoreTask } from '../../src/pool/messages';
import { runStoreTask } from '../../src/pool/run-store-task';
import type { BatchDependencies } from '../../src/worker/resolve-batch';
import type { TestDatabase } from './pg';

export function inProcessBatch(
  db: TestDatabase,
  redis: Redis,
  keyPrefix: string,
  resolveChunk: (task: StoreTask) => Promise<StoreChunkResult> = async (task) =>
    runStoreTask(task, db.registries.compiled),
): BatchDependencies & { cache: SnapshotCache } {
  return {
    pool: db.pool,
    snapshots: new SnapshotRepository(db.pool),
    cache: new SnapshotCache({ redis, keyPrefix, ttlSeconds: 60 }),
    resolveChunk,
    registryVersion: db.registries.registryVersion,
    chunkSize: 50,
  };
}
