/** The Redis snapshot cache: version-guarded writes, pipelined batches, read-through to the source. */
export {
  SnapshotCache,
  createSnapshotCache,
  type LookupOutcome,
  type SetOutcome,
  type SetResult,
  type SnapshotCacheOptions,
  type SnapshotCacheStats,
} from './snapshot-cache';
export { decodeCachedValue, encodeCachedValue } from './cached-value';
export { snapshotKey } from './snapshot-key';
export { isTransientRedisError, storeError } from './store-error';
export { GUARDED_SET_COMMAND, GUARDED_SET_LUA } from './guarded-set-script';
export { redisClientOptions } from './client-options';
