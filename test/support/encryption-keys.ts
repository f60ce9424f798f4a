/**
 * Keys, checks and renderings shared by the encryption tests: recognizable keys, every form a key
 * could be printed in, and every rendering of an error that could reach a log or an API body.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { ActorCoreError } from '../../src/core/errors';

export const AAD = 'actors:42';

/** Distinct, recognizable 32-byte keys. */
export const KEY_A = Buffer.alloc(32, 0xa1);
export const KEY_B = Buffer.alloc(32, 0xb2);
export const KEY_C = randomBytes(32);
export const b64 = (key: Buffer): string => key.toString('base64');

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

export function expectNoKeyMaterial(text: string, keys: Buffer[] = [KEY_A, KEY_B, KEY_C]): void {
  for (const key of keys) for (const form of keyForms(key)) expect(text).not.toContain(form);
}

/** Every rendering of an error that could reach a log or an API body. */
export function everyRendering(err: ActorCoreError): string {
  return [err.message, err.describe(), JSON.stringify(err), inspect(err), String(err.stack)].join('\n');
}

export function flipByte(base64: string, index = 0): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[index] = (bytes[index] as number) ^ 0x01;
  return bytes.toString('base64');
}
