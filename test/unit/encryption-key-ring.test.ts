/**
 * The `ENCRYPTION_KEY` key ring: its forms (a bare key, a ring of kid:key entries), errors that name
 * the entry and what is wrong, and a ring that never shows its keys. (The envelopes:
 * encryption.test.ts.)
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { KeyRing, decryptJson, encryptJson, parseKeyRing } from '../../src/adapters/crypto';
import { type ErrorCode } from '../../src/core/errors';
import {
  AAD,
  b64,
  everyRendering,
  expectNoKeyMaterial,
  KEY_A,
  KEY_B,
  KEY_C,
} from '../support/encryption-keys';
import { thrownBy } from '../support/thrown-error';

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
    const err = thrownBy(() => parseKeyRing(text));
    expect(err.code).toBe<ErrorCode>('INVALID_ENCRYPTION_KEY');
    expect(err.field).toBe('ENCRYPTION_KEY');
    expect(err.permanent).toBe(true);
    expect(err.message).toMatch(/^ENCRYPTION_KEY /);
    expect(err.message).toMatch(message);
    expectNoKeyMaterial(everyRendering(err));
  });

  it('does not echo a kid that is really a key (entries written key:kid)', () => {
    const err = thrownBy(() => parseKeyRing(`${A}:a`));
    expect(err.message).toMatch(/entry 1: the kid must be .* \(got 44 characters\)/);
    expectNoKeyMaterial(everyRendering(err));
  });

  it('rejects an empty in-memory ring and an in-memory key of the wrong length', () => {
    expect(thrownBy(() => new KeyRing([])).message).toBe('ENCRYPTION_KEY has no keys');
    const err = thrownBy(() => new KeyRing([{ kid: 'a', key: KEY_A.subarray(0, 31) }]));
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
