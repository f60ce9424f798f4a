/**
 * The Redis cache of resolved snapshots, read through to the durable store.
 *
 * Every write is the version-guarded script (guarded-set-script.ts): an older version never replaces a
 * newer one, an equal one refreshes it. A single Redis takes a batch in a few multi-key calls; on
 * Redis Cluster each call touches one key, so all of this works there. Redis failures are
 * STORE_UNAVAILABLE (store-error.ts); a corrupt cached value is a miss, counted in `stats().corrupt`
 * and reported to `onCorrupt`, never an error.
 *
 * The client is passed in and stays the caller's (the cache never closes it). Give the cache the key
 * prefix, not the client: a client-level ioredis `keyPrefix` would be applied on top of it.
 */
import type { Cluster, Redis } from 'ioredis';
import { ActorCoreError } from '../../core/errors';
import type { SnapshotRecord, SnapshotSource } from '../snapshot-record';
import { CACHED_HEAD_BYTES, decodeCachedHead, decodeCachedValue, encodeCachedValue } from './cached-value';
import {
  GUARDED_SET_COMMAND,
  GUARDED_SET_KEYS_PER_CALL,
  GUARDED_SET_LUA,
  guardedSetArgs,
  type GuardedSetCommand,
} from './guarded-set-script';
import { runBatch } from './run-batch';
import { snapshotKey } from './snapshot-key';
import { storeError } from './store-error';

/** What a read-through lookup of one actor found: in Redis, in the source (and cached it), nowhere. */
export type LookupOutcome = 'hit' | 'miss' | 'fill';

/** What a guarded set did: wrote the value, or kept a stored value of a newer version. */
export type SetOutcome = 'written' | 'skipped';

export interface SetResult {
  actorId: string;
  version: number;
  outcome: SetOutcome;
}

export interface SnapshotCacheStats {
  /** Read-through lookups answered by Redis. */
  hits: number;
  /** Read-through lookups found neither in Redis nor in the source. */
  misses: number;
  /** Read-through lookups answered by the source (and written back to Redis). */
  fills: number;
  /** Cached values that could not be decoded (each then looked up as a miss), by any read. */
  corrupt: number;
}

export interface SnapshotCacheOptions {
  redis: Redis | Cluster;
  /** `settings.redisKeyPrefix`; keys are `<keyPrefix>:snapshot:<actorId>`. */
  keyPrefix: string;
  /** `settings.cacheTtlSeconds`; every write sets it (a positive integer). */
  ttlSeconds: number;
  /** Where read-through lookups go on a cache miss (the Postgres snapshot repository). */
  source?: SnapshotSource;
  /**
   * Called once per actor of each read-through lookup (e.g. to increment a Prometheus counter). Hooks
   * run synchronously inside the lookup and must not throw.
   */
  onLookup?: (outcome: LookupOutcome) => void;
  /** Called for each cached value that could not be decoded; the lookup goes on as a miss. */
  onCorrupt?: (actorId: string, error: ActorCoreError) => void;
}

export class SnapshotCache {
  private readonly redis: Redis | Cluster;
  private readonly keyPrefix: string;
  private readonly ttl: string;
  private readonly source: SnapshotSource | undefined;
  private readonly onLookup: ((outcome: LookupOutcome) => void) | undefined;
  private readonly onCorrupt: ((actorId: string, error: ActorCoreError) => void) | undefined;
  private readonly counters: SnapshotCacheStats = { hits: 0, misses: 0, fills: 0, corrupt: 0 };

