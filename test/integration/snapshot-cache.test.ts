/**
 * The Redis snapshot cache against a real redis-server: the guarded set (never an older version over a
 * newer one) and batched sets and gets. Each test writes under its own key prefix, removes its keys and
 * closes its connections. (Read-through, delete and errors: snapshot-cache-reads.test.ts.)
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SnapshotRecord } from '../../src/adapters/snapshot-record';
import { GUARDED_SET_LUA, SnapshotCache, encodeCachedValue } from '../../src/adapters/redis';
import { CACHE_TTL_SECONDS as TTL, rec, useCacheFixture } from '../support/snapshot-cache-fixture';

const fx = useCacheFixture();
const { connect, cacheOn } = fx;

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('guarded set', () => {
  it('writes a newer or equal version, never an older one', async () => {
    const redis = connect();
    const cache = cacheOn(redis);

    expect(await cache.set(rec('a', 5))).toBe('written');
    expect(await cache.set(rec('a', 3))).toBe('skipped');
    expect(await cache.get('a')).toEqual(rec('a', 5));

    // Equal version: a re-resolution with new registries refreshes the cached snapshot.
    expect(await cache.set(rec('a', 5, 'reg-2'))).toBe('written');
    expect((await cache.get('a'))?.registryVersion).toBe('reg-2');

    expect(await cache.set(rec('a', 6))).toBe('written');
    expect(await cache.set(rec('a', 5, 'reg-3'))).toBe('skipped');
    expect(await cache.get('a')).toEqual(rec('a', 6));
  });

  it('stores the value version first, under <prefix>:snapshot:<actorId>, with the TTL', async () => {
    const redis = connect();
    const cache = cacheOn(redis);
    await cache.set(rec('p-1', 2));

    const key = `${fx.prefix}:snapshot:p-1`;
    expect(cache.keyOf('p-1')).toBe(key);
    const raw = await redis.get(key);
    expect(raw).toBe(encodeCachedValue(rec('p-1', 2)));
    expect(raw?.startsWith('{"version":2,')).toBe(true);
    const pttl = await redis.pttl(key);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(TTL * 1000);
  });

  it('orders versions as numbers (9 < 10), not as text', async () => {
    const cache = cacheOn(connect());
    await cache.set(rec('n', 10));
    expect(await cache.set(rec('n', 9))).toBe('skipped');
    expect(await cache.set(rec('n', 100))).toBe('written');
    expect(await cache.set(rec('n', Number.MAX_SAFE_INTEGER))).toBe('written');
    expect(await cache.set(rec('n', Number.MAX_SAFE_INTEGER - 1))).toBe('skipped');
  });

  it('overwrites a value it cannot read the version of', async () => {
    const redis = connect();
    const cache = cacheOn(redis);
    await redis.set(cache.keyOf('c'), '{"version":"x"}');
    expect(await cache.set(rec('c', 1))).toBe('written');
    expect(await cache.get('c')).toEqual(rec('c', 1));
  });

  it('overwrites a key of another type, and every later key of the batch is written', async () => {
    const redis = connect();
    const cache = cacheOn(redis);
    // Foreign values at actors' keys (an operator's mistaken HSET, another app on the prefix).
    await redis.hset(cache.keyOf('w2'), 'field', 'value');
    await redis.rpush(cache.keyOf('w4'), 'item');
    const ids = ['w1', 'w2', 'w3', 'w4', 'w5'];
    const results = await cache.setMany(ids.map((id) => rec(id, 2)));
    expect(results.map((r) => r.outcome)).toEqual(ids.map(() => 'written'));
    for (const id of ids) expect(await redis.type(cache.keyOf(id))).toBe('string');
    const stored = await cache.getMany(ids);
    expect(ids.map((id) => stored.get(id))).toEqual(ids.map((id) => rec(id, 2)));
    expect(await redis.ttl(cache.keyOf('w2'))).toBeGreaterThan(TTL - 5);
  });

  it('runs the script by EVALSHA once the connection knows it, a batch in one call per 100 keys', async () => {
    const redis = connect();
    const cache = cacheOn(redis);
    const sha = createHash('sha1').update(GUARDED_SET_LUA).digest('hex');
    await cache.set(rec('e', 1)); // the first call on a connection may send EVAL (loads the script)
    const before = await evalshaCalls(redis);
    await cache.setMany([rec('e', 2), rec('f', 1), rec('g', 1)]);
    expect(await evalshaCalls(redis)).toBe(before + 1);
    await cache.setMany(Array.from({ length: 250 }, (_, i) => rec(`h${i}`, 1)));
    expect(await evalshaCalls(redis)).toBe(before + 4);
    expect(await redis.script('EXISTS', sha)).toEqual([1]);
  });
});

async function evalshaCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  return Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

/** The same connection, seen as a Redis Cluster client (ioredis decides by `isCluster`). */
function asCluster(client: Redis): Redis {
  return new Proxy(client, { get: (target, key) => (key === 'isCluster' ? true : Reflect.get(target, key)) });
}

