/**
 * The highest version an actor may be stored at. Postgres keeps versions as bigint, but a worker
 * resolves only versions it can hold exactly (checkVersion in src/core/resolve.ts: 1 to 2^53 − 1),
 * and job ids and snapshots name them as JS numbers: an actor stored above that would fail to resolve
 * forever. Every write that moves a version up (a subsystem write or delete, a re-seed, an actor
 * created again above its deleted version) checks what it stored, inside its transaction, and is
 * refused and rolled back when that passed the limit. Versions are not capped instead: a capped
 * version would equal the one already resolved, and the new outputs would never be.
 */
import { ActorCoreError, type ErrorLocation } from '../../core/errors';

export const MAX_ACTOR_VERSION = Number.MAX_SAFE_INTEGER;

const MAX_BIGINT = BigInt(MAX_ACTOR_VERSION);

/** True when a stored version (pg returns bigint as text) is past MAX_ACTOR_VERSION. */
export function isPastMaxVersion(stored: string | number | bigint): boolean {
  return BigInt(stored) > MAX_BIGINT;
}

/** The error for a write that would have stored `actorId` past MAX_ACTOR_VERSION. */
export function versionOverflowError(
  actorId: string,
  doing: string,
  where: ErrorLocation = {},
): ActorCoreError {
  return new ActorCoreError(
    'INVALID_VERSION',
    `${doing} would move the actor past version 2^53 − 1 (${MAX_ACTOR_VERSION}), the highest a worker ` +
      'resolves (every write moves the version up by one): nothing was written',
    { field: 'version', actorId, ...where },
  );
}

/** The version pg returned for a write, as a number; refused (the caller's transaction rolls back) past the limit. */
export function storedVersion(actorId: string, stored: string, doing: string): number {
  if (isPastMaxVersion(stored)) throw versionOverflowError(actorId, doing);
  return Number(stored);
}
