/** AGGREGATION.md, "Properties that must hold", checked with fast-check over generated valid inputs. */
import fc from 'fast-check';
import {
  compileRegistries,
  resolveSnapshot,
  type AcrossPolicy,
  type CapContribution,
  type Snapshot,
  type SubsystemOutput,
} from '../../src/core';
import {
  DEFAULT_POOL,
  DENSE_POOL,
  capArb,
  redistributeOutputs,
  shuffleOutputs,
  validInputArb,
  type Pool,
  type ValidInput,
} from '../support/arbitraries';

const RUNS = 1000;

function resolve(input: ValidInput, outputs: unknown = input.outputs): Snapshot {
  return resolveSnapshot(outputs, compileRegistries(input.combiner, input.capLayers), 1);
}

/** Every number of a JSON-like value, depth first in key order. */
function numbersOf(value: unknown, found: number[] = []): number[] {
  if (typeof value === 'number') found.push(value);
  else if (Array.isArray(value)) for (const item of value) numbersOf(item, found);
  else if (value !== null && typeof value === 'object')
    for (const key of Object.keys(value)) numbersOf((value as Record<string, unknown>)[key], found);
  return found;
}

/** Same bytes as JSON, and every number the same double (Object.is tells -0 from +0). */
function expectSameBits(actual: Snapshot, expected: Snapshot): void {
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
  const a = numbersOf(actual);
  const e = numbersOf(expected);
  expect(a.length).toBe(e.length);
  a.forEach((n, i) => {
    if (!Object.is(n, e[i]))
      throw new Error(
        `number #${i} differs: ${Object.is(n, -0) ? '-0' : n} vs ${Object.is(e[i], -0) ? '-0' : e[i]}`,
      );
  });
}

const POOLS: [string, Pool][] = [
  ['a small dimension set', DEFAULT_POOL],
  ['one dimension with colliding systems and priorities', DENSE_POOL],
];

