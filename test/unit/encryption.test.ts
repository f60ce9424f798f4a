/**
 * Encryption at rest: the `ENCRYPTION_KEY` key ring and the AES-256-GCM envelopes actors' data is
 * stored in. Every failure is a precise, permanent ActorCoreError, and key material never shows up
 * in an error, a serialized ring or an inspected one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import {
  KeyRing,
  decryptJson,
  encryptJson,
  isEnvelope,
  needsRotation,
  parseKeyRing,
  type EncryptedEnvelope,
} from '../../src/adapters/crypto';
import { ActorCoreError, type ErrorCode } from '../../src/core/errors';

const AAD = 'actors:42';

/** Distinct, recognizable 32-byte keys. */
const KEY_A = Buffer.alloc(32, 0xa1);
const KEY_B = Buffer.alloc(32, 0xb2);
const KEY_C = randomBytes(32);
const b64 = (key: Buffer): string => key.toString('base64');

/** Every way a key could be printed: a leak of any of them fails the test. */
function keyForms(key: Buffer): string[] {
  return [
    key.toString('base64'),
    key.toString('base64').replace(/=+$/, ''),
    key.toString('base64url'),
    key.toString('hex'),
    key.toString('base64').slice(0, 16),
  ];
}

function expectNoKeyMaterial(text: string, keys: Buffer[] = [KEY_A, KEY_B, KEY_C]): void {
  for (const key of keys) for (const form of keyForms(key)) expect(text).not.toContain(form);
}

function thrown(run: () => unknown): ActorCoreError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ActorCoreError);
    return err as ActorCoreError;
  }
  throw new Error('expected an ActorCoreError, nothing was thrown');
}

/** Every rendering of an error that could reach a log or an API body. */
function everyRendering(err: ActorCoreError): string {
  return [err.message, err.describe(), JSON.stringify(err), inspect(err), String(err.stack)].join('\n');
}

function flipByte(base64: string, index = 0): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[index] = (bytes[index] as number) ^ 0x01;
  return bytes.toString('base64');
}

const ringA = parseKeyRing(`a:${b64(KEY_A)}`);

describe('parseKeyRing: a bare key', () => {
  it('gets the kid k + the first 8 hex chars of sha256(key), stable across parses', () => {
    const expected = `k${createHash('sha256').update(KEY_C).digest('hex').slice(0, 8)}`;
    const ring = parseKeyRing(b64(KEY_C));
    expect(ring.currentKid).toBe(expected);
    expect(ring.kids).toEqual([expected]);
    expect(parseKeyRing(b64(KEY_C)).currentKid).toBe(expected);
    expect(parseKeyRing(b64(KEY_A)).currentKid).not.toBe(expected);
  });

  it('accepts surrounding whitespace, missing padding and URL-safe base64 for the same key', () => {
    const kid = parseKeyRing(b64(KEY_C)).currentKid;
    expect(parseKeyRing(`  ${b64(KEY_C)}\n`).currentKid).toBe(kid);
    expect(parseKeyRing(b64(KEY_C).replace(/=+$/, '')).currentKid).toBe(kid);
    expect(parseKeyRing(KEY_C.toString('base64url')).currentKid).toBe(kid);
  });

  it('encrypts and decrypts with the derived kid', () => {
    const ring = parseKeyRing(b64(KEY_C));
    const envelope = encryptJson({ hp: 1 }, ring, AAD);
    expect(envelope.kid).toBe(ring.currentKid);
    expect(decryptJson(envelope, ring, AAD)).toEqual({ hp: 1 });
  });
});

describe('parseKeyRing: a ring of kid:base64key entries', () => {
  it('uses the first entry as the newest key and keeps every kid in order', () => {
    const ring = parseKeyRing(`new:${b64(KEY_A)},old:${b64(KEY_B)},older:${b64(KEY_C)}`);
    expect(ring.currentKid).toBe('new');
    expect(ring.kids).toEqual(['new', 'old', 'older']);
    expect(ring.has('old')).toBe(true);
    expect(ring.has('other')).toBe(false);
  });

  it('ignores whitespace around entries, kids and keys', () => {
    const ring = parseKeyRing(`  new : ${b64(KEY_A)} ,\n  old:${b64(KEY_B)}  `);
    expect(ring.kids).toEqual(['new', 'old']);
  });

  it('accepts a single entry and kids made of letters, digits, _ . - up to 32 characters', () => {
    const kid = `K_1.2-${'x'.repeat(26)}`;
    expect(parseKeyRing(`${kid}:${b64(KEY_A)}`).kids).toEqual([kid]);
  });
});

