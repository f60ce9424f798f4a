/**
 * The Redis snapshot cache against a real redis-server: read-through to a source, delete, and how
 * failures are reported (transient or permanent). Each test writes under its own key prefix, removes
 * its keys and closes its connections. (The guarded set and batches: snapshot-cache.test.ts.)
 */
import { freePort } from '../../src/local-services/free-port';
import { ActorCoreError } from '../../src/core/errors';
import type { SnapshotRecord, SnapshotSource } from '../../src/adapters/snapshot-record';
import { SnapshotCache, encodeCachedValue, type LookupOutcome } from '../../src/adapters/redis';
import { CACHE_TTL_SECONDS as TTL, rec, useCacheFixture } from '../support/snapshot-cache-fixture';

const { connect, cacheOn } = useCacheFixture();

/** A Postgres stand-in: the records it holds, and the ids each call asked for. */
class FakeSource implements SnapshotSource {
  readonly calls: string[][] = [];
  constructor(private readonly records: SnapshotRecord[]) {}
  async loadSnapshots(actorIds: readonly string[]): Promise<SnapshotRecord[]> {
    this.calls.push([...actorIds]);
    return this.records.filter((r) => actorIds.includes(r.actorId));
  }
}

async function storeErrorOf(promise: Promise<unknown>): Promise<ActorCoreError> {
  const err: unknown = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ActorCoreError);
  expect((err as ActorCoreError).code).toBe('STORE_UNAVAILABLE');
  return err as ActorCoreError;
}

