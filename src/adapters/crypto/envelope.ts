/**
 * AES-256-GCM envelopes for JSON values stored at rest (an actor's `data` in jsonb). The envelope is
 * itself JSON, `{kid, iv, tag, ct}` with base64 fields, so it fits the same jsonb column as plaintext
 * rows written before encryption was turned on.
 *
 * The authenticated data is `<kid>|<aad>` (a kid never contains `|`): the caller's aad binds the
 * ciphertext to its row, and the kid binds it to its key id, so an envelope moved to another row or
 * relabelled with another kid fails authentication instead of decrypting.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ActorCoreError } from '../../core/errors';
import { keyFor, type KeyRing } from './key-ring';

export interface EncryptedEnvelope {
  /** Id of the key in the ring that encrypted `ct`. */
  kid: string;
  /** Base64 of the 12-byte nonce, fresh per encryption. */
  iv: string;
  /** Base64 of the 16-byte GCM authentication tag. */
  tag: string;
  /** Base64 of the ciphertext of `JSON.stringify(value)` (UTF-8). */
  ct: string;
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ENVELOPE_FIELDS = ['ct', 'iv', 'kid', 'tag'] as const;

/**
 * True for exactly `{kid, iv, tag, ct}` with string values. Any other object, even one with some of
 * these fields, is a plaintext row.
 */
export function isEnvelope(value: unknown): value is EncryptedEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value).sort();
  if (keys.length !== ENVELOPE_FIELDS.length) return false;
  const record = value as Record<string, unknown>;
  return ENVELOPE_FIELDS.every((field, index) => keys[index] === field && typeof record[field] === 'string');
}

/** A kid read from a row, quoted and cut short: the row, not the ring, decides how long it is. */
function quote(kid: string): string {
  return JSON.stringify(kid.length > 40 ? `${kid.slice(0, 40)}…` : kid);
}

function authenticatedData(kid: string, aad: string): Buffer {
  return Buffer.from(`${kid}|${aad}`, 'utf8');
}

/** Encrypts `value` under the ring's newest key, bound to `aad` (the row, e.g. `actors:<actorId>`). */
export function encryptJson(value: unknown, ring: KeyRing, aad: string): EncryptedEnvelope {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    // Cycles and BigInt; the message names the problem, not the data.
    throw new ActorCoreError('INVALID_TYPE', `cannot encrypt ${aad}: not JSON (${(err as Error).message})`);
  }
  if (text === undefined) {
    throw new ActorCoreError('INVALID_TYPE', `cannot encrypt ${aad}: ${typeof value} is not a JSON value`);
  }
  const kid = ring.currentKid;
  const key = keyFor(ring, kid) as Buffer;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(authenticatedData(kid, aad));
  const ct = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return {
    kid,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ct: ct.toString('base64'),
  };
}

/**
 * The bytes of a canonical base64 field, or undefined. Node's decoder ignores stray characters and the
 * unused low bits of the last character, so a strict check keeps every edit of a field detectable.
 */
function field(text: string, bytes?: number): Buffer | undefined {
  const decoded = Buffer.from(text, 'base64');
  if (decoded.toString('base64') !== text) return undefined;
  if (bytes !== undefined && decoded.length !== bytes) return undefined;
  return decoded;
}

function tampered(aad: string, kid: string, why: string): ActorCoreError {
  return new ActorCoreError(
    'DECRYPTION_FAILED',
    `encrypted data of ${aad} (kid ${quote(kid)}) ${why}: it was tampered with or encrypted under a different key`,
  );
}

/**
 * The JSON value stored for `aad`: an envelope is decrypted with its kid's key, and anything else is
 * a plaintext row (written before encryption was turned on) and returned as is.
 */
export function decryptJson(stored: unknown, ring: KeyRing | undefined, aad: string): unknown {
  if (!isEnvelope(stored)) return stored;
  const { kid } = stored;
  if (ring === undefined) {
    throw new ActorCoreError(
      'UNKNOWN_KEY_ID',
      `${aad} is encrypted (kid ${quote(kid)}) but ENCRYPTION_KEY is not set; set it to a key ring holding that kid`,
      { field: 'ENCRYPTION_KEY' },
    );
  }
  const key = keyFor(ring, kid);
  if (key === undefined) {
    throw new ActorCoreError(
      'UNKNOWN_KEY_ID',
      `${aad} is encrypted under kid ${quote(kid)}, which is not in ENCRYPTION_KEY (kids: ${ring.kids.join(', ')})`,
      { field: 'ENCRYPTION_KEY' },
    );
  }
  const iv = field(stored.iv, IV_BYTES);
  const tag = field(stored.tag, TAG_BYTES);
  const ct = field(stored.ct);
  if (iv === undefined || tag === undefined || ct === undefined) {
    throw tampered(aad, kid, 'is malformed (iv, tag or ct is not canonical base64 of the right length)');
  }
  let text: string;
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(authenticatedData(kid, aad));
    decipher.setAuthTag(tag);
    text = Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
  } catch {
    throw tampered(aad, kid, 'failed authentication');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Authenticated but not JSON: only a writer other than encryptJson could produce this.
    throw tampered(aad, kid, 'is not JSON after decryption');
  }
}

/**
 * True when rotate-keys should rewrite the row: plaintext rows, and envelopes under any kid but the
 * ring's newest.
 */
export function needsRotation(stored: unknown, ring: KeyRing): boolean {
  return !isEnvelope(stored) || stored.kid !== ring.currentKid;
}