describe('parseKeyRing: every error names the entry and what is wrong, and never the key', () => {
  const A = b64(KEY_A);
  const B = b64(KEY_B);
  const cases: Array<[string, string, RegExp]> = [
    ['an empty setting', '   ', /^ENCRYPTION_KEY is empty$/],
    ['a bare key that is not base64', `${A.slice(0, 20)}!${A.slice(21)}`, /is not valid base64/],
    ['a bare key with a stray character', `${A.slice(0, 43)}*`, /is not valid base64/],
    ['a bare key of 16 bytes', b64(KEY_A.subarray(0, 16)), /decodes to 16 bytes, expected 32/],
    ['a bare key of 33 bytes', b64(Buffer.concat([KEY_A, KEY_B.subarray(0, 1)])), /decodes to 33 bytes/],
    ['an empty entry (trailing comma)', `a:${A},b:${B},`, /entry 3 is empty/],
    ['an empty entry in the middle', `a:${A},,b:${B}`, /entry 2 is empty/],
    ['an entry without a kid', `a:${A},${B}`, /entry 2 has no kid/],
    ['an empty kid', `a:${A}, :${B}`, /entry 2: the kid must be .* \(got empty\)/],
    [
      'a kid with other characters',
      `a:${A},b c!:${B}`,
      /entry 2: the kid must be .* \(got other characters\)/,
    ],
    ['a kid of 33 characters', `${'x'.repeat(33)}:${A}`, /entry 1: the kid must be .* \(got 33 characters\)/],
    ['a duplicate kid', `a:${A},b:${B},a:${b64(KEY_C)}`, /entry 3: duplicate kid "a"/],
    [
      'an entry key that is not base64',
      `a:${A},b:${B.slice(0, 10)}$${B.slice(11)}`,
      /entry 2 \(kid "b"\): the key is not valid base64/,
    ],
    [
      'an entry key of 24 bytes',
      `a:${b64(KEY_A.subarray(0, 24))}`,
      /entry 1 \(kid "a"\): the key decodes to 24 bytes, expected 32/,
    ],
    ['an entry key that is empty', `a:${A},b:`, /entry 2 \(kid "b"\): the key is not valid base64/],
    [
      'non-canonical base64 (unused bits set)',
      `a:${A.slice(0, 42)}B=`,
      /entry 1 \(kid "a"\): the key is not valid base64/,
    ],
    [
      'mixed standard and URL-safe alphabets',
      `a:${'+_'.repeat(21)}A=`,
      /entry 1 \(kid "a"\): the key is not valid base64/,
    ],
  ];

  it.each(cases)('rejects %s', (_name, text, message) => {
    const err = thrown(() => parseKeyRing(text));
    expect(err.code).toBe<ErrorCode>('INVALID_ENCRYPTION_KEY');
    expect(err.field).toBe('ENCRYPTION_KEY');
    expect(err.permanent).toBe(true);
    expect(err.message).toMatch(/^ENCRYPTION_KEY /);
    expect(err.message).toMatch(message);
    expectNoKeyMaterial(everyRendering(err));
  });

  it('does not echo a kid that is really a key (entries written key:kid)', () => {
    const err = thrown(() => parseKeyRing(`${A}:a`));
    expect(err.message).toMatch(/entry 1: the kid must be .* \(got 44 characters\)/);
    expectNoKeyMaterial(everyRendering(err));
  });

  it('rejects an empty in-memory ring and an in-memory key of the wrong length', () => {
    expect(thrown(() => new KeyRing([])).message).toBe('ENCRYPTION_KEY has no keys');
    const err = thrown(() => new KeyRing([{ kid: 'a', key: KEY_A.subarray(0, 31) }]));
    expect(err.code).toBe<ErrorCode>('INVALID_ENCRYPTION_KEY');
    expect(err.message).toMatch(/entry 1 \(kid "a"\): the key is 31 bytes, expected 32/);
    expectNoKeyMaterial(everyRendering(err));
  });
});

