/** The hot path's Redis work: count and read in one script, or two commands on a cluster without a hash tag. */
import { Redis } from 'ioredis';
import { SnapshotCache } from '../../src/adapters/redis';
import type { SnapshotRecord, SnapshotSource } from '../../src/adapters/snapshot-record';
import { RateLimiter } from '../../src/api/rate-limiter';
import { SnapshotReader } from '../../src/api/snapshot-reader';
import { deleteKeysUnder, requiredEnv, uniquePrefix } from '../support/databases';

let redis: Redis;
const prefixes: string[] = [];

beforeAll(() => {
  redis = new Redis(requiredEnv('REDIS_URL'));
});
afterAll(async () => {
  for (const prefix of prefixes) {
    await deleteKeysUnder(redis, prefix);
  }
  redis.disconnect();
});

const SNAPSHOT = '{"Primary":{"strength":1},"Derived":{},"CapsUsed":{},"Version":2}';
const record = (actorId: string): SnapshotRecord => ({
  actorId,
  version: 2,
  registryVersion: 'r1',
  snapshotJson: SNAPSHOT,
});

/** The same connection, seen as a Redis Cluster client. */
function asCluster(client: Redis): Redis {
  return new Proxy(client, { get: (target, key) => (key === 'isCluster' ? true : Reflect.get(target, key)) });
}

function setup(mode: 'one script' | 'two commands', max = 100) {
  const keyPrefix = uniquePrefix('api-reader');
  prefixes.push(keyPrefix);
  const source: SnapshotSource = {
    loadSnapshots: async (ids) => ids.filter((id) => id.startsWith('pg-')).map(record),
  };
  const client = mode === 'one script' ? redis : asCluster(redis);
  const cache = new SnapshotCache({ redis: client, keyPrefix, ttlSeconds: 60, source });
  const limiter = new RateLimiter({ redis: client, keyPrefix, windowMs: 60_000, max });
  let hits = 0;
  const reader = new SnapshotReader(cache, client, limiter, () => hits++);
  return { cache, limiter, reader, keyPrefix, hits: () => hits };
}

describe.each(['one script', 'two commands'] as const)('SnapshotReader (%s)', (mode) => {
  it('counts the request and reads a cached snapshot as it is', async () => {
    const { cache, limiter, reader, hits } = setup(mode);
    await cache.set(record('a1'));
    const key = limiter.keyOf({ subject: 'alice', scopes: new Set(), expiresAt: 0 }, {});
    const read = await reader.read('a1', key);
    expect(read.decision.allowed).toBe(true);
    expect(read.record).toEqual(record('a1'));
    expect(hits()).toBe(1);
    expect(await redis.get(key)).toBe('1');
  });

  it('reads through to the source on a miss, and on a corrupt value', async () => {
    const { cache, reader, hits } = setup(mode);
    expect((await reader.read('pg-1', 'k')).record).toEqual(record('pg-1'));
    expect((await reader.read('nobody', 'k')).record).toBeUndefined();
    await redis.set(cache.keyOf('pg-2'), 'not json');
    expect((await reader.read('pg-2', 'k')).record).toEqual(record('pg-2'));
    expect(hits()).toBe(0);
    expect(cache.stats()).toMatchObject({ fills: 2, misses: 1, corrupt: 1 });
  });

  it('over the limit: refused, with the seconds to wait, and nothing read', async () => {
    const { cache, limiter, reader, keyPrefix, hits } = setup(mode, 1);
    await cache.set(record('a2'));
    const key = `${keyPrefix}:ratelimit:sub:bob`;
    expect((await reader.read('a2', key)).decision.allowed).toBe(true);
    const refused = await reader.read('a2', key);
    expect(refused.decision).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(refused.record).toBeUndefined();
    expect(hits()).toBe(1);
    expect(limiter.keyPrefix).toBe(`${keyPrefix}:ratelimit:`);
  });
});
