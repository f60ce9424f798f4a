/**
 * The producer's own errors: Redis failures as the caller should read them (a wrong password is a
 * configuration error, not an outage to retry), a call on a closed producer, and an enqueue that
 * stopped part-way, with how far it got.
 */
import { isReplyError, storeError } from '../adapters/redis/store-error';
import { ActorCoreError, type ErrorLocation } from '../core/errors';

/** Replies that mean the connection's user or password is wrong, or lacks a permission. */
const AUTH_REPLIES = /^(WRONGPASS|NOAUTH|NOPERM)\b|^ERR invalid (username-)?password/;

export function isAuthError(err: unknown): boolean {
  return isReplyError(err) && AUTH_REPLIES.test(err.message);
}

/** Redis refused the credentials: retrying cannot help, the URL (or the ACL) must change. */
export function authError(err: Error): ActorCoreError {
  const error = new ActorCoreError(
    'INVALID_CONFIG',
    `Redis refused the connection's credentials (${err.message}): check the user and password of the Redis URL`,
    { field: 'connection' },
  );
  error.cause = err;
  return error;
}

/** `err`, thrown by ioredis or BullMQ while `doing`, as the caller should see it. */
export function redisFailure(err: unknown, doing: string, where: ErrorLocation = {}): ActorCoreError {
  if (isAuthError(err)) return authError(err as Error);
  return storeError(err, doing, where);
}

/**
 * A call on a closed producer: permanent for this producer (it opens nothing again). The API, whose
 * requests can still arrive while it shuts down, answers it with 503.
 */
export class ProducerClosedError extends ActorCoreError {
  constructor(call: string) {
    super(
      'PRODUCER_CLOSED',
      `${call}: the producer is closed (ResolveProducer.close() was called)`,
      {},
      true,
    );
    this.name = 'ProducerClosedError';
  }
}

/** A job waited for failed for good (its `failedReason` says why): waiting again cannot help. */
export function jobFailedError(jobId: string, failedReason: string): ActorCoreError {
  return new ActorCoreError('JOB_FAILED', `job ${jobId} failed: ${failedReason}`, {}, true);
}

/** A job waited for is not in Redis: never created, or removed after it finished. */
export function jobNotFoundError(jobId: string): ActorCoreError {
  return new ActorCoreError('JOB_NOT_FOUND', `job ${jobId} does not exist (or was removed)`, {}, true);
}

/**
 * The wait ended before every job finished. Transient: the jobs stay queued and still run, so a later
 * wait (or a worker that was not running) can see them through.
 */
export function waitTimeoutError(timeoutMs: number, pending: readonly string[]): ActorCoreError {
  const shown =
    pending.slice(0, 5).join(', ') + (pending.length > 5 ? `, … (${pending.length - 5} more)` : '');
  return new ActorCoreError('WAIT_TIMEOUT', `jobs not finished after ${timeoutMs} ms: ${shown}`, {}, false);
}

/**
 * An enqueue that failed after some of its jobs were added: they stay queued (and run). Retrying the
 * same call enqueues those actors again: bulk jobs are not deduplicated, so they are resolved twice
 * (harmless, the second finds them `current`; with `force`, rewritten again); single-actor jobs are.
 * Retry with `notEnqueuedActorIds` to enqueue only the rest.
 */
export class EnqueueIncompleteError extends ActorCoreError {
  constructor(
    /** The distinct actors the call was to enqueue. */
    readonly actors: number,
    /** Actors whose job Redis confirmed. */
    readonly enqueuedActors: number,
    /** The confirmed jobs (they are queued and will run). */
    readonly enqueuedJobIds: string[],
    /**
     * The actors of this call without a confirmed job, in call order. One whose command timed out
     * may still have been enqueued: a hung Redis can carry it out when it answers.
     */
    readonly notEnqueuedActorIds: string[],
    cause: ActorCoreError,
  ) {
    super(
      cause.code,
      enqueuedActors === 0
        ? `${cause.message} (none of the ${actors} actors was confirmed enqueued)`
        : `${cause.message} (${enqueuedActors} of the ${actors} actors were enqueued first, in ` +
            `${enqueuedJobIds.length} jobs: notEnqueuedActorIds lists the other ${actors - enqueuedActors})`,
      cause.location(),
      cause.permanent,
    );
    this.name = 'EnqueueIncompleteError';
    this.cause = cause;
  }
}