  constructor(options: SnapshotCacheOptions) {
    const { redis, keyPrefix, ttlSeconds } = options;
    if (typeof keyPrefix !== 'string' || keyPrefix.length === 0) {
      throw new ActorCoreError('INVALID_CONFIG', 'keyPrefix must be a non-empty string', {
        field: 'keyPrefix',
      });
    }
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) {
      throw new ActorCoreError(
        'INVALID_CONFIG',
        `ttlSeconds must be a positive integer, got ${JSON.stringify(ttlSeconds)}`,
        { field: 'ttlSeconds' },
      );
    }
    this.redis = redis;
    this.keyPrefix = keyPrefix;
    this.ttl = String(ttlSeconds);
    this.source = options.source;
    this.onLookup = options.onLookup;
    this.onCorrupt = options.onCorrupt;
    // Registers the script on this client (pipelines created later copy it). Defining it again, for a
    // second cache on the same client, replaces it with the same script.
    redis.defineCommand(GUARDED_SET_COMMAND, { lua: GUARDED_SET_LUA });
  }

  /** The Redis key of an actor's snapshot. */
  keyOf(actorId: string): string {
    return snapshotKey(this.keyPrefix, actorId);
  }

  /** Counters since this cache was created (a copy). */
  stats(): SnapshotCacheStats {
    return { ...this.counters };
  }

  /** The cached record of one actor (Redis only); undefined when absent or corrupt. */
  async get(actorId: string): Promise<SnapshotRecord | undefined> {
    return (await this.getMany([actorId])).get(actorId);
  }

  /** The cached records of those actors Redis holds (Redis only, one pipelined round trip of GETs). */
  async getMany(actorIds: readonly string[]): Promise<Map<string, SnapshotRecord>> {
    const ids = [...new Set(actorIds)];
    let values: unknown[];
    try {
      values = await runBatch(
        this.redis,
        ids,
        (pipeline, id) => pipeline.get(this.keyOf(id)),
        (id) => this.redis.get(this.keyOf(id)),
      );
    } catch (err) {
      throw storeError(err, `reading ${ids.length} cached snapshot(s)`);
    }
    const found = new Map<string, SnapshotRecord>();
    ids.forEach((id, i) => {
      const value = values[i];
      if (typeof value !== 'string') return; // null: not cached
      try {
        found.set(id, decodeCachedValue(id, value));
      } catch (err) {
        this.counters.corrupt += 1;
        this.onCorrupt?.(id, err as ActorCoreError);
      }
    });
    return found;
  }

  /**
   * The version and registryVersion Redis holds for each of those actors that have a readable cached
   * value (one pipelined round trip of GETRANGEs over the values' first bytes, not the snapshots).
   */
  async cachedHeads(
    actorIds: readonly string[],
  ): Promise<Map<string, { version: number; registryVersion: string }>> {
    const ids = [...new Set(actorIds)];
    const last = CACHED_HEAD_BYTES - 1;
    let values: unknown[];
    try {
      values = await runBatch(
        this.redis,
        ids,
        (pipeline, id) => pipeline.getrange(this.keyOf(id), 0, last),
        (id) => this.redis.getrange(this.keyOf(id), 0, last),
      );
    } catch (err) {
      throw storeError(err, `reading the versions of ${ids.length} cached snapshot(s)`);
    }
    const found = new Map<string, { version: number; registryVersion: string }>();
    ids.forEach((id, i) => {
      const value = values[i];
      const head = typeof value === 'string' ? decodeCachedHead(value) : undefined;
      if (head !== undefined) found.set(id, head);
    });
    return found;
  }

  /** Caches one record unless Redis holds a newer version of it (see guarded-set-script.ts). */
  async set(record: SnapshotRecord): Promise<SetOutcome> {
    const [result] = await this.setMany([record]);
    return (result as SetResult).outcome;
  }

  /**
   * Caches the records by the guarded script in one pipelined round trip: on a single Redis up to
   * GUARDED_SET_KEYS_PER_CALL records per script call, on Redis Cluster one per call (each routed to
   * its key's node). The results are in the order of `records` (an actor listed twice is set twice,
   * in order). Nothing is sent when a record cannot be encoded. On a Redis failure some records may be
   * written already: the guarded set is idempotent, so retrying the whole batch is safe.
   */
  async setMany(records: readonly SnapshotRecord[]): Promise<SetResult[]> {
    const writes = records.map((record) => ({
      key: this.keyOf(record.actorId),
      version: String(record.version),
      value: encodeCachedValue(record),
    }));
    const perCall = this.redis.isCluster ? 1 : GUARDED_SET_KEYS_PER_CALL;
    const calls: (typeof writes)[] = [];
    for (let i = 0; i < writes.length; i += perCall) calls.push(writes.slice(i, i + perCall));
    let replies: unknown[];
    try {
      replies = await runBatch(
        this.redis,
        calls,
        (pipeline, call) =>
          (pipeline as unknown as GuardedSetCommand<unknown>)[GUARDED_SET_COMMAND](
            ...guardedSetArgs(call, this.ttl),
          ),
        (call) =>
          (this.redis as unknown as GuardedSetCommand<Promise<number[]>>)[GUARDED_SET_COMMAND](
            ...guardedSetArgs(call, this.ttl),
          ),
      );
    } catch (err) {
      throw storeError(err, `writing ${writes.length} cached snapshot(s)`);
    }
    const written = (replies as number[][]).flat();
    return records.map((record, i) => ({
      actorId: record.actorId,
      version: record.version,
      outcome: written[i] === 1 ? 'written' : 'skipped',
    }));
  }

  /** Removes an actor's cached snapshot (invalidation); true when there was one. */
  async delete(actorId: string): Promise<boolean> {
    try {
      return (await this.redis.del(this.keyOf(actorId))) > 0;
    } catch (err) {
      throw storeError(err, 'deleting a cached snapshot', { actorId });
    }
  }

  /** Read-through lookup of one actor: Redis, else the source (cached on the way), else undefined. */
  async getSnapshot(actorId: string): Promise<SnapshotRecord | undefined> {
    return (await this.getSnapshots([actorId])).get(actorId);
  }

  /**
   * Read-through lookup of many actors: one round trip to Redis, one `loadSnapshots` call to the
   * source for the actors Redis lacks, one round trip writing those back. The map holds the actors
   * found, in the order asked; each distinct actor counts once as a hit, fill or miss.
   *
   * A Redis failure is thrown (STORE_UNAVAILABLE), not answered from the source: the caller decides
   * whether to degrade, and an outage does not silently turn into full load on Postgres. A fill returns
   * the source's record even when the write-back found a newer version already cached.
   */
  async getSnapshots(actorIds: readonly string[]): Promise<Map<string, SnapshotRecord>> {
    const ids = [...new Set(actorIds)];
    const cached = await this.getMany(ids);
    const missing = ids.filter((id) => !cached.has(id));
    const loaded = missing.length > 0 ? await this.load(missing) : new Map<string, SnapshotRecord>();
    if (loaded.size > 0) await this.setMany([...loaded.values()]);

    const result = new Map<string, SnapshotRecord>();
    for (const id of ids) {
      const hit = cached.get(id);
      const fill = hit === undefined ? loaded.get(id) : undefined;
      const record = hit ?? fill;
      if (record !== undefined) result.set(id, record);
      this.count(hit !== undefined ? 'hit' : fill !== undefined ? 'fill' : 'miss');
    }
    return result;
  }

  /** The source's newest record of each of `ids` (records of other actors are ignored). */
  private async load(ids: readonly string[]): Promise<Map<string, SnapshotRecord>> {
    const newest = new Map<string, SnapshotRecord>();
    if (this.source === undefined) return newest;
    const wanted = new Set(ids);
    for (const record of await this.source.loadSnapshots(ids)) {
      if (!wanted.has(record.actorId)) continue;
      const seen = newest.get(record.actorId);
      if (seen === undefined || record.version > seen.version) newest.set(record.actorId, record);
    }
    return newest;
  }

  private count(outcome: LookupOutcome): void {
    if (outcome === 'hit') this.counters.hits += 1;
    else if (outcome === 'fill') this.counters.fills += 1;
    else this.counters.misses += 1;
    this.onLookup?.(outcome);
  }
}

export function createSnapshotCache(options: SnapshotCacheOptions): SnapshotCache {
  return new SnapshotCache(options);
}
