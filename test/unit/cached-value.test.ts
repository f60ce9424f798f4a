/** The cached value of one actor: its exact text, the fast decode, the JSON.parse fallback, corruption. */
import * as fc from 'fast-check';
import type { SnapshotRecord } from '../../src/adapters/snapshot-record';
import {
  CACHED_HEAD_BYTES,
  decodeCachedHead,
  decodeCachedValue,
  encodeCachedValue,
} from '../../src/adapters/redis/cached-value';
import { snapshotKey } from '../../src/adapters/redis/snapshot-key';
import { thrownBy } from '../support/thrown-error';

const snapshot = {
  Primary: { strength: 12.5, crit_rate: 0.25 },
  Derived: {},
  CapsUsed: { strength: { Min: 0, Max: 100 } },
  Version: 7,
};

const record: SnapshotRecord = {
  actorId: 'actor-1',
  version: 7,
  registryVersion: 'sha256:0123abcd',
  snapshotJson: JSON.stringify(snapshot),
};

describe('encodeCachedValue', () => {
  it('writes version first and the snapshot JSON as it is', () => {
    const value = encodeCachedValue(record);
    expect(value).toBe(`{"version":7,"registryVersion":"sha256:0123abcd","snapshot":${record.snapshotJson}}`);
    expect(JSON.parse(value)).toEqual({ version: 7, registryVersion: 'sha256:0123abcd', snapshot });
  });

  it('does not re-serialize the snapshot text (whitespace and number spelling survive)', () => {
    const snapshotJson = '{ "Primary": {"a": 1.50}, "Version": 1 }';
    const value = encodeCachedValue({ ...record, snapshotJson });
    expect(value.endsWith(`"snapshot":${snapshotJson}}`)).toBe(true);
  });

  it('escapes the registryVersion as a JSON string', () => {
    const value = encodeCachedValue({ ...record, registryVersion: 'a"b\\c' });
    expect((JSON.parse(value) as { registryVersion: string }).registryVersion).toBe('a"b\\c');
  });

  it.each([0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN])('rejects version %p', (version) => {
    const err = thrownBy(() => encodeCachedValue({ ...record, version }));
    expect(err.code).toBe('INVALID_VERSION');
    expect(err.actorId).toBe('actor-1');
    expect(err.field).toBe('version');
  });

  it.each(['', '[]', 'null', '{"a":1'])('rejects snapshotJson %p', (snapshotJson) => {
    const err = thrownBy(() => encodeCachedValue({ ...record, snapshotJson }));
    expect(err.code).toBe('INVALID_JSON');
    expect(err.field).toBe('snapshotJson');
  });
});

describe('decodeCachedValue', () => {
  it('returns the record, with the snapshot text sliced out unchanged', () => {
    expect(decodeCachedValue('actor-1', encodeCachedValue(record))).toEqual(record);
    const snapshotJson = '{ "Primary": {"a": 1.50} }';
    const decoded = decodeCachedValue('x', encodeCachedValue({ ...record, snapshotJson }));
    expect(decoded.snapshotJson).toBe(snapshotJson);
  });

  it('takes the actor id from the caller (the key), not the value', () => {
    expect(decodeCachedValue('other', encodeCachedValue(record)).actorId).toBe('other');
  });

  it('round-trips the largest safe version', () => {
    const big = { ...record, version: Number.MAX_SAFE_INTEGER };
    expect(decodeCachedValue('actor-1', encodeCachedValue(big))).toEqual(big);
  });

  it('round-trips any record (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.string(),
        fc.dictionary(fc.string(), fc.jsonValue()),
        (version, registryVersion, snap) => {
          const r = { actorId: 'a', version, registryVersion, snapshotJson: JSON.stringify(snap) };
          const decoded = decodeCachedValue('a', encodeCachedValue(r));
          expect(decoded.version).toBe(version);
          expect(decoded.registryVersion).toBe(registryVersion);
          expect(JSON.parse(decoded.snapshotJson)).toEqual(JSON.parse(r.snapshotJson));
        },
      ),
    );
  });

  it('falls back to JSON.parse for another layout of a valid value', () => {
    const reordered = JSON.stringify({ registryVersion: 'r', snapshot: { a: 1 }, version: 3 });
    expect(decodeCachedValue('a', reordered)).toEqual({
      actorId: 'a',
      version: 3,
      registryVersion: 'r',
      snapshotJson: '{"a":1}',
    });
    const spaced = '{ "version": 4, "registryVersion": "r", "snapshot": {"b": 2} }';
    expect(decodeCachedValue('a', spaced)).toMatchObject({ version: 4, snapshotJson: '{"b":2}' });
  });

  it.each([
    ['empty', ''],
    ['not JSON', 'garbage'],
    ['truncated', encodeCachedValue(record).slice(0, -3)],
    ['an array', '[1,2]'],
    ['a string', '"x"'],
    ['version missing', '{"registryVersion":"r","snapshot":{}}'],
    ['version 0', '{"version":0,"registryVersion":"r","snapshot":{}}'],
    ['version fractional', '{"version":1.5,"registryVersion":"r","snapshot":{}}'],
    ['version text', '{"version":"1","registryVersion":"r","snapshot":{}}'],
    ['version unsafe', '{"version":12345678901234567890,"registryVersion":"r","snapshot":{}}'],
    ['registryVersion missing', '{"version":1,"snapshot":{}}'],
    ['snapshot missing', '{"version":1,"registryVersion":"r"}'],
    ['snapshot null', '{"version":1,"registryVersion":"r","snapshot":null}'],
    ['snapshot an array', '{"version":1,"registryVersion":"r","snapshot":[]}'],
  ])('reports a corrupt value (%s) as INVALID_JSON naming the actor', (_what, value) => {
    const err = thrownBy(() => decodeCachedValue('actor-9', value));
    expect(err.code).toBe('INVALID_JSON');
    expect(err.actorId).toBe('actor-9');
    expect(err.permanent).toBe(true);
  });
});

describe('decodeCachedHead', () => {
  it('reads version and registryVersion from the first CACHED_HEAD_BYTES of a written value', () => {
    const registryVersion = 'r1-0123456789abcdef'; // the form load-registries.ts gives
    const value = encodeCachedValue({ ...record, version: Number.MAX_SAFE_INTEGER, registryVersion });
    expect(decodeCachedHead(value.slice(0, CACHED_HEAD_BYTES))).toEqual({
      version: Number.MAX_SAFE_INTEGER,
      registryVersion,
    });
  });

  it.each([
    ['empty (no key)', ''],
    ['not the layout', 'garbage'],
    ['another key order', '{"registryVersion":"r","version":1,"snapshot":{}}'],
    ['version 0', '{"version":0,"registryVersion":"r","snapshot":{}}'],
    ['version unsafe', '{"version":9999999999999999,"registryVersion":"r","snapshot":{}}'],
    ['a registryVersion cut by the range', `{"version":1,"registryVersion":"${'x'.repeat(200)}`],
    ['a registryVersion with an escape', '{"version":1,"registryVersion":"a\\"b","snapshot":{}}'],
  ])('finds nothing in a head that is %s', (_what, head) => {
    expect(decodeCachedHead(head)).toBeUndefined();
  });
});

describe('snapshotKey', () => {
  it('is <prefix>:snapshot:<actorId>', () => {
    expect(snapshotKey('actor-core', 'p-42')).toBe('actor-core:snapshot:p-42');
  });
});
