/**
 * The actor-core library: the pure aggregator and registry loading, and the producer library other
 * services use to enqueue resolutions (with their own Redis connection).
 */
export * from './core';
export * from './registry';
export * from './producer';
// What a service needs to build ActorWriter (store outputs, then enqueue) and deleteActorEverywhere.
export { createPgPool, type PgPoolOptions } from './adapters/pg/pg-pool';
export {
  ActorRepository,
  type ActorRecord,
  type ActorRepositoryOptions,
} from './adapters/pg/actor-repository';
export { actorDataCodec, plaintextCodec, type ActorDataCodec } from './adapters/pg/actor-data-codec';
export { parseKeyRing, type KeyRing } from './adapters/crypto';
export { SnapshotCache, type SnapshotCacheOptions } from './adapters/redis/snapshot-cache';