describe('setMany / getMany', () => {
  it('round-trips records and reports per actor written or skipped', async () => {
    const redis = connect();
    const cache = cacheOn(redis);
    await cache.set(rec('b', 9));

    const results = await cache.setMany([rec('a', 1), rec('b', 4), rec('c', 2, 'reg-x')]);
    expect(results).toEqual([
      { actorId: 'a', version: 1, outcome: 'written' },
      { actorId: 'b', version: 4, outcome: 'skipped' },
      { actorId: 'c', version: 2, outcome: 'written' },
    ]);

    const found = await cache.getMany(['a', 'b', 'c', 'never']);
    expect([...found.keys()]).toEqual(['a', 'b', 'c']);
    expect(found.get('a')).toEqual(rec('a', 1));
    expect(found.get('b')).toEqual(rec('b', 9));
    expect(found.get('c')).toEqual(rec('c', 2, 'reg-x'));
    // The snapshot text comes back exactly as written.
    expect(found.get('c')?.snapshotJson).toBe(rec('c', 2).snapshotJson);
    for (const id of ['a', 'c']) {
      const pttl = await redis.pttl(cache.keyOf(id));
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(TTL * 1000);
    }
  });

  it.each(['a single Redis', 'Redis Cluster'])(
    'guards every record of a batch across several calls, results in order (%s)',
    async (mode) => {
      const redis = connect();
      const cache = cacheOn(mode === 'a single Redis' ? redis : asCluster(redis));
      // Every third actor already holds a newer version; 230 records span three multi-key calls.
      const ids = Array.from({ length: 230 }, (_, i) => `batch-${i}`);
      await cache.setMany(ids.filter((_, i) => i % 3 === 0).map((id) => rec(id, 9)));
      const before = await evalshaCalls(redis);
      const results = await cache.setMany(ids.map((id, i) => rec(id, i % 3 === 0 ? 4 : 5)));
      expect(await evalshaCalls(redis)).toBe(before + (mode === 'a single Redis' ? 3 : 230));
      expect(results.map((r) => r.actorId)).toEqual(ids);
      expect(results.map((r) => r.outcome)).toEqual(ids.map((_, i) => (i % 3 === 0 ? 'skipped' : 'written')));
      const stored = await cache.getMany(ids);
      expect(ids.map((id) => stored.get(id)?.version)).toEqual(ids.map((_, i) => (i % 3 === 0 ? 9 : 5)));
      expect(await redis.ttl(cache.keyOf('batch-1'))).toBeGreaterThan(TTL - 5);
    },
  );

  it('handles empty batches and an actor listed twice, in order', async () => {
    const cache = cacheOn(connect());
    expect(await cache.setMany([])).toEqual([]);
    expect((await cache.getMany([])).size).toBe(0);
    const results = await cache.setMany([rec('d', 5), rec('d', 2)]);
    expect(results.map((r) => r.outcome)).toEqual(['written', 'skipped']);
    expect((await cache.get('d'))?.version).toBe(5);
  });

  it('sends nothing when a record cannot be encoded', async () => {
    const cache = cacheOn(connect());
    await expect(cache.setMany([rec('ok', 1), { ...rec('bad', 1), version: 0 }])).rejects.toMatchObject({
      code: 'INVALID_VERSION',
      actorId: 'bad',
    });
    expect(await cache.get('ok')).toBeUndefined();
  });

  it('keeps the newest of versions 1..50 set concurrently in random order', async () => {
    const connections = [connect(), connect(), connect(), connect()];
    const caches = connections.map((redis) => cacheOn(redis));
    const versions = shuffled(Array.from({ length: 50 }, (_, i) => i + 1));
    // Batches of 1 to 3 versions of the same two actors, spread over four connections, all at once.
    const batches: SnapshotRecord[][] = [];
    for (let i = 0; i < versions.length;) {
      const size = 1 + Math.floor(Math.random() * 3);
      batches.push(versions.slice(i, i + size).flatMap((v) => [rec('hot', v), rec('warm', v)]));
      i += size;
    }
    const results = await Promise.all(
      batches.map((batch, i) => (caches[i % caches.length] as SnapshotCache).setMany(batch)),
    );

    const outcomes = results.flat();
    expect(outcomes).toHaveLength(100);
    expect(outcomes.find((r) => r.actorId === 'hot' && r.version === 50)?.outcome).toBe('written');
    const found = await (caches[0] as SnapshotCache).getMany(['hot', 'warm']);
    expect(found.get('hot')).toEqual(rec('hot', 50));
    expect(found.get('warm')).toEqual(rec('warm', 50));
  });
});
