/** Postgres adapters: pool, migrations, repositories, bulk load and seed. */
export {
  createPgPool,
  isTransientPgError,
  runQuery,
  withTransaction,
  type PgPoolOptions,
  type Queryable,
} from './pg-pool';
export { MIGRATIONS_DIR, migrateDatabase, type MigrationResult } from './migrate';
export { ActorRepository, type ActorRecord, type ActorRepositoryOptions } from './actor-repository';
export { actorDataAad, actorDataCodec, plaintextCodec, type ActorDataCodec } from './actor-data-codec';
export { checkActorId, MAX_ACTOR_ID_LENGTH } from './actor-id';
export {
  actorLine,
  loadActorLines,
  sampleActorIds,
  type LoadedActor,
  type LoadOptions,
  type CurrentActor,
  type LoadResult,
} from './actor-loader';
export {
  SnapshotRepository,
  snapshotBatchParams,
  type SnapshotBatchParams,
  type SnapshotWriteResult,
} from './snapshot-repository';
export { writeSeedBatch, type SeedActor, type SeedBatchResult } from './seed-writer';
export { rotateActorKeys, type RotationOptions, type RotationResult } from './rotate-keys';
export {
  listFailures,
  recordFailures,
  type ResolutionFailure,
  type StoredFailure,
} from './resolution-errors';
