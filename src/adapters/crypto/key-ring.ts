/**
 * The key ring for encryption at rest, parsed from the `ENCRYPTION_KEY` setting. Key material never
 * leaves this module except to the envelope code: it lives in a module-private WeakMap, not on the
 * ring object, so JSON.stringify, util.inspect (even with showHidden) and error messages cannot show it.
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { ActorCoreError } from '../../core/errors';

/** AES-256: keys are exactly 32 bytes. */
export const KEY_BYTES = 32;

/** Key ids appear in every stored envelope, so they are short and plain. */
export const KID_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;

const SETTING = 'ENCRYPTION_KEY';

/** Keys by ring; a WeakMap so the keys are reachable only through this module. */
const keysByRing = new WeakMap<KeyRing, ReadonlyMap<string, Buffer>>();

export interface KeyEntry {
  kid: string;
  key: Uint8Array;
}

export class KeyRing {
  /** The newest key's id: every new write is encrypted under it. */
  readonly currentKid: string;
  /** All key ids, newest first; each of them decrypts. */
  readonly kids: readonly string[];

  /**
   * A ring from keys in memory, newest first (parseKeyRing reads the setting). Errors name the 1-based
   * entry and, when it is valid, the kid.
   */
  constructor(entries: readonly KeyEntry[]) {
    if (entries.length === 0) invalidKey('has no keys');
    const keys = new Map<string, Buffer>();
    entries.forEach(({ kid, key }, index) => {
      const entry = `entry ${index + 1}`;
      checkKid(entry, kid);
      if (key.length !== KEY_BYTES) {
        invalidKey(`${entry} (kid "${kid}"): the key is ${key.length} bytes, expected ${KEY_BYTES}`);
      }
      if (keys.has(kid)) invalidKey(`${entry}: duplicate kid "${kid}"`);
      // A private, unpooled copy: the caller's buffer may be reused or zeroed.
      const copy = Buffer.alloc(KEY_BYTES);
      copy.set(key);
      keys.set(kid, copy);
    });
    this.kids = Object.freeze([...keys.keys()]);
    this.currentKid = this.kids[0] as string;
    keysByRing.set(this, keys);
    Object.freeze(this);
  }

  has(kid: string): boolean {
    return this.kids.includes(kid);
  }

  /** Ids only: a ring logged or serialized by mistake shows no key. */
  toJSON(): { currentKid: string; kids: string[] } {
    return { currentKid: this.currentKid, kids: [...this.kids] };
  }

  toString(): string {
    return `KeyRing(${this.kids.join(', ')})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * The key of `kid`, or undefined. Only the envelope code calls this; it is not re-exported from the
 * package's crypto index.
 */
export function keyFor(ring: KeyRing, kid: string): Buffer | undefined {
  return keysByRing.get(ring)?.get(kid);
}

function invalidKey(message: string): never {
  throw new ActorCoreError('INVALID_ENCRYPTION_KEY', `${SETTING} ${message}`, { field: SETTING });
}

/** An invalid kid is described, never echoed: a swapped `key:kid` would put the key there. */
function checkKid(entry: string, kid: string): void {
  if (KID_PATTERN.test(kid)) return;
  const what = kid.length === 0 ? 'empty' : kid.length > 32 ? `${kid.length} characters` : 'other characters';
  invalidKey(`${entry}: the kid must be 1 to 32 characters of A-Z a-z 0-9 _ . - (got ${what})`);
}

/**
 * Decodes standard or URL-safe base64, padded or not, and rejects anything else. Node's own decoder
 * silently skips invalid characters, which would turn a typo into a different key; here the text must
 * be exactly the canonical encoding of the bytes it decodes to.
 */
export function decodeBase64(text: string): Buffer | undefined {
  const match = /^([A-Za-z0-9+/]*|[A-Za-z0-9_-]*)(={0,2})$/.exec(text);
  if (match === null) return undefined;
  const body = match[1] as string;
  const padding = match[2] as string;
  if (body.length === 0) return undefined;
  if (padding.length > 0 && (body.length + padding.length) % 4 !== 0) return undefined;
  const urlSafe = /[_-]/.test(body);
  const bytes = Buffer.from(body, urlSafe ? 'base64url' : 'base64');
  const again = bytes.toString('base64url');
  const canonical = urlSafe ? again : again.replace(/-/g, '+').replace(/_/g, '/');
  if (canonical !== body) {
    bytes.fill(0);
    return undefined;
  }
  return bytes;
}

/** A bare key's id: stable for the key, and a hash prefix so it never reveals the key. */
export function bareKeyId(key: Uint8Array): string {
  return `k${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

/**
 * Parses `ENCRYPTION_KEY`: one bare base64 key (kid derived by bareKeyId), or `kid:base64key,...`
 * with the newest key first. Base64 has no `:` or `,`, so their presence selects the ring form.
 */
export function parseKeyRing(text: string): KeyRing {
  const trimmed = text.trim();
  if (trimmed === '') invalidKey('is empty');
  const entries: KeyEntry[] = [];
  // Decoded keys are zeroed once copied into the ring, or when parsing fails.
  try {
    if (!/[:,]/.test(trimmed)) {
      const key = decodeBase64(trimmed);
      if (key === undefined) {
        invalidKey('is not valid base64 (expected one base64 key of 32 bytes, or kid:base64key,...)');
      }
      entries.push({ kid: bareKeyId(key), key });
      if (key.length !== KEY_BYTES) {
        invalidKey(`decodes to ${key.length} bytes, expected ${KEY_BYTES} (AES-256)`);
      }
      return new KeyRing(entries);
    }
    const seen = new Set<string>();
    trimmed.split(',').forEach((part, index) => {
      const entry = `entry ${index + 1}`;
      const item = part.trim();
      if (item === '') invalidKey(`${entry} is empty (expected kid:base64key)`);
      const colon = item.indexOf(':');
      if (colon < 0) invalidKey(`${entry} has no kid (expected kid:base64key)`);
      const kid = item.slice(0, colon).trim();
      checkKid(entry, kid);
      if (seen.has(kid)) invalidKey(`${entry}: duplicate kid "${kid}"`);
      seen.add(kid);
      const key = decodeBase64(item.slice(colon + 1).trim());
      if (key === undefined) invalidKey(`${entry} (kid "${kid}"): the key is not valid base64`);
      entries.push({ kid, key });
      if (key.length !== KEY_BYTES) {
        invalidKey(`${entry} (kid "${kid}"): the key decodes to ${key.length} bytes, expected ${KEY_BYTES}`);
      }
    });
    return new KeyRing(entries);
  } finally {
    for (const { key } of entries) key.fill(0);
  }
}
