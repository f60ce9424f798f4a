/**
 * The producer's options and the arguments of its calls, with their defaults and checks in one place.
 * Callers in plain JavaScript get no type checking: a priority `'urgent'` or a queue without its prefix
 * must be refused naming the field, not enqueued where no worker, or the wrong lane, takes it.
 */
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { QueueSettings } from '../../config/settings';
import { checkActorId } from '../adapters/pg/actor-id';
import { describeValue } from '../core/check';
import { ActorCoreError, type ErrorCode } from '../core/errors';
import { isProducerJobId } from '../queue/job-ids';
import { PRIORITY_VALUES, type ResolvePriority } from '../queue/resolve-jobs';
import { checkQueueSettings, MAX_BATCH_SIZE } from '../queue/queue-settings';

/**
 * How long one Redis command of a producer may take (the API's producer connection uses it too): an
 * enqueue of `{all: true}` sends its jobs 1000 at a time.
 */
export const PRODUCER_COMMAND_TIMEOUT_MS = 5000;

/**
 * ioredis options for a producer connection: commands fail at once when Redis is unreachable, and
 * after `commandTimeout` when it hangs (connected, answering nothing).
 */
export const producerRedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 5000,
  commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS,
} as const;

export interface ProducerOptions {
  /**
   * The caller's Redis connection (the producer never closes it). Create it with
   * `producerRedisOptions`, so that it fails fast when Redis is down or hung.
   */
  connection: Redis;
  /** The workers' queue settings (`DEFAULT_QUEUE_SETTINGS` unless they were configured otherwise). */
  queue: QueueSettings;
  /** Needed by `enqueueAll` only: where the actor ids come from. */
  pool?: pg.Pool;
  /**
   * BullMQ re-emits the connection's errors on each queue, and prints them when nobody listens. The
   * caller's connection reports them already and calls fail with STORE_UNAVAILABLE, so by default
   * they are dropped here; give a listener to log them.
   */
  onQueueError?: (err: Error) => void;
  /**
   * How long the producer waits for each Redis command of a call before failing it with a transient
   * STORE_UNAVAILABLE, whatever the connection's own options: the producer cannot change a connection
   * it does not own, and one without `commandTimeout` would hang every call while Redis hangs. Default:
   * the connection's `commandTimeout`, else 5 s.
   */
  commandTimeoutMs?: number;
}

export interface EnqueueOptions {
  /** Default `bulk` for several actors, `interactive` for one. */
  priority?: ResolvePriority;
  /** Actors per job for bulk requests; default from the queue settings. */
  batchSize?: number;
  /** Resolve even when the stored snapshot is current. */
  force?: boolean;
}

export interface EnqueueResult {
  jobIds: string[];
  actors: number;
}

export interface EnqueueAllFilter {
  /** Only actors whose stored snapshot is missing or older than the actor (e.g. after an outage). */
  stale?: boolean;
  /**
   * Not the actors whose current version failed validation (a `resolution_errors` row at it): resolving
   * them again gives the same error until they are written again (or the registries change).
   */
  skipFailed?: boolean;
}

/** ProducerOptions with the defaults applied. */
export interface CheckedProducerOptions {
  connection: Redis;
  queue: QueueSettings;
  pool: pg.Pool | undefined;
  onQueueError: (err: Error) => void;
  commandTimeoutMs: number;
}

/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2_147_483_647;

export function checkProducerOptions(value: unknown): CheckedProducerOptions {
  const options = record(value, 'options', 'INVALID_CONFIG', 'the producer options {connection, queue}');
  known(
    options,
    ['connection', 'queue', 'pool', 'onQueueError', 'commandTimeoutMs'],
    'options',
    'INVALID_CONFIG',
  );
  const connection = options.connection as Redis | undefined;
  if (
    typeof connection !== 'object' ||
    connection === null ||
    typeof connection.on !== 'function' ||
    typeof connection.options !== 'object'
  ) {
    throw new ActorCoreError(
      'INVALID_CONFIG',
      `options.connection must be an ioredis connection (new Redis(url, producerRedisOptions)), got ${describeValue(connection)}`,
      { field: 'options.connection' },
    );
  }
  // BullMQ refuses it later with a bare Error: its keys have their own prefix (queue.prefix).
  if (connection.options.keyPrefix) {
    throw new ActorCoreError(
      'INVALID_CONFIG',
      'options.connection must have no keyPrefix: the queue keys are prefixed by queue.prefix',
      { field: 'options.connection.keyPrefix' },
    );
  }
  const queue = checkQueueSettings(options.queue, 'options.queue');
  if (options.pool !== undefined && (typeof options.pool !== 'object' || options.pool === null)) {
    throw new ActorCoreError(
      'INVALID_CONFIG',
      `options.pool must be a pg.Pool, got ${describeValue(options.pool)}`,
      {
        field: 'options.pool',
      },
    );
  }
  if (options.onQueueError !== undefined && typeof options.onQueueError !== 'function') {
    throw new ActorCoreError(
      'INVALID_CONFIG',
      `options.onQueueError must be a function, got ${describeValue(options.onQueueError)}`,
      { field: 'options.onQueueError' },
    );
  }
  const own = connection.options.commandTimeout;
  const commandTimeoutMs =
    options.commandTimeoutMs === undefined
      ? typeof own === 'number' && own > 0
        ? own
        : PRODUCER_COMMAND_TIMEOUT_MS
      : checkMs(options.commandTimeoutMs, 'options.commandTimeoutMs');
  return {
    connection,
    queue,
    pool: options.pool as pg.Pool | undefined,
    onQueueError: (options.onQueueError as ((err: Error) => void) | undefined) ?? ((): void => undefined),
    commandTimeoutMs,
  };
}