describe('a KeyRing never shows its keys', () => {
  const ring = parseKeyRing(`new:${b64(KEY_A)},old:${b64(KEY_B)}`);

  it('JSON.stringify shows the kids only', () => {
    expect(JSON.parse(JSON.stringify(ring))).toEqual({ currentKid: 'new', kids: ['new', 'old'] });
    expectNoKeyMaterial(JSON.stringify(ring));
    expectNoKeyMaterial(JSON.stringify({ settings: { ring } }));
  });

  it('util.inspect, String() and template strings show the kids only, even with showHidden', () => {
    expect(inspect(ring)).toBe('KeyRing(new, old)');
    for (const text of [
      inspect(ring, { showHidden: true, depth: Infinity, customInspect: true }),
      inspect({ nested: [ring] }, { depth: Infinity }),
      String(ring),
      `${ring}`,
    ]) {
      expectNoKeyMaterial(text);
    }
  });

  it('holds no key in any own property, even bypassing custom inspect', () => {
    expectNoKeyMaterial(inspect(ring, { showHidden: true, depth: Infinity, customInspect: false }));
    for (const name of Reflect.ownKeys(ring)) {
      const value: unknown = Reflect.get(ring, name);
      expect(Buffer.isBuffer(value)).toBe(false);
      expect(value instanceof Map).toBe(false);
    }
  });

  it('is immutable and keeps its own copy of the keys', () => {
    expect(Object.isFrozen(ring)).toBe(true);
    expect(Object.isFrozen(ring.kids)).toBe(true);
    const key = Buffer.from(KEY_C);
    const own = new KeyRing([{ kid: 'c', key }]);
    const envelope = encryptJson('secret', own, AAD);
    key.fill(0);
    expect(decryptJson(envelope, own, AAD)).toBe('secret');
  });
});

describe('encryptJson / decryptJson round trip', () => {
  const values: Array<[string, unknown]> = [
    ['an object', { hp: 100, name: 'Ayla', flags: { pvp: true, guild: null } }],
    ['a nested array', [1, [2, [3, { deep: ['x'] }]], -0.5, 1e21]],
    ['a string', 'plain text'],
    ['unicode', { name: 'Lý Tiểu Long 李小龍 🐉', note: 'Ünïcødé\u0000\u2028' }],
    ['an empty object', {}],
    ['an empty array', []],
    ['an empty string', ''],
    ['null', null],
    ['a number', 42.125],
    ['false', false],
  ];

  it.each(values)('returns %s unchanged', (_name, value) => {
    const envelope = encryptJson(value, ringA, AAD);
    expect(isEnvelope(envelope)).toBe(true);
    expect(decryptJson(envelope, ringA, AAD)).toEqual(value);
  });

  it('survives a trip through JSON text (as jsonb stores it)', () => {
    const value = { inventory: ['sword', 'shield'], gold: 12 };
    const stored: unknown = JSON.parse(JSON.stringify(encryptJson(value, ringA, AAD)));
    expect(decryptJson(stored, ringA, AAD)).toEqual(value);
  });

  it('writes exactly {kid, iv, tag, ct} with a 12-byte iv, a 16-byte tag and no plaintext', () => {
    const envelope = encryptJson({ secretName: 'Ayla' }, ringA, AAD);
    expect(Object.keys(envelope).sort()).toEqual(['ct', 'iv', 'kid', 'tag']);
    expect(envelope.kid).toBe('a');
    expect(Buffer.from(envelope.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(envelope.tag, 'base64')).toHaveLength(16);
    const stored = JSON.stringify(envelope);
    expect(stored).not.toContain('Ayla');
    expect(stored).not.toContain('secretName');
    expectNoKeyMaterial(stored);
  });

  it('uses a fresh random iv for every call, so equal values give different ciphertexts', () => {
    const envelopes = Array.from({ length: 200 }, () => encryptJson({ same: 'value' }, ringA, AAD));
    expect(new Set(envelopes.map((e) => e.iv)).size).toBe(200);
    expect(new Set(envelopes.map((e) => e.ct)).size).toBe(200);
    for (const envelope of envelopes) expect(decryptJson(envelope, ringA, AAD)).toEqual({ same: 'value' });
  });

  it('rejects values that are not JSON with INVALID_TYPE', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const value of [undefined, () => 1, Symbol('s'), cycle, { n: BigInt(1) }]) {
      const err = thrown(() => encryptJson(value, ringA, AAD));
      expect(err.code).toBe<ErrorCode>('INVALID_TYPE');
      expect(err.message).toContain(AAD);
    }
  });
});

