/**
 * An actor a batch finds current in Postgres is current in Redis when the batch ends: a run that wrote
 * Postgres but lost Redis, or a Redis that lost or expired the write, is healed by the next plain run
 * (no `force`, no re-run counters), and nothing newer in Redis is replaced.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { SnapshotRepository } from '../../src/adapters/pg';
import { SnapshotCache } from '../../src/adapters/redis';
import type { SnapshotRecord } from '../../src/adapters/snapshot-record';
import { freePort } from '../../src/local-services/free-port';
import { resolveBatch, type BatchDependencies } from '../../src/worker/resolve-batch';
import { inProcessBatch } from '../support/in-process-batch';
import { outputOf } from '../support/pg';
import { useWorkerStores } from '../support/worker-stores';

const s = useWorkerStores('worker_cache_refill', 'test-refill');

/** The batch's dependencies, counting the refills it reports. */
function batchDeps(): BatchDependencies & { cache: SnapshotCache; refills: number[] } {
  const refills: number[] = [];
  return { ...inProcessBatch(s.db, s.redis, s.prefix), onRefill: (n) => refills.push(n), refills };
}

/** What a batch of `ids` rejects with when its cache is on a port nothing listens on. */
async function batchWithRedisDown(ids: string[], jobId: string): Promise<unknown> {
  const down = new Redis(`redis://127.0.0.1:${await freePort()}`, {
    lazyConnect: true,
    enableOfflineQueue: false, // every command fails at once
    maxRetriesPerRequest: 0,
  });
  down.on('error', () => undefined);
  try {
    const deps = {
      ...batchDeps(),
      cache: new SnapshotCache({ redis: down, keyPrefix: s.prefix, ttlSeconds: 60 }),
    };
    return await resolveBatch(deps, { actorIds: ids, enqueuedAt: 0 }, jobId).then(
      () => new Error('the batch did not fail'),
      (err: unknown) => err,
    );
  } finally {
    down.disconnect();
  }
}

/** `n` new actors named after `name`, each written once (version 1). */
async function someActors(name: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${name}-${randomUUID()}-${i + 1}`);
  for (const id of ids) await s.actors.putSubsystem(id, outputOf('items', 10));
  return ids;
}

const pgRecords = async (ids: readonly string[]): Promise<Map<string, SnapshotRecord>> =>
  new Map((await new SnapshotRepository(s.db.pool).loadSnapshots(ids)).map((r) => [r.actorId, r]));

describe('a batch finding actors current in Postgres', () => {
  it('copies their snapshots to Redis when an earlier run wrote Postgres but lost Redis before its cache write', async () => {
    const ids = await someActors('lost-redis', 30);
    // The first run's Redis is gone: Postgres is written, then the cache write fails the job.
    expect(await batchWithRedisDown(ids, 'job-1')).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const stored = await pgRecords(ids);
    expect(stored.size).toBe(30);
    expect(await s.redis.exists(...ids.map((id) => `${s.prefix}:snapshot:${id}`))).toBe(0);

    // The next run is a plain first run (as when Redis lost the job's state with the writes).
    const deps = batchDeps();
    const result = await resolveBatch(deps, { actorIds: ids, enqueuedAt: 0 }, 'job-1');
    expect(result.counts).toEqual({ written: 0, current: 30, stale: 0, failed: 0, missing: 0 });
    expect(deps.refills).toEqual([30]);
    const cached = await deps.cache.getMany(ids);
    expect(cached).toEqual(stored);
    expect(await s.redis.ttl(`${s.prefix}:snapshot:${ids[0]}`)).toBeGreaterThan(0);
  });

  it('replaces a missing, expired, older, corrupt or other-registry cached snapshot, and keeps a newer one', async () => {
    const ids = await someActors('mixed', 6);
    const [missing, expired, older, corrupt, otherRegistry, newer] = ids as [string, ...string[]];
    await s.actors.putSubsystem(older!, outputOf('items', 20)); // version 2: Redis will get its version 1
    const deps = batchDeps();
    await resolveBatch(deps, { actorIds: ids, enqueuedAt: 0 }, 'job-1');
    const stored = await pgRecords(ids);
    const key = (id: string): string => `${s.prefix}:snapshot:${id}`;

    await s.redis.del(key(missing));
    await s.redis.pexpire(key(expired!), 1);
    await s.redis.set(key(corrupt!), 'not a cached snapshot');
    // An older version and another registry's snapshot, as a run before this one may have left.
    await s.redis.del(key(older!));
    await deps.cache.setMany([{ ...stored.get(older!)!, version: 1, snapshotJson: '{"Version":1}' }]);
    await deps.cache.setMany([{ ...stored.get(otherRegistry!)!, registryVersion: 'r1-another' }]);
    const newerRecord = { ...stored.get(newer!)!, version: 2, snapshotJson: '{"Version":2}' };
    await deps.cache.setMany([newerRecord]);
    await new Promise((resolve) => setTimeout(resolve, 20)); // `expired` is gone

    const result = await resolveBatch(deps, { actorIds: ids, enqueuedAt: 0 }, 'job-2');
    expect(result.counts.current).toBe(6);
    expect(deps.refills).toEqual([5]);
    const cached = await deps.cache.getMany(ids);
    for (const id of [missing, expired, older, corrupt, otherRegistry])
      expect(cached.get(id!)).toEqual(stored.get(id!));
    expect(cached.get(newer!)).toEqual(newerRecord);
  });

  it('writes nothing to Redis when it holds them already', async () => {
    const ids = await someActors('held', 10);
    const deps = batchDeps();
    await resolveBatch(deps, { actorIds: ids, enqueuedAt: 0 }, 'job-1');
    // A TTL no write of this cache sets: a rewrite would bring it back to 60 s.
    for (const id of ids) await s.redis.expire(`${s.prefix}:snapshot:${id}`, 5000);

    const result = await resolveBatch(deps, { actorIds: ids, enqueuedAt: 0 }, 'job-2');
    expect(result.counts.current).toBe(10);
    expect(deps.refills).toEqual([]);
    for (const id of ids) expect(await s.redis.ttl(`${s.prefix}:snapshot:${id}`)).toBeGreaterThan(60);
  });

  it('fails as a transient STORE_UNAVAILABLE when Redis cannot be read to check them', async () => {
    const ids = await someActors('unreadable', 3);
    await resolveBatch(batchDeps(), { actorIds: ids, enqueuedAt: 0 }, 'job-1');
    expect(await batchWithRedisDown(ids, 'job-2')).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      permanent: false,
    });
  });
});