/** EnqueueOptions, checked. */
export interface CheckedEnqueueOptions {
  priority: ResolvePriority | undefined;
  batchSize: number | undefined;
  force: boolean;
}

export function checkEnqueueOptions(value: unknown): CheckedEnqueueOptions {
  if (value === undefined) return { priority: undefined, batchSize: undefined, force: false };
  const options = record(
    value,
    'options',
    'INVALID_TYPE',
    'the enqueue options {priority, batchSize, force}',
  );
  known(options, ['priority', 'batchSize', 'force'], 'options', 'UNKNOWN_FIELD');
  const { priority, batchSize, force } = options;
  if (priority !== undefined && !(typeof priority === 'string' && Object.hasOwn(PRIORITY_VALUES, priority))) {
    throw new ActorCoreError(
      'INVALID_PRIORITY',
      `options.priority must be one of ${Object.keys(PRIORITY_VALUES).join(', ')}, got ${describeValue(priority)}`,
      { field: 'options.priority' },
    );
  }
  if (
    batchSize !== undefined &&
    (typeof batchSize !== 'number' ||
      !Number.isSafeInteger(batchSize) ||
      batchSize < 1 ||
      batchSize > MAX_BATCH_SIZE)
  ) {
    throw new ActorCoreError(
      'INVALID_CONFIG',
      `options.batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${describeValue(batchSize)}`,
      { field: 'options.batchSize' },
    );
  }
  if (force !== undefined && typeof force !== 'boolean') {
    throw new ActorCoreError(
      'INVALID_TYPE',
      `options.force must be true or false, got ${describeValue(force)}`,
      {
        field: 'options.force',
      },
    );
  }
  return { priority: priority as ResolvePriority | undefined, batchSize, force: force === true };
}

export function checkEnqueueAllFilter(value: unknown): { stale: boolean; skipFailed: boolean } {
  if (value === undefined) return { stale: false, skipFailed: false };
  const filter = record(value, 'filter', 'INVALID_TYPE', 'the filter {stale, skipFailed}');
  known(filter, ['stale', 'skipFailed'], 'filter', 'UNKNOWN_FIELD');
  for (const name of ['stale', 'skipFailed'] as const) {
    if (filter[name] !== undefined && typeof filter[name] !== 'boolean') {
      throw new ActorCoreError(
        'INVALID_TYPE',
        `filter.${name} must be true or false, got ${describeValue(filter[name])}`,
        { field: `filter.${name}` },
      );
    }
  }
  return { stale: filter.stale === true, skipFailed: filter.skipFailed === true };
}

/** An array of actor ids (each checked as Postgres and Redis keys need it). */
export function checkActorIds(value: unknown): string[] {
  const ids = array(value, 'actorIds', 'actor ids');
  ids.forEach((id, i) => checkActorId(id, `actorIds[${i}]`));
  return ids as string[];
}

/** An array of job ids, as the enqueue calls return them. */
export function checkJobIds(value: unknown): string[] {
  const ids = array(value, 'jobIds', 'job ids');
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || id.length === 0) {
      throw new ActorCoreError(
        'INVALID_TYPE',
        `jobIds[${i}] must be a job id (a non-empty string), got ${describeValue(id)}`,
        { field: `jobIds[${i}]` },
      );
    }
    // `meta` or `events` would name the queue's own keys, which BullMQ would read as a job.
    if (!isProducerJobId(id)) {
      throw new ActorCoreError(
        'INVALID_TYPE',
        `jobIds[${i}] is not a job id the producer gives: ${describeValue(id)}`,
        {
          field: `jobIds[${i}]`,
        },
      );
    }
  });
  return ids as string[];
}

/** A whole number of ms a timer can wait. */
export function checkMs(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_TIMER_MS) {
    throw new ActorCoreError(
      'INVALID_CONFIG',
      `${field} must be a whole number of ms from 1 to ${MAX_TIMER_MS}, got ${describeValue(value)}`,
      { field },
    );
  }
  return value;
}

function record(value: unknown, field: string, code: ErrorCode, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ActorCoreError(code, `${field} must be ${what}, got ${describeValue(value)}`, { field });
  }
  return value as Record<string, unknown>;
}

function known(
  value: Record<string, unknown>,
  keys: readonly string[],
  field: string,
  code: ErrorCode,
): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      throw new ActorCoreError(code, `${field}.${key} is not a known option (${keys.join(', ')})`, {
        field: `${field}.${key}`,
      });
    }
  }
}

function array(value: unknown, field: string, what: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new ActorCoreError(
      'INVALID_TYPE',
      `${field} must be an array of ${what}, got ${describeValue(value)}`,
      {
        field,
      },
    );
  }
  return value;
}
