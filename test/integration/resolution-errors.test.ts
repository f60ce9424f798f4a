/**
 * resolution_errors: a failure is kept only while no snapshot of its version or a newer one is stored,
 * so a stale job (it loaded version 1, another job resolved version 2 first) leaves no phantom row.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { ActorRepository, listFailures, recordFailures, SnapshotRepository } from '../../src/adapters/pg';
import type { StoreChunkResult, StoreTask } from '../../src/pool/messages';
import { runStoreTask } from '../../src/pool/run-store-task';
import { resolveBatch, type BatchDependencies } from '../../src/worker/resolve-batch';
import { inProcessBatch } from '../support/in-process-batch';
import { migratedDatabase, outputOf, type TestDatabase } from '../support/pg';
import { deleteKeysUnder } from '../support/databases';

let db: TestDatabase;
let redis: Redis;
let actors: ActorRepository;
const prefix = `test-resolution-errors-${randomUUID()}`;

beforeAll(async () => {
  db = await migratedDatabase('resolution_errors');
  actors = new ActorRepository({ pool: db.pool, registries: db.registries.compiled });
  redis = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await db.close();
});

const failure = (actorId: string, version: number): Parameters<typeof recordFailures>[1][number] => ({
  actorId,
  version,
  error: { code: 'UNKNOWN_BUCKET', message: 'bad bucket' },
  jobId: `job-${version}`,
});

async function failuresOf(actorId: string): Promise<number[]> {
  return (await listFailures(db.pool)).filter((f) => f.actorId === actorId).map((f) => f.version);
}

describe('recordFailures', () => {
  it('records a failure newer than the stored snapshot, not one at or below it', async () => {
    for (let i = 0; i < 3; i++) await actors.putSubsystem('rec', outputOf('items', i)); // v3
    await new SnapshotRepository(db.pool).writeSnapshots([
      { actorId: 'rec', version: 2, registryVersion: 'r', snapshotJson: '{}' },
    ]);
    await recordFailures(db.pool, [failure('rec', 1)]);
    await recordFailures(db.pool, [failure('rec', 2)]);
    expect(await failuresOf('rec')).toEqual([]);
    await recordFailures(db.pool, [failure('rec', 3)]);
    expect(await failuresOf('rec')).toEqual([3]);
  });

  it('leaves no row when a stale job fails after a newer version’s snapshot was written', async () => {
    const id = 'flip';
    await actors.putSubsystem(id, outputOf('talents', 5)); // v1, made invalid below
    await db.pool.query(
      `UPDATE subsystems SET data = jsonb_set(data, '{primary,0,bucket}', '"SIDEWAYS"') WHERE actor_id = $1`,
      [id],
    );
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let loaded!: () => void;
    const aLoaded = new Promise<void>((resolve) => (loaded = resolve));
    const deps = (resolveChunk: (task: StoreTask) => Promise<StoreChunkResult>): BatchDependencies =>
      inProcessBatch(db, redis, prefix, resolveChunk);
    // Job A loads v1 and is held before it resolves.
    const jobA = resolveBatch(
      deps(async (task) => {
        loaded();
        await gate;
        return runStoreTask(task, db.registries.compiled);
      }),
      { actorIds: [id], enqueuedAt: 0 },
      'job-A',
    );
    await aLoaded;
    await actors.putSubsystem(id, outputOf('talents', 9)); // v2, valid again
    const b = await resolveBatch(
      deps(async (task) => runStoreTask(task, db.registries.compiled)),
      { actorIds: [id], enqueuedAt: 0 },
      'job-B',
    );
    expect(b.outcomes).toEqual({ [id]: 'written' });
    release();
    expect((await jobA).outcomes).toEqual({ [id]: 'failed' });
    expect(await failuresOf(id)).toEqual([]);
  });
});
