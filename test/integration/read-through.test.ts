/** getSnapshot through the real chain: Redis, then Postgres (refilling Redis), then a miss. */
import { Redis } from 'ioredis';
import { ActorRepository, SnapshotRepository } from '../../src/adapters/pg';
import { SnapshotCache } from '../../src/adapters/redis';
import { deleteKeysUnder, requiredEnv, uniquePrefix } from '../support/databases';
import { migratedDatabase, outputOf, type TestDatabase } from '../support/pg';

const TTL = 120;
let db: TestDatabase;
let redis: Redis;
let prefix: string;

beforeAll(async () => {
  db = await migratedDatabase('read_through');
  redis = new Redis(requiredEnv('REDIS_URL'), { maxRetriesPerRequest: 1 });
  prefix = uniquePrefix('read-through');
  const actors = new ActorRepository({ pool: db.pool, registries: db.registries.compiled });
  await actors.putSubsystem('stored', outputOf('items', 42));
  await new SnapshotRepository(db.pool).writeSnapshots([
    {
      actorId: 'stored',
      version: 1,
      registryVersion: db.registries.registryVersion,
      snapshotJson: JSON.stringify({ Primary: { strength: 42 }, Derived: {}, CapsUsed: {}, Version: 1 }),
    },
  ]);
});
afterAll(async () => {
  await deleteKeysUnder(redis, prefix);
  redis.disconnect();
  await db.close();
});

describe('read-through getSnapshot', () => {
  it('fills Redis from Postgres on a miss, then hits, and counts each outcome', async () => {
    const outcomes: string[] = [];
    const cache = new SnapshotCache({
      redis,
      keyPrefix: prefix,
      ttlSeconds: TTL,
      source: new SnapshotRepository(db.pool),
      onLookup: (outcome) => outcomes.push(outcome),
    });
    const filled = await cache.getSnapshot('stored');
    expect(filled).toMatchObject({
      actorId: 'stored',
      version: 1,
      registryVersion: db.registries.registryVersion,
    });
    expect(JSON.parse(filled!.snapshotJson)).toEqual({
      Primary: { strength: 42 },
      Derived: {},
      CapsUsed: {},
      Version: 1,
    });

    const ttl = await redis.ttl(`${prefix}:snapshot:stored`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(TTL);

    expect(await cache.getSnapshot('stored')).toMatchObject({ version: 1 });
    expect(await cache.getSnapshot('nobody')).toBeUndefined();
    expect(outcomes).toEqual(['fill', 'hit', 'miss']);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, fills: 1 });
  });
});
