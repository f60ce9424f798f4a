/**
 * Encryption at rest: the AES-256-GCM envelopes actors' data is stored in. Every failure is a precise,
 * permanent ActorCoreError, and key material never shows up in an error. (The key ring:
 * encryption-key-ring.test.ts.)
 */
import { randomBytes } from 'node:crypto';
import {
  decryptJson,
  encryptJson,
  isEnvelope,
  needsRotation,
  parseKeyRing,
  type EncryptedEnvelope,
} from '../../src/adapters/crypto';
import { ActorCoreError, type ErrorCode } from '../../src/core/errors';
import {
  AAD,
  b64,
  everyRendering,
  expectNoKeyMaterial,
  flipByte,
  KEY_A,
  KEY_B,
  KEY_C,
} from '../support/encryption-keys';
import { thrownBy } from '../support/thrown-error';

const ringA = parseKeyRing(`a:${b64(KEY_A)}`);

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
      const err = thrownBy(() => encryptJson(value, ringA, AAD));
      expect(err.code).toBe<ErrorCode>('INVALID_TYPE');
      expect(err.message).toContain(AAD);
    }
  });
});

describe('decryptJson detects every tampering and never returns garbage', () => {
  const ring = parseKeyRing(`a:${b64(KEY_A)},b:${b64(KEY_B)}`);
  const original = encryptJson({ gold: 1000, items: ['sword'] }, ring, AAD);

  function expectTampered(stored: EncryptedEnvelope, aad = AAD, using = ring): ActorCoreError {
    const err = thrownBy(() => decryptJson(stored, using, aad));
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
    const err = thrownBy(() => decryptJson(envelope, parseKeyRing(`b:${b64(KEY_B)}`), AAD));
    expect(err.code).toBe<ErrorCode>('UNKNOWN_KEY_ID');
    expect(err.permanent).toBe(true);
    expect(err.field).toBe('ENCRYPTION_KEY');
    expect(err.message).toContain('kid "a"');
    expect(err.message).toContain(AAD);
    expectNoKeyMaterial(everyRendering(err));
  });

  it('cuts short a huge kid read from a row instead of echoing it whole', () => {
    const err = thrownBy(() => decryptJson({ ...envelope, kid: 'x'.repeat(5000) }, ringA, AAD));
    expect(err.code).toBe<ErrorCode>('UNKNOWN_KEY_ID');
    expect(err.message.length).toBeLessThan(300);
  });

  it('says the row is encrypted and ENCRYPTION_KEY is not set when there is no ring', () => {
    const err = thrownBy(() => decryptJson(envelope, undefined, AAD));
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
    const err = thrownBy(() => decryptJson(old, parseKeyRing(`new:${b64(KEY_B)}`), AAD));
    expect(err.code).toBe<ErrorCode>('UNKNOWN_KEY_ID');
    expect(err.message).toContain('kid "old"');
  });
});
