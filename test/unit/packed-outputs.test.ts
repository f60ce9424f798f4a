/**
 * The packed form of SubsystemOutputs: what unpacking gives equals what JSON.parse gives for the text
 * Postgres stores (jsonb: the JSON round trip, keys reordered), so the resolver's snapshots are the same
 * bytes either way; outputs the format cannot hold are refused; damaged bytes fail with a typed error.
 */
import fc from 'fast-check';
import { compileRegistries, resolveSnapshot, type SubsystemOutput } from '../../src/core';
import { jsonbOrderedJson, packOutput, unpackOutputs } from '../../src/core/packed-outputs';
import { blockText, isPackedText, unpackText } from '../../src/adapters/packed-text';
import { runStoreTask } from '../../src/pool/run-store-task';
import { validInputArb } from '../support/arbitraries';

/** What the jsonb column gives back: the JSON round trip with every object's keys in jsonb's order. */
function asStored(value: unknown): unknown {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (typeof v !== 'object' || v === null) return v;
    const bytes = (k: string): Buffer => Buffer.from(k, 'utf8');
    const keys = Object.keys(v).sort(
      (a, b) => bytes(a).length - bytes(b).length || Buffer.compare(bytes(a), bytes(b)),
    );
    return Object.fromEntries(keys.map((k) => [k, sort((v as Record<string, unknown>)[k])]));
  };
  return sort(JSON.parse(JSON.stringify(value)));
}

function packAll(outputs: readonly unknown[]): Uint8Array {
  const blocks = outputs.map((o) => packOutput(o));
  expect(blocks.every((b) => b !== undefined)).toBe(true);
  return Buffer.concat(blocks as Uint8Array[]);
}

/** An actor's packed text, as actor_inputs.packed holds it. */
function packedText(outputs: readonly unknown[]): string {
  return 'P' + outputs.map((o) => blockText(packOutput(o)!)).join(',');
}