describe('read-through', () => {
  it('answers from Redis (hit), from the source (fill, cached on the way) or not at all (miss)', async () => {
    const redis = connect();
    const source = new FakeSource([rec('in-pg', 3), rec('both', 1)]);
    const outcomes: LookupOutcome[] = [];
    const cache = cacheOn(redis, { source, onLookup: (o) => outcomes.push(o) });
    await cache.set(rec('both', 2));

    expect(await cache.getSnapshot('both')).toEqual(rec('both', 2));
    expect(source.calls).toEqual([]);
    expect(cache.stats()).toEqual({ hits: 1, misses: 0, fills: 0, corrupt: 0 });

    expect(await cache.getSnapshot('in-pg')).toEqual(rec('in-pg', 3));
    expect(source.calls).toEqual([['in-pg']]);
    expect(await redis.get(cache.keyOf('in-pg'))).toBe(encodeCachedValue(rec('in-pg', 3)));
    const pttl = await redis.pttl(cache.keyOf('in-pg'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(TTL * 1000);

    expect(await cache.getSnapshot('nowhere')).toBeUndefined();
    expect(source.calls).toEqual([['in-pg'], ['nowhere']]);

    // Filled once, a hit from then on.
    expect(await cache.getSnapshot('in-pg')).toEqual(rec('in-pg', 3));
    expect(source.calls).toHaveLength(2);

    expect(cache.stats()).toEqual({ hits: 2, misses: 1, fills: 1, corrupt: 0 });
    expect(outcomes).toEqual(['hit', 'fill', 'miss', 'hit']);
  });

  it('reads many at once: one source call for the actors Redis lacks', async () => {
    const source = new FakeSource([rec('f1', 1), rec('f2', 7), rec('h1', 1)]);
    const cache = cacheOn(connect(), { source });
    await cache.setMany([rec('h1', 4), rec('h2', 2)]);

    const found = await cache.getSnapshots(['f1', 'h1', 'm1', 'h2', 'f2', 'h1']);
    expect([...found.keys()]).toEqual(['f1', 'h1', 'h2', 'f2']);
    expect(found.get('h1')).toEqual(rec('h1', 4));
    expect(found.get('f2')).toEqual(rec('f2', 7));
    expect(source.calls).toEqual([['f1', 'm1', 'f2']]);
    expect(cache.stats()).toEqual({ hits: 2, misses: 1, fills: 2, corrupt: 0 });

    expect([...(await cache.getMany(['f1', 'f2', 'm1'])).keys()]).toEqual(['f1', 'f2']);
  });

  it('misses without a source', async () => {
    const cache = cacheOn(connect());
    expect(await cache.getSnapshot('x')).toBeUndefined();
    expect(cache.stats()).toEqual({ hits: 0, misses: 1, fills: 0, corrupt: 0 });
  });

  it('treats a corrupt cached value as a miss, counts it, and repairs it from the source', async () => {
    const redis = connect();
    const corrupted: Array<[string, string]> = [];
    const outcomes: LookupOutcome[] = [];
    const cache = cacheOn(redis, {
      source: new FakeSource([rec('fixable', 4)]),
      onLookup: (o) => outcomes.push(o),
      onCorrupt: (actorId, err) => corrupted.push([actorId, err.code]),
    });
    await redis.set(cache.keyOf('broken'), '{"version":2,"registryVersion":"r","snapshot":{"Prim');
    await redis.set(cache.keyOf('fixable'), 'not json at all');

    expect(await cache.getSnapshot('broken')).toBeUndefined();
    expect(cache.stats()).toEqual({ hits: 0, misses: 1, fills: 0, corrupt: 1 });

    expect(await cache.getSnapshot('fixable')).toEqual(rec('fixable', 4));
    expect(await cache.get('fixable')).toEqual(rec('fixable', 4));
    expect(cache.stats()).toEqual({ hits: 0, misses: 1, fills: 1, corrupt: 2 });
    expect(outcomes).toEqual(['miss', 'fill']);
    expect(corrupted).toEqual([
      ['broken', 'INVALID_JSON'],
      ['fixable', 'INVALID_JSON'],
    ]);
  });
});

describe('delete', () => {
  it('removes a cached snapshot', async () => {
    const cache = cacheOn(connect());
    await cache.set(rec('gone', 1));
    expect(await cache.delete('gone')).toBe(true);
    expect(await cache.get('gone')).toBeUndefined();
    expect(await cache.delete('gone')).toBe(false);
    // After invalidation any version may be written again.
    expect(await cache.set(rec('gone', 1))).toBe('written');
  });
});

describe('errors', () => {
  it('reports an unreachable Redis as STORE_UNAVAILABLE, not permanent', async () => {
    const redis = connect({
      port: await freePort(),
      host: '127.0.0.1',
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      connectTimeout: 200,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined); // connection errors are also emitted as events
    const cache = cacheOn(redis, { source: new FakeSource([rec('a', 1)]) });

    for (const call of [
      cache.getSnapshot('a'),
      cache.getSnapshots(['a', 'b']),
      cache.setMany([rec('a', 1)]),
      cache.set(rec('a', 1)),
      cache.delete('a'),
    ]) {
      const err = await storeErrorOf(call);
      expect(err.permanent).toBe(false);
      expect(err.message).toMatch(/^Redis failed while /);
    }
  });

  it('reports a closed connection as STORE_UNAVAILABLE, not permanent', async () => {
    const redis = connect();
    const cache = cacheOn(redis);
    await cache.set(rec('a', 1));
    await redis.quit();
    expect((await storeErrorOf(cache.get('a'))).permanent).toBe(false);
    expect((await storeErrorOf(cache.set(rec('a', 2)))).permanent).toBe(false);
  });

  it('reports an error reply (a key of another type) as permanent', async () => {
    const redis = connect();
    const cache = cacheOn(redis);
    await redis.hset(cache.keyOf('h'), 'field', 'value');
    const err = await storeErrorOf(cache.get('h'));
    expect(err.permanent).toBe(true);
    expect(err.message).toMatch(/WRONGTYPE/);
  });

  it('rejects a bad configuration', () => {
    const redis = connect({ lazyConnect: true });
    expect(() => new SnapshotCache({ redis, keyPrefix: '', ttlSeconds: 1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', field: 'keyPrefix' }),
    );
    for (const ttlSeconds of [0, -5, 1.5]) {
      expect(() => new SnapshotCache({ redis, keyPrefix: 'p', ttlSeconds })).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG', field: 'ttlSeconds' }),
      );
    }
  });
});
