/**
 * The snapshot route's Redis work, trimmed for the hot path: the rate-limit count and the cache read
 * in ONE script call (one command written, one reply parsed, one round trip), then the O(1) layout
 * decode of the cached value. No pipeline, Set or Map either: SnapshotCache.getSnapshot spends ~20 µs
 * of CPU on those for a batch API asked about one actor. Anything else (not cached, corrupt) goes
 * through SnapshotCache.getSnapshot itself, so the Postgres read-through, the refill, corruption
 * reports and the miss/fill counters stay in one place. Hits taken here are reported to `onHit` (the
 * cache-hit metric) rather than to the cache's own `stats()`.
 *
 * On Redis Cluster one script may only touch one slot: without a `{hash tag}` in the key prefix the
 * count and the read are two commands, sent together so that their round trips overlap.
 */
import type { Cluster, Redis } from 'ioredis';
import { decodeCachedValue } from '../adapters/redis/cached-value';
import type { SnapshotCache } from '../adapters/redis/snapshot-cache';
import { storeError } from '../adapters/redis/store-error';
import type { SnapshotRecord } from '../adapters/snapshot-record';
import type { RateDecision, RateLimiter } from './rate-limiter';

export interface CountedRead {
  decision: RateDecision;
  /** Undefined when refused, or when there is no snapshot. */
  record: SnapshotRecord | undefined;
}

export class SnapshotReader {
  private readonly oneScript: boolean;

  constructor(
    private readonly cache: SnapshotCache,
    /** The cache's own connection (the rate limiter's too). */
    private readonly redis: Redis | Cluster,
    private readonly limiter: RateLimiter,
    private readonly onHit?: () => void,
  ) {
    this.oneScript = !redis.isCluster || /\{[^}]+\}/.test(limiter.keyPrefix);
  }

  /** Counts the request against `rateKey` and, unless that refuses it, reads the actor's snapshot. */
  async read(actorId: string, rateKey: string): Promise<CountedRead> {
    let decision: RateDecision;
    let value: string | null;
    if (this.oneScript) {
      ({ decision, value } = await this.limiter.hitAndGet(rateKey, this.cache.keyOf(actorId)));
    } else {
      const counted = this.limiter.hit(rateKey); // never rejects
      value = await this.get(actorId);
      decision = await counted;
    }
    if (!decision.allowed) return { decision, record: undefined };
    if (value !== null) {
      let record: SnapshotRecord | undefined;
      try {
        record = decodeCachedValue(actorId, value);
      } catch {
        // Corrupt: the cache's path below reads it again, reports it and treats it as a miss.
      }
      if (record !== undefined) {
        this.onHit?.();
        return { decision, record };
      }
    }
    return { decision, record: await this.cache.getSnapshot(actorId) };
  }

  private async get(actorId: string): Promise<string | null> {
    try {
      return await this.redis.get(this.cache.keyOf(actorId));
    } catch (err) {
      throw storeError(err, 'reading a cached snapshot', { actorId });
    }
  }
}