describe.each(POOLS)('order independence over %s', (_label, pool) => {
  it('shuffling contributions, caps and subsystem outputs changes no bit of the snapshot', () => {
    fc.assert(
      fc.property(validInputArb({ pool }), fc.integer(), fc.integer(), (input, seed1, seed2) => {
        const reference = resolve(input);
        expectSameBits(resolve(input, shuffleOutputs(input.outputs, seed1)), reference);
        expectSameBits(resolve(input, shuffleOutputs(input.outputs, seed2)), reference);
      }),
      { numRuns: RUNS },
    );
  });

  it('moving contributions and caps between subsystem outputs changes no bit of the snapshot', () => {
    fc.assert(
      fc.property(validInputArb({ pool }), fc.integer(), (input, seed) => {
        expectSameBits(resolve(input, redistributeOutputs(input.outputs, seed)), resolve(input));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('ranges', () => {
  it('has CapsUsed Min ≤ Max and every Primary and Derived value inside its CapsUsed range', () => {
    fc.assert(
      fc.property(validInputArb(), (input) => {
        const snapshot = resolve(input);
        for (const [dimension, range] of Object.entries(snapshot.CapsUsed)) {
          if (!(range.Min <= range.Max)) throw new Error(`${dimension}: Min ${range.Min} > Max ${range.Max}`);
        }
        for (const section of [snapshot.Primary, snapshot.Derived]) {
          for (const [dimension, value] of Object.entries(section)) {
            const range = snapshot.CapsUsed[dimension];
            if (range === undefined) throw new Error(`${dimension} has a value but no CapsUsed`);
            if (!(Number.isFinite(value) && range.Min <= value && value <= range.Max))
              throw new Error(`${dimension} = ${value} is outside [${range.Min}, ${range.Max}]`);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** The outputs with `cap` added to output `at` (or to a new output when `at` is past the end). */
function withCap(
  outputs: readonly SubsystemOutput[],
  cap: CapContribution,
  at: number,
  position: number,
): SubsystemOutput[] {
  const copy = outputs.map((o) => ({ ...o, caps: [...o.caps] }));
  if (at >= copy.length) {
    copy.push({ primary: [], derived: [], caps: [cap], meta: { system: cap.system } });
  } else {
    const caps = copy[at]!.caps;
    caps.splice(position % (caps.length + 1), 0, cap);
  }
  return copy;
}

function withExtraCap(policy: AcrossPolicy, mode: 'HARD_MAX' | 'HARD_MIN') {
  return validInputArb({ policy }).chain((input) =>
    fc.record({
      input: fc.constant(input),
      cap: capArb(input.capLayers.order, DEFAULT_POOL, [[mode, mode === 'HARD_MAX' ? 'max' : 'min']]),
      at: fc.nat({ max: input.outputs.length }),
      position: fc.nat(),
    }),
  );
}

describe.each<AcrossPolicy>(['INTERSECT', 'PRIORITIZED_OVERRIDE'])(
  'monotone hard caps under %s',
  (policy) => {
    it('adding a HARD_MAX cap never raises a value', () => {
      fc.assert(
        fc.property(withExtraCap(policy, 'HARD_MAX'), ({ input, cap, at, position }) => {
          const before = resolve(input);
          const after = resolve(input, withCap(input.outputs, cap, at, position));
          for (const section of ['Primary', 'Derived'] as const) {
            for (const [dimension, value] of Object.entries(before[section])) {
              const now = after[section][dimension]!;
              if (!(now <= value)) throw new Error(`${section}.${dimension} rose from ${value} to ${now}`);
            }
          }
        }),
        { numRuns: RUNS },
      );
    });

    it('adding a HARD_MIN cap never lowers a value', () => {
      fc.assert(
        fc.property(withExtraCap(policy, 'HARD_MIN'), ({ input, cap, at, position }) => {
          const before = resolve(input);
          const after = resolve(input, withCap(input.outputs, cap, at, position));
          for (const section of ['Primary', 'Derived'] as const) {
            for (const [dimension, value] of Object.entries(before[section])) {
              const now = after[section][dimension]!;
              if (!(now >= value)) throw new Error(`${section}.${dimension} fell from ${value} to ${now}`);
            }
          }
        }),
        { numRuns: RUNS },
      );
    });
  },
);

/** JSON of a value with Maps as entry lists (compiled registries hold Maps). */
function serialize(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? { map: [...v.entries()] } : v));
}

describe('purity', () => {
  it('gives the same bytes for the same input, and leaves the input and registries untouched', () => {
    fc.assert(
      fc.property(validInputArb(), (input) => {
        const registries = compileRegistries(input.combiner, input.capLayers);
        const inputBefore = structuredClone(input);
        const registriesBefore = serialize(registries);
        const first = resolveSnapshot(input.outputs, registries, 1);
        const second = resolveSnapshot(input.outputs, registries, 1);
        const fromCopy = resolveSnapshot(
          structuredClone(input.outputs),
          compileRegistries(input.combiner, input.capLayers),
          1,
        );
        expectSameBits(second, first);
        expectSameBits(fromCopy, first);
        expect(input).toEqual(inputBefore); // toEqual tells -0 from +0
        expect(serialize(registries)).toBe(registriesBefore);
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same bytes whatever was resolved before with the same registries', () => {
    const twoActors = validInputArb().chain((input) =>
      validInputArb().map((other) => ({ input, otherOutputs: other.outputs })),
    );
    fc.assert(
      fc.property(twoActors, ({ input, otherOutputs }) => {
        const registries = compileRegistries(input.combiner, input.capLayers);
        const alone = resolveSnapshot(input.outputs, compileRegistries(input.combiner, input.capLayers), 1);
        // the other actor's outputs may not be valid for these registries: resolved or rejected, no trace
        try {
          resolveSnapshot(otherOutputs, registries, 1);
        } catch {
          // rejected: fine
        }
        expectSameBits(resolveSnapshot(input.outputs, registries, 1), alone);
      }),
      { numRuns: 500 },
    );
  });

  it('returns a fresh snapshot: changing one result does not change the next', () => {
    fc.assert(
      fc.property(validInputArb(), (input) => {
        const registries = compileRegistries(input.combiner, input.capLayers);
        const first = resolveSnapshot(input.outputs, registries, 1);
        const bytes = JSON.stringify(first);
        for (const range of Object.values(first.CapsUsed)) range.Max = -1;
        for (const pack of Object.values(first.Context ?? {})) pack.multipliers.push(99);
        expect(JSON.stringify(resolveSnapshot(input.outputs, registries, 1))).toBe(bytes);
      }),
      { numRuns: 200 },
    );
  });
});