describe('packed outputs', () => {
  it('unpack as the stored JSON parses, keys in the same order, for any valid input', () => {
    fc.assert(
      fc.property(validInputArb(), ({ combiner, capLayers, outputs }) => {
        const stored = asStored(outputs) as SubsystemOutput[];
        const unpacked = unpackOutputs(packAll(outputs));
        expect(JSON.stringify(unpacked)).toBe(JSON.stringify(stored));
        const registries = compileRegistries(combiner, capLayers);
        expect(JSON.stringify(resolveSnapshot(unpacked, registries, 3))).toBe(
          JSON.stringify(resolveSnapshot(stored, registries, 3)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every optional field, non-ASCII text and -0 as the database would (0)', () => {
    const output = {
      meta: { version: 2, stage: 'post', system: '装备' },
      context: { é: { post_add: 1 }, zz: { multipliers: [1.5, -0] }, a: { additive_percent: 0.1 } },
      caps: [
        { system: 'b', dimension: 'sức_mạnh', mode: 'HARD_MAX', kind: 'max', value: -0, tags: ['x', 'ý'] },
        {
          system: 'b',
          dimension: 'agility',
          mode: 'BASELINE',
          kind: 'min',
          value: 1,
          scope: 'REALM',
          realm: 'r1',
          priority: 2,
        },
      ],
      primary: [{ dimension: 'sức_mạnh', bucket: 'FLAT', value: 1e-7, system: '装备', priority: -3 }],
      derived: [{ dimension: 'crit_rate', bucket: 'MULT', value: 1e21 }],
    };
    const [unpacked] = unpackOutputs(packAll([output]));
    expect(JSON.stringify(unpacked)).toBe(JSON.stringify(asStored(output)));
    expect(Object.is(unpacked!.caps[0]!.value, 0)).toBe(true);
    expect(Object.keys(unpacked!.context!)).toEqual(['a', 'zz', 'é']); // by UTF-8 length, then bytes
    expect(jsonbOrderedJson({ bb: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"bb":1}');
  });

  it('leaves out undefined fields, as JSON does', () => {
    const output = {
      primary: [{ dimension: 'd', bucket: 'FLAT', value: 1, system: 'a', priority: undefined }],
      derived: [],
      caps: [],
      meta: { system: 'a', stage: undefined },
      context: undefined,
      extra: undefined,
    };
    const [unpacked] = unpackOutputs(packAll([output]));
    expect(JSON.stringify(unpacked)).toBe(JSON.stringify(asStored(output)));
    expect(Object.keys(unpacked!.primary[0]!)).toEqual(['value', 'bucket', 'system', 'dimension']);
  });

  it('holds an empty actor and concatenates blocks in order', () => {
    expect(unpackOutputs(new Uint8Array(0))).toEqual([]);
    const two = [
      { primary: [], derived: [], caps: [], meta: { system: 'a' } },
      { primary: [], derived: [], caps: [], meta: { system: 'b' } },
    ];
    expect(unpackOutputs(packAll(two)).map((o) => o.meta.system)).toEqual(['a', 'b']);
  });

  it.each([
    ['an unknown output key', { primary: [], derived: [], caps: [], meta: { system: 'a' }, extra: 1 }],
    [
      'an unknown contribution key',
      {
        primary: [{ dimension: 'd', bucket: 'FLAT', value: 1, system: 'a', why: 1 }],
        derived: [],
        caps: [],
        meta: { system: 'a' },
      },
    ],
    [
      'a value that is a string',
      {
        primary: [{ dimension: 'd', bucket: 'FLAT', value: '1', system: 'a' }],
        derived: [],
        caps: [],
        meta: { system: 'a' },
      },
    ],
    [
      'a dimension that is a number',
      {
        primary: [{ dimension: 7, bucket: 'FLAT', value: 1, system: 'a' }],
        derived: [],
        caps: [],
        meta: { system: 'a' },
      },
    ],
    [
      'tags that are not an array',
      {
        primary: [],
        derived: [],
        caps: [{ system: 'a', dimension: 'd', mode: 'HARD_MAX', kind: 'max', value: 1, tags: 'x' }],
        meta: { system: 'a' },
      },
    ],
    ['an unknown meta key', { primary: [], derived: [], caps: [], meta: { system: 'a', owner: 'x' } }],
    ['primary that is not an array', { primary: {}, derived: [], caps: [], meta: { system: 'a' } }],
    ['no meta', { primary: [], derived: [], caps: [] }],
    ['not an object', [1, 2]],
    [
      'a non-finite value (JSON would store null)',
      {
        primary: [{ dimension: 'd', bucket: 'FLAT', value: NaN, system: 'a' }],
        derived: [],
        caps: [],
        meta: { system: 'a' },
      },
    ],
    [
      'a tag that is not a string',
      {
        primary: [],
        derived: [],
        caps: [{ system: 'a', dimension: 'd', mode: 'HARD_MAX', kind: 'max', value: 1, tags: ['x', null] }],
        meta: { system: 'a' },
      },
    ],
    [
      'a class instance (JSON would write what toJSON gives)',
      {
        primary: [],
        derived: [],
        caps: [],
        meta: new (class {
          system = 'a';
        })(),
      },
    ],
  ])('refuses %s (the output stays JSON only)', (_what, output) => {
    expect(packOutput(output)).toBeUndefined();
  });

  it.each([
    ['a truncated block', (b: Uint8Array) => b.subarray(0, b.length - 3), /runs past the end/],
    [
      'an unknown format byte',
      (b: Uint8Array) => Uint8Array.from([9, ...b.subarray(1)]),
      /unknown format 9 at byte 0/,
    ],
    [
      'a string index out of range',
      (b: Uint8Array) => {
        const c = Uint8Array.from(b);
        c[c.length - 4 - 1 - 2 - 2] = 0xfe; // meta.system's index, low byte
        return c;
      },
      /packed subsystem outputs: string/,
    ],
    [
      'a block longer than the fields it holds',
      (b: Uint8Array) => {
        const c = new Uint8Array(b.length + 1);
        c.set(b);
        new DataView(c.buffer).setUint32(1, c.length, true); // the block's length, now one byte too many
        return c;
      },
      /a block of \d+ bytes held \d+/,
    ],
  ])('fails on %s with INVALID_PACKED_INPUT', (_what, damage, message) => {
    const block = packAll([{ primary: [], derived: [], caps: [], meta: { system: 'a' } }]);
    let error: unknown;
    try {
      unpackOutputs(damage(block));
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({
      code: 'INVALID_PACKED_INPUT',
      field: 'subsystems',
      message: expect.stringMatching(message),
    });
  });

  it('gives a thread task the same snapshots from packed bytes as from the text', () => {
    fc.assert(
      fc.property(validInputArb(), ({ combiner, capLayers, outputs }) => {
        const registries = compileRegistries(combiner, capLayers);
        const text = JSON.stringify(asStored(outputs));
        const fromText = runStoreTask({ outputs: [text], versions: [4] }, registries);
        const fromPacked = runStoreTask({ outputs: [packedText(outputs)], versions: [4] }, registries);
        expect({ ...fromPacked, resolveNs: 0 }).toEqual({ ...fromText, resolveNs: 0 });
      }),
      { numRuns: 100 },
    );
  });

  it('travel as text: P and base64 blocks, never mistaken for JSON', () => {
    fc.assert(
      fc.property(validInputArb(), ({ outputs }) => {
        const text = packedText(outputs);
        expect(isPackedText(text)).toBe(true);
        expect(isPackedText(JSON.stringify(outputs))).toBe(false);
        expect(JSON.stringify(unpackText(text))).toBe(JSON.stringify(asStored(outputs)));
      }),
      { numRuns: 100 },
    );
    expect(unpackText('P')).toEqual([]);
    expect(() => unpackText('P' + blockText(packOutput(outputOfA)!).slice(0, -8))).toThrow(
      expect.objectContaining({ code: 'INVALID_PACKED_INPUT' }),
    );
  });
});

const outputOfA = {
  primary: [{ dimension: 'strength', bucket: 'FLAT', value: 1, system: 'a' }],
  derived: [],
  caps: [],
  meta: { system: 'a' },
};