describe('decryptJson detects every tampering and never returns garbage', () => {
  const ring = parseKeyRing(`a:${b64(KEY_A)},b:${b64(KEY_B)}`);
  const original = encryptJson({ gold: 1000, items: ['sword'] }, ring, AAD);

  function expectTampered(stored: EncryptedEnvelope, aad = AAD, using = ring): ActorCoreError {
    const err = thrown(() => decryptJson(stored, using, aad));
    expect(err.code).toBe<ErrorCode>('DECRYPTION_FAILED');
    expect(err.permanent).toBe(true);
    expect(err.message).toMatch(/was tampered with or encrypted under a different key/);
    expect(err.message).toContain(aad);
    expectNoKeyMaterial(everyRendering(err));
    return err;
  }

  it.each([0, 5, -1])('a flipped ciphertext byte (at %i)', (at) => {
    const length = Buffer.from(original.ct, 'base64').length;
    expectTampered({ ...original, ct: flipByte(original.ct, (at + length) % length) });
  });

  it('a ciphertext cut short or extended', () => {
    const ct = Buffer.from(original.ct, 'base64');
    expectTampered({ ...original, ct: ct.subarray(0, ct.length - 1).toString('base64') });
    expectTampered({ ...original, ct: Buffer.concat([ct, Buffer.from([0])]).toString('base64') });
  });

  it('a flipped tag byte, a truncated tag and an empty tag', () => {
    expectTampered({ ...original, tag: flipByte(original.tag, 15) });
    expectTampered({
      ...original,
      tag: Buffer.from(original.tag, 'base64').subarray(0, 12).toString('base64'),
    });
    expectTampered({ ...original, tag: '' });
  });

  it('a flipped iv byte and an iv of the wrong length', () => {
    expectTampered({ ...original, iv: flipByte(original.iv, 11) });
    expectTampered({ ...original, iv: randomBytes(16).toString('base64') });
  });

  it('an edit of a base64 field that the lenient decoder would ignore', () => {
    // The tag's last character carries 4 unused bits, and Node skips characters outside the alphabet.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const sibling = alphabet.charAt(alphabet.indexOf(original.tag.charAt(21)) ^ 0x01);
    const edited = `${original.tag.slice(0, 21)}${sibling}==`;
    expect(edited).not.toBe(original.tag);
    expect(Buffer.from(edited, 'base64').equals(Buffer.from(original.tag, 'base64'))).toBe(true);
    expectTampered({ ...original, tag: edited });
    expectTampered({ ...original, ct: `${original.ct}!` });
    expectTampered({ ...original, iv: ` ${original.iv}` });
  });

  it('a kid relabelled to another kid of the ring', () => {
    expectTampered({ ...original, kid: 'b' });
  });

  it('the envelope moved to another row (different aad)', () => {
    expectTampered(original, 'actors:43');
    expectTampered(original, 'actors:42 ');
    expectTampered(original, '');
  });

  it('ciphertext, iv and tag swapped in from another row', () => {
    const other = encryptJson({ gold: 1 }, ring, 'actors:43');
    expectTampered({ ...original, ct: other.ct });
    expectTampered({ ...original, iv: other.iv, tag: other.tag });
    expectTampered(other);
  });

  it('a wrong key under the same kid', () => {
    const impostor = parseKeyRing(`a:${b64(KEY_C)}`);
    expectTampered(original, AAD, impostor);
  });
});

describe('decryptJson: keys it does not have', () => {
  const envelope = encryptJson({ gold: 1 }, ringA, AAD);

  it('names a kid that is not in the ring (UNKNOWN_KEY_ID)', () => {
    const err = thrown(() => decryptJson(envelope, parseKeyRing(`b:${b64(KEY_B)}`), AAD));
    expect(err.code).toBe<ErrorCode>('UNKNOWN_KEY_ID');
    expect(err.permanent).toBe(true);
    expect(err.field).toBe('ENCRYPTION_KEY');
    expect(err.message).toContain('kid "a"');
    expect(err.message).toContain(AAD);
    expectNoKeyMaterial(everyRendering(err));
  });

  it('cuts short a huge kid read from a row instead of echoing it whole', () => {
    const err = thrown(() => decryptJson({ ...envelope, kid: 'x'.repeat(5000) }, ringA, AAD));
    expect(err.code).toBe<ErrorCode>('UNKNOWN_KEY_ID');
    expect(err.message.length).toBeLessThan(300);
  });

  it('says the row is encrypted and ENCRYPTION_KEY is not set when there is no ring', () => {
    const err = thrown(() => decryptJson(envelope, undefined, AAD));
    expect(err.code).toBe<ErrorCode>('UNKNOWN_KEY_ID');
    expect(err.permanent).toBe(true);
    expect(err.message).toMatch(/actors:42 is encrypted \(kid "a"\) but ENCRYPTION_KEY is not set/);
  });
});

