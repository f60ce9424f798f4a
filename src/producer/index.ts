/** The producer library: enqueue actor resolutions from other services, in process. */
export {
  producerRedisOptions,
  ResolveProducer,
  type EnqueueAllFilter,
  type EnqueueOptions,
  type EnqueueResult,
  type ProducerOptions,
} from './resolve-producer';
export { ActorWriter, StoredNotEnqueuedError, type WriteResult } from './actor-writer';
export { deleteActorEverywhere, type ActorStores } from './delete-actor';
export {
  PRIORITY_VALUES,
  RESOLVE_JOB,
  type ActorOutcome,
  type ResolveJobData,
  type ResolveJobResult,
  type ResolvePriority,
} from '../queue/resolve-jobs';
