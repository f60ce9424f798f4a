/**
 * Redis failures as ActorCoreError STORE_UNAVAILABLE. Anything that is not an error reply of the
 * server (a refused or lost connection, a connect timeout, ioredis' "Stream isn't writeable",
 * "Connection is closed." or MaxRetriesPerRequestError) is transient: `permanent = false`. Error
 * replies are permanent (WRONGTYPE, a script error, NOPERM) except those a server sends while it is
 * starting, failing over or resharding, which a retry outlives.
 */
import { ReplyError } from 'ioredis';
import { ActorCoreError, type ErrorLocation } from '../../core/errors';

const TRANSIENT_REPLIES = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS|OOM)\b/;

/**
 * An error reply of the server. By name, not `instanceof`: a library caller's connection may come from
 * its own copy of ioredis, whose ReplyError is another class.
 */
export function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === ReplyError.name;
}

export function isTransientRedisError(err: unknown): boolean {
  if (isReplyError(err)) return TRANSIENT_REPLIES.test(err.message);
  return true;
}

/** `err` (thrown by ioredis while `doing`) as STORE_UNAVAILABLE; an ActorCoreError passes unchanged. */
export function storeError(err: unknown, doing: string, where: ErrorLocation = {}): ActorCoreError {
  if (err instanceof ActorCoreError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  const error = new ActorCoreError(
    'STORE_UNAVAILABLE',
    `Redis failed while ${doing}: ${reason}`,
    where,
    !isTransientRedisError(err),
  );
  error.cause = err;
  return error;
}
