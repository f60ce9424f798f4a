/**
 * A job from another producer (added straight to BullMQ) whose actorIds hold an id no actor can have:
 * that id fails alone and for good, the rest of the batch resolves.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { ActorRepository } from '../../src/adapters/pg';
import { resolveBatch } from '../../src/worker/resolve-batch';
import { pgSnapshots } from '../support/cluster';
import { inProcessBatch } from '../support/in-process-batch';
import { migratedDatabase, outputOf, type TestDatabase } from '../support/pg';
import { deleteKeysUnder } from '../support/databases';

let db: TestDatabase;
let redis: Redis;
const prefix = `test-bad-ids-${randomUUID()}`;

beforeAll(async () => {
  db = await migratedDatabase('worker_bad_ids');
  redis = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await db.close();
});

describe('a batch holding ids no actor can have', () => {
  it('fails those ids alone (INVALID_ACTOR_ID) and writes the others', async () => {
    const actors = new ActorRepository({ pool: db.pool, registries: db.registries.compiled });
    const good = ['g1', 'g2', 'g3'];
    for (const id of good) await actors.putSubsystem(id, outputOf('items', 5));
    const nul = 'bad\u0000id';
    const tooLong = 'x'.repeat(256);
    const result = await resolveBatch(
      inProcessBatch(db, redis, prefix),
      { actorIds: ['g1', nul, 'g2', '', tooLong, 'g3'], enqueuedAt: 0 },
      'job-bad-ids',
    );
    expect(result.outcomes).toEqual({
      g1: 'written',
      g2: 'written',
      g3: 'written',
      [nul]: 'failed',
      '': 'failed',
      [tooLong]: 'failed',
    });
    expect(result.errors).toEqual({
      [nul]: 'INVALID_ACTOR_ID',
      '': 'INVALID_ACTOR_ID',
      [tooLong]: 'INVALID_ACTOR_ID',
    });
    expect(result.counts).toMatchObject({ written: 3, failed: 3 });
    expect([...(await pgSnapshots(db.pool, good)).keys()].sort()).toEqual(good);
  });
});
