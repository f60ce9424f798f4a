/**
 * Encryption at rest: the key ring from `ENCRYPTION_KEY` and AES-256-GCM envelopes for stored JSON.
 * `keyFor` stays internal to this folder, so nothing else can read key material.
 */
export { KEY_BYTES, KeyRing, bareKeyId, parseKeyRing, type KeyEntry } from './key-ring';
export { decryptJson, encryptJson, isEnvelope, needsRotation, type EncryptedEnvelope } from './envelope';
