/**
 * What the snapshot cache tests share: each test gets a key prefix of its own and connections to the
 * real Redis (REDIS_URL, set by the jest global setup or by hand); after it, the prefix's keys are
 * deleted and every connection it opened is closed.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { SnapshotRecord } from '../../src/adapters/snapshot-record';
import { SnapshotCache, type SnapshotCacheOptions } from '../../src/adapters/redis';
import { requiredEnv } from './databases';

export const CACHE_TTL_SECONDS = 600;

/** A record of actor `actorId` at `version`, whose snapshot JSON differs by version. */
export function rec(actorId: string, version: number, registryVersion = 'reg-1'): SnapshotRecord {
  const snapshotJson = JSON.stringify({
    Primary: { strength: version * 1.5 },
    Derived: {},
    CapsUsed: {},
    Version: version,
  });
  return { actorId, version, registryVersion, snapshotJson };
}

export interface CacheFixture {
  /** The current test's key prefix. */
  readonly prefix: string;
  /** A connection closed after the test. */
  connect(options?: RedisOptions): Redis;
  /** A cache under the test's prefix, with a TTL of `CACHE_TTL_SECONDS`. */
  cacheOn(redis: Redis, extra?: Partial<SnapshotCacheOptions>): SnapshotCache;
}

export function useCacheFixture(): CacheFixture {
  let clients: Redis[] = [];
  let prefix = '';
  const connect = (options: RedisOptions = {}): Redis => {
    const client = new Redis(requiredEnv('REDIS_URL'), { maxRetriesPerRequest: 1, ...options });
    clients.push(client);
    return client;
  };
  beforeEach(() => {
    prefix = `test-cache-${randomUUID()}`;
  });
  afterEach(async () => {
    const admin = connect();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length > 0) await admin.del(...keys);
    await Promise.all(
      clients.map((c) => (c.status === 'end' ? undefined : c.quit().catch(() => c.disconnect()))),
    );
    clients = [];
  });
  return {
    get prefix() {
      return prefix;
    },
    connect,
    cacheOn: (redis, extra = {}) =>
      new SnapshotCache({ redis, keyPrefix: prefix, ttlSeconds: CACHE_TTL_SECONDS, ...extra }),
  };
}
