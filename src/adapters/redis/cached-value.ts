/**
 * The cached value of one actor: `{"version":N,"registryVersion":"...","snapshot":<snapshot JSON>}`.
 *
 * `version` comes first so that the guarded-set script can read it from the value's first bytes. The
 * value is built by concatenation: the record's `snapshotJson` goes in as it is, never re-serialized,
 * and decoding slices it back out as text. A value that is not in exactly this layout (another key
 * order, whitespace) is decoded by JSON.parse instead; one that is not a valid record at all is
 * reported as corrupt (an INVALID_JSON error), which the cache treats as a miss.
 */
import { ActorCoreError } from '../../core/errors';
import type { SnapshotRecord } from '../snapshot-record';

/**
 * The exact layout `encodeCachedValue` writes: its head up to the registryVersion's closing quote, and
 * the whole of it up to the snapshot's opening brace. A registryVersion with escapes (never the case
 * for a content hash) falls back to JSON.parse. The version digits are capped at 16, the length of
 * Number.MAX_SAFE_INTEGER.
 */
const HEAD = /^\{"version":([1-9]\d{0,15}),"registryVersion":"([^"\\]*)"/;
const LAYOUT = new RegExp(`${HEAD.source},"snapshot":\\{`);

function corrupt(actorId: string, why: string, field?: string): ActorCoreError {
  return new ActorCoreError('INVALID_JSON', `corrupt cached snapshot: ${why}`, {
    actorId,
    ...(field === undefined ? {} : { field }),
  });
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/**
 * Bytes of a cached value that hold its version and registryVersion (`{"version":` + 16 digits +
 * `,"registryVersion":"` + a content hash such as `r1-` and 16 hex digits is ~70), read by
 * `SnapshotCache.cachedHeads` with GETRANGE instead of the whole snapshot.
 */
export const CACHED_HEAD_BYTES = 128;

/** What a cached value's head says it holds, or undefined when it is not in the layout written here. */
export function decodeCachedHead(head: string): { version: number; registryVersion: string } | undefined {
  const match = HEAD.exec(head);
  if (match === null) return undefined;
  const version = Number(match[1]);
  return Number.isSafeInteger(version) ? { version, registryVersion: match[2] as string } : undefined;
}

/** The value to store for `record`. Throws INVALID_VERSION / INVALID_JSON for a record it cannot encode. */
export function encodeCachedValue(record: SnapshotRecord): string {
  const { actorId, version, registryVersion, snapshotJson } = record;
  if (!isVersion(version)) {
    throw new ActorCoreError(
      'INVALID_VERSION',
      `version must be an integer from 1 to 2^53 − 1, got ${JSON.stringify(version)}`,
      { actorId, field: 'version' },
    );
  }
  if (typeof registryVersion !== 'string') {
    throw new ActorCoreError('INVALID_TYPE', 'registryVersion must be a string', {
      actorId,
      field: 'registryVersion',
    });
  }
  // A snapshot is a JSON object; checking its ends (not parsing it) keeps this O(1).
  if (typeof snapshotJson !== 'string' || !snapshotJson.startsWith('{') || !snapshotJson.endsWith('}')) {
    throw new ActorCoreError('INVALID_JSON', 'snapshotJson must be the JSON text of an object', {
      actorId,
      field: 'snapshotJson',
    });
  }
  const registry = JSON.stringify(registryVersion);
  return `{"version":${version},"registryVersion":${registry},"snapshot":${snapshotJson}}`;
}

/** The record stored for `actorId` in `value`. Throws INVALID_JSON (permanent) when the value is corrupt. */
export function decodeCachedValue(actorId: string, value: string): SnapshotRecord {
  const match = LAYOUT.exec(value);
  if (match !== null && value.endsWith('}}')) {
    const version = Number(match[1]);
    if (Number.isSafeInteger(version)) {
      return {
        actorId,
        version,
        registryVersion: match[2] as string,
        // From the snapshot's `{` to just before the envelope's closing `}`.
        snapshotJson: value.slice(match[0].length - 1, -1),
      };
    }
  }
  return decodeByParsing(actorId, value);
}

function decodeByParsing(actorId: string, value: string): SnapshotRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw corrupt(actorId, `not JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw corrupt(actorId, 'not a JSON object');
  }
  const { version, registryVersion, snapshot } = parsed as Record<string, unknown>;
  if (!isVersion(version)) throw corrupt(actorId, 'version is not an integer ≥ 1', 'version');
  if (typeof registryVersion !== 'string') {
    throw corrupt(actorId, 'registryVersion is not a string', 'registryVersion');
  }
  if (typeof snapshot !== 'object' || snapshot === null || Array.isArray(snapshot)) {
    throw corrupt(actorId, 'snapshot is not a JSON object', 'snapshot');
  }
  return { actorId, version, registryVersion, snapshotJson: JSON.stringify(snapshot) };
}
