/**
 * How `actors.data` is stored: as is, or sealed in an AES-256-GCM envelope (encryption at rest). The
 * repositories call the codec on every write and read, so encryption lives in one place.
 */
import { decryptJson, encryptJson, needsRotation, type KeyRing } from '../crypto';

export interface ActorDataCodec {
  /** The jsonb value to store as actor `actorId`'s data. */
  encode(actorId: string, data: unknown): unknown;
  /** The actor's data from its stored jsonb value; throws a clear error on a wrong key or a tampered row. */
  decode(actorId: string, stored: unknown): unknown;
  /** Whether the stored value should be rewritten under the newest key (`rotate-keys`). */
  isStale(stored: unknown): boolean;
}

/** Binds an envelope to its row: moved to another actor, it fails authentication. */
export function actorDataAad(actorId: string): string {
  return `actors:${actorId}`;
}

/** The codec for a key ring, or plaintext when there is none. */
export function actorDataCodec(ring: KeyRing | undefined): ActorDataCodec {
  if (ring === undefined) {
    return {
      encode: (_actorId, data) => data,
      // An envelope without a key is an error that says so, not data handed out as is.
      decode: (actorId, stored) => decryptJson(stored, undefined, actorDataAad(actorId)),
      isStale: () => false,
    };
  }
  return {
    encode: (actorId, data) => encryptJson(data, ring, actorDataAad(actorId)),
    decode: (actorId, stored) => decryptJson(stored, ring, actorDataAad(actorId)),
    isStale: (stored) => needsRotation(stored, ring),
  };
}

export const plaintextCodec: ActorDataCodec = actorDataCodec(undefined);