describe('plaintext rows (written before encryption was turned on)', () => {
  const plaintexts: Array<[string, unknown]> = [
    ['an object', { gold: 5 }],
    ['an object with some envelope fields', { kid: 'a', iv: 'x', tag: 'y' }],
    ['an object with the envelope fields and one more', { kid: 'a', iv: 'x', tag: 'y', ct: 'z', extra: 1 }],
    ['an object with an envelope field that is not a string', { kid: 'a', iv: 'x', tag: 'y', ct: 7 }],
    ['an array', [{ kid: 'a', iv: 'x', tag: 'y', ct: 'z' }]],
    ['a string', 'hello'],
    ['null', null],
  ];

  it.each(plaintexts)('returns %s as is, with or without a ring', (_name, value) => {
    expect(isEnvelope(value)).toBe(false);
    expect(decryptJson(value, ringA, AAD)).toBe(value);
    expect(decryptJson(value, undefined, AAD)).toBe(value);
  });
});

describe('isEnvelope', () => {
  it('is true for exactly {kid, iv, tag, ct} of strings, in any key order', () => {
    expect(isEnvelope({ ct: 'c', tag: 't', iv: 'i', kid: 'k' })).toBe(true);
    expect(isEnvelope(encryptJson(1, ringA, AAD))).toBe(true);
  });

  it('is false for anything else', () => {
    for (const value of [
      undefined,
      null,
      'kid',
      1,
      [],
      {},
      { kid: 'k', iv: 'i', tag: 't' },
      { kid: 'k', iv: 'i', tag: 't', ct: 'c', v: 1 },
      { kid: 'k', iv: 'i', tag: 't', ct: null },
      { kid: 'k', iv: 'i', tag: 't', cipher: 'c' },
    ]) {
      expect(isEnvelope(value)).toBe(false);
    }
  });
});

describe('key rotation', () => {
  const oldRing = parseKeyRing(`old:${b64(KEY_A)}`);
  const rotated = parseKeyRing(`new:${b64(KEY_B)},old:${b64(KEY_A)}`);
  const value = { gold: 7, items: ['bow'] };

  it('decrypts rows under an older kid with a ring that has the old key second', () => {
    const stored = encryptJson(value, oldRing, AAD);
    expect(decryptJson(stored, rotated, AAD)).toEqual(value);
  });

  it('writes new rows under the newest kid', () => {
    expect(encryptJson(value, rotated, AAD).kid).toBe('new');
  });

  it('needsRotation: true for plaintext and older kids, false for the newest kid', () => {
    const old = encryptJson(value, oldRing, AAD);
    expect(needsRotation(value, rotated)).toBe(true);
    expect(needsRotation(null, rotated)).toBe(true);
    expect(needsRotation(old, rotated)).toBe(true);
    expect(needsRotation(old, oldRing)).toBe(false);
    expect(needsRotation({ ...old, kid: 'gone' }, rotated)).toBe(true);

    // What rotate-keys does with a row: decrypt with the ring, re-encrypt under the newest key.
    const rewritten = encryptJson(decryptJson(old, rotated, AAD), rotated, AAD);
    expect(rewritten.kid).toBe('new');
    expect(needsRotation(rewritten, rotated)).toBe(false);
    expect(decryptJson(rewritten, parseKeyRing(`new:${b64(KEY_B)}`), AAD)).toEqual(value);
  });

  it('fails with UNKNOWN_KEY_ID once the old key is dropped before its rows are rotated', () => {
    const old = encryptJson(value, oldRing, AAD);
    const err = thrown(() => decryptJson(old, parseKeyRing(`new:${b64(KEY_B)}`), AAD));
    expect(err.code).toBe<ErrorCode>('UNKNOWN_KEY_ID');
    expect(err.message).toContain('kid "old"');
  });
});
