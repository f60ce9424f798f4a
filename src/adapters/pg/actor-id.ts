/** Actor ids are the primary key (varchar(255)) and part of Redis keys: checked before any write. */
import { ActorCoreError } from '../../core/errors';
import { isUnstorableText } from '../storable-json';

export const MAX_ACTOR_ID_LENGTH = 255;

export function checkActorId(value: unknown, field = 'actorId'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ACTOR_ID_LENGTH) {
    throw new ActorCoreError(
      'INVALID_ACTOR_ID',
      `${field} must be a string of 1 to ${MAX_ACTOR_ID_LENGTH} characters, got ${
        typeof value === 'string' ? `${value.length} characters` : (JSON.stringify(value) ?? typeof value)
      }`,
      { field },
    );
  }
  // Control characters would make log lines and Redis keys ambiguous.
  if (hasControlCharacter(value)) {
    throw new ActorCoreError('INVALID_ACTOR_ID', `${field} must not contain control characters`, {
      field,
      actorId: value,
    });
  }
  // A lone surrogate has no UTF-8 form: pg would send U+FFFD, so 'a\ud800' and 'a\udfff' would be
  // stored as one actor. The id is shown escaped: printed as is, it would read as that U+FFFD too.
  if (isUnstorableText(value)) {
    throw new ActorCoreError(
      'INVALID_ACTOR_ID',
      `${field} must not contain a lone surrogate (half of a UTF-16 pair), got ${JSON.stringify(value)}`,
      { field },
    );
  }
  return value;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
