/** The producer library: enqueue actor resolutions from other services, in process. */
export {
  PRODUCER_COMMAND_TIMEOUT_MS,
  producerRedisOptions,
  ResolveProducer,
  type EnqueueAllFilter,
  type EnqueueOptions,
  type EnqueueResult,
  type ProducerOptions,
} from './resolve-producer';
export { EnqueueIncompleteError, ProducerClosedError } from './producer-errors';
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
export { DEFAULT_QUEUE_NAME, DEFAULT_QUEUE_PREFIX, DEFAULT_QUEUE_SETTINGS } from '../queue/queue-settings';
export type { QueueSettings } from '../../config/settings';
