/**
 * The hot path's shortcuts (actor-workspace.ts, cap-chain-range.ts) give the same bits as the reference
 * folds `explain` is built on: `gatherInputs` → `foldCaps` → `sectionValue`.
 */
import fc from 'fast-check';
import { compileRegistries, resolveSnapshot, type CompiledRegistries } from '../../src/core';
import { foldCaps, gatherInputs, sectionValue } from '../../src/core/resolve';
import type { AcrossPolicy, CapRange } from '../../src/core';
import {
  capArb,
  contributionArb,
  DENSE_POOL,
  LAYER_POOL,
  outputsArb,
  validInputArb,
} from '../support/arbitraries';

/** The snapshot's numbers as the reference path computes them, -0 kept (JSON would lose it). */
function referenceValues(outputs: unknown, registries: CompiledRegistries): Map<string, number> {
  const values = new Map<string, number>();
  for (const dim of gatherInputs(outputs, registries).dimensions) {
    const fold = foldCaps(dim.caps, dim.rule, registries);
    const range: CapRange = { Min: fold.Min, Max: fold.Max };
    values.set(`CapsUsed.${dim.name}.Min`, range.Min);
    values.set(`CapsUsed.${dim.name}.Max`, range.Max);
    if (dim.primary.length > 0) values.set(`Primary.${dim.name}`, sectionValue(dim, range, 'Primary'));
    if (dim.derived.length > 0) values.set(`Derived.${dim.name}`, sectionValue(dim, range, 'Derived'));
  }
  return values;
}

function snapshotValues(outputs: unknown, registries: CompiledRegistries): Map<string, number> {
  const snapshot = resolveSnapshot(outputs, registries, 1);
  const values = new Map<string, number>();
  for (const [name, range] of Object.entries(snapshot.CapsUsed)) {
    values.set(`CapsUsed.${name}.Min`, range.Min);
    values.set(`CapsUsed.${name}.Max`, range.Max);
  }
  for (const [name, value] of Object.entries(snapshot.Primary)) values.set(`Primary.${name}`, value);
  for (const [name, value] of Object.entries(snapshot.Derived)) values.set(`Derived.${name}`, value);
  return values;
}

function expectSameBits(actual: Map<string, number>, expected: Map<string, number>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, value] of expected) {
    if (!Object.is(actual.get(key), value)) throw new Error(`${key}: ${actual.get(key)} ≠ ${value}`);
  }
}

const POOLS = [['default pool'], ['dense pool']];

/** Registries and `min`–`max` actors' outputs resolved with them in turn (so through one workspace). */
function actorsOfOneRegistry(min: number, max: number) {
  return validInputArb().chain((input) =>
    fc
      .array(outputsArb(input.capLayers.order), { minLength: min - 1, maxLength: max - 1 })
      .map((more) => ({ ...input, actors: [input.outputs, ...more] })),
  );
}

/** Valid inputs over the arbitraries' default pool of values, or the dense one (more ties and collisions). */
function validInputsOf(pool: string): ReturnType<typeof validInputArb> {
  return validInputArb(pool === 'dense pool' ? { pool: DENSE_POOL } : {});
}

describe('the hot path', () => {
  it.each(POOLS)('resolves every value to the reference fold’s bits (%s)', (pool) => {
    fc.assert(
      fc.property(validInputsOf(pool), (input) => {
        const registries = compileRegistries(input.combiner, input.capLayers);
        // Reference first: resolving sorts the collected sections in place, the reference does too.
        const expected = referenceValues(input.outputs, registries);
        expectSameBits(snapshotValues(input.outputs, registries), expected);
      }),
      { numRuns: 400 },
    );
  });

  it('folds a crowded section to the sorted fold’s bits, whatever order its terms arrive in', () => {
    // Many terms on one dimension, from few systems and priorities: where arrival order would show.
    const sectionArb = fc.array(contributionArb(DENSE_POOL), { minLength: 3, maxLength: 9 });
    const ruleArb = fc.constantFrom(
      { use_pipeline: true, clamp_default: { min: -1e18, max: 1e18 } },
      { use_pipeline: false, operator: 'SUM' as const, clamp_default: { min: -1e18, max: 1e18 } },
      { use_pipeline: false, operator: 'AVERAGE' as const, clamp_default: { min: -1e18, max: 1e18 } },
      { use_pipeline: false, operator: 'MULTIPLY' as const, clamp_default: { min: -1e18, max: 1e18 } },
    );
    fc.assert(
      fc.property(sectionArb, sectionArb, ruleArb, (primary, derived, rule) => {
        const registries = compileRegistries({ dimensions: { strength: rule } });
        const outputs = [{ primary, derived, caps: [], meta: { system: 'a' } }];
        const expected = referenceValues(outputs, registries);
        expectSameBits(snapshotValues(outputs, registries), expected);
      }),
      { numRuns: 1000 },
    );
  });

  it.each<[AcrossPolicy]>([['INTERSECT'], ['PRIORITIZED_OVERRIDE']])(
    'folds a crowded dimension’s caps to the sorted fold’s bits, whatever order they arrive in (%s)',
    (policy) => {
      // Many caps on one dimension over two or three layers: sums of fractions, ties, -0, overrides.
      const layers = ['REALM', 'EVENT', 'TOTAL'];
      const capsArb = fc.array(capArb(layers, DENSE_POOL), { minLength: 2, maxLength: 12 });
      const clampArb = fc.constantFrom<[number, number]>([-1e18, 1e18], [0, 150], [-0, 0.25], [0.2, 0.2]);
      fc.assert(
        fc.property(capsArb, capsArb, clampArb, (first, second, [min, max]) => {
          const registries = compileRegistries(
            { dimensions: { strength: { use_pipeline: true, clamp_default: { min, max } } } },
            { order: layers, across_policy: policy },
          );
          const outputs = [
            { primary: [], derived: [], caps: first, meta: { system: 'a' } },
            { primary: [], derived: [], caps: second, meta: { system: 'b' } },
          ];
          const expected = referenceValues(outputs, registries);
          expectSameBits(snapshotValues(outputs, registries), expected);
          expectSameBits(snapshotValues([outputs[1]!, outputs[0]!], registries), expected);
        }),
        { numRuns: 2000 },
      );
    },
  );

  it('folds the sorted caps when the layers are too many for the chain fold’s bit sets', () => {
    // 40 layers: more than MAX_CHAIN_LAYERS, so every dimension with caps takes the reference fold.
    const layers = Array.from({ length: 40 }, (_, l) => `L${l}`);
    const capsArb = fc.array(
      capArb(
        layers.filter((_, l) => l % 7 === 0 || l > 29),
        DENSE_POOL,
      ),
      {
        minLength: 1,
        maxLength: 10,
      },
    );
    fc.assert(
      fc.property(capsArb, (caps) => {
        const registries = compileRegistries(
          { dimensions: { strength: { use_pipeline: true, clamp_default: { min: -1e18, max: 1e18 } } } },
          { order: layers, across_policy: 'PRIORITIZED_OVERRIDE' },
        );
        const outputs = [{ primary: [], derived: [], caps, meta: { system: 'a' } }];
        expectSameBits(snapshotValues(outputs, registries), referenceValues(outputs, registries));
      }),
      { numRuns: 300 },
    );
  });

  it.each(POOLS)(
    'writes every record with exactly its dimensions, in ascending name order, null-prototype (%s)',
    (pool) => {
      // The registries here list up to four dimensions, so records start full (most of them present) or
      // empty (fewer, or any unlisted name) in turn, through the same workspace.
      fc.assert(
        fc.property(validInputsOf(pool), (input) => {
          const registries = compileRegistries(input.combiner, input.capLayers);
          const expected = referenceValues(input.outputs, registries);
          const snapshot = resolveSnapshot(input.outputs, registries, 1);
          for (const section of ['Primary', 'Derived', 'CapsUsed'] as const) {
            const record = snapshot[section];
            const keys = [...expected.keys()].filter((key) => key.startsWith(`${section}.`));
            const names = [...new Set(keys.map((key) => key.split('.')[1]!))];
            expect(Object.keys(record)).toEqual(names.sort());
            expect(Object.getPrototypeOf(record)).toBeNull();
          }
        }),
        { numRuns: 400 },
      );
    },
  );

  it('writes each record with exactly its own dimensions, in order, after the templates learned others', () => {
    // One registry, so one workspace whose record templates learn from every actor before.
    fc.assert(
      fc.property(actorsOfOneRegistry(3, 7), ({ combiner, capLayers, actors }) => {
        const registries = compileRegistries(combiner, capLayers);
        for (const outputs of actors) {
          const expected = referenceValues(outputs, registries);
          const snapshot = resolveSnapshot(outputs, registries, 1);
          for (const section of ['Primary', 'Derived', 'CapsUsed'] as const) {
            const names = [...expected.keys()]
              .filter((key) => key.startsWith(`${section}.`))
              .map((key) => key.split('.')[1]!);
            expect(Object.keys(snapshot[section])).toEqual([...new Set(names)].sort());
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives the reference bits for an actor of more items than its chains first hold (256)', () => {
    const layers = ['REALM', 'EVENT', 'TOTAL'];
    const itemsArb = fc.tuple(
      fc.array(contributionArb(), { minLength: 150, maxLength: 250 }),
      fc.array(capArb(layers), { minLength: 150, maxLength: 250 }),
    );
    fc.assert(
      fc.property(itemsArb, ([contributions, caps]) => {
        const registries = compileRegistries(
          { dimensions: { strength: { use_pipeline: true, clamp_default: { min: -1e18, max: 1e18 } } } },
          { order: layers, across_policy: 'PRIORITIZED_OVERRIDE' },
        );
        const half = contributions.length >> 1;
        const outputs = [
          { primary: contributions.slice(0, half), derived: [], caps, meta: { system: 'a' } },
          { primary: [], derived: contributions.slice(half), caps: [], meta: { system: 'b' } },
        ];
        expectSameBits(snapshotValues(outputs, registries), referenceValues(outputs, registries));
      }),
      { numRuns: 25 },
    );
  });

  it('gives the same bits when one workspace serves actors of different shapes in turn', () => {
    fc.assert(
      fc.property(actorsOfOneRegistry(2, 5), ({ combiner, capLayers, actors }) => {
        const registries = compileRegistries(combiner, capLayers);
        const expected = actors.map((outputs) => referenceValues(outputs, registries));
        actors.forEach((outputs, i) => expectSameBits(snapshotValues(outputs, registries), expected[i]!));
      }),
      { numRuns: 200 },
    );
  });
});

// (0.1 + 0.2) + 0.3 and (0.3 + 0.2) + 0.1 differ in the last bit: only the sorted fold is right.
const THREE_FRACTIONS = [0.1, 0.2, 0.3];
/** Every arrival order of three items. */
const ORDERS_OF_THREE = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
];

describe('a sum of three fractional caps in one layer and side', () => {
  const values = THREE_FRACTIONS;
  const orders = ORDERS_OF_THREE;

  it('really depends on the order it is folded in', () => {
    const folds = new Set(orders.map((order) => order.reduce((sum, i) => sum + values[i]!, 0)));
    expect(folds.size).toBeGreaterThan(1);
  });

  it.each([
    ['BASELINE', 'max'],
    ['ADDITIVE', 'max'],
    ['BASELINE', 'min'],
    ['ADDITIVE', 'min'],
  ] as const)('%s %s gives the sorted fold’s bits in every arrival order', (mode, kind) => {
    const registries = compileRegistries(
      { dimensions: { strength: { use_pipeline: true, clamp_default: { min: -1e18, max: 1e18 } } } },
      { order: ['TOTAL'], across_policy: 'INTERSECT' },
    );
    const cap = (i: number) => ({
      system: `s${i}`,
      dimension: 'strength',
      mode,
      kind,
      value: values[i]!,
      scope: 'TOTAL',
    });
    for (const order of orders) {
      const outputs = order.map((i) => ({
        primary: [],
        derived: [],
        caps: [cap(i)],
        meta: { system: `s${i}` },
      }));
      expectSameBits(snapshotValues(outputs, registries), referenceValues(outputs, registries));
    }
  });
});

describe('a sum of three fractional caps, against a hand-computed value', () => {
  // Sorted by system ASC (equal priorities): s0 0.1, s1 0.2, s2 0.3 → (0.1 + 0.2) + 0.3 = 0.6000000000000001,
  // whereas (0.3 + 0.2) + 0.1 = 0.6. The reference fold is not the oracle here: the number is.
  it.each([
    ['BASELINE', 'max', 'Max'],
    ['ADDITIVE', 'max', 'Max'],
    ['BASELINE', 'min', 'Min'],
    ['ADDITIVE', 'min', 'Min'],
  ] as const)('%s %s sums to (0.1 + 0.2) + 0.3 in every arrival order', (mode, kind, side) => {
    const registries = compileRegistries(
      { dimensions: { strength: { use_pipeline: true, clamp_default: { min: -1e18, max: 1e18 } } } },
      { order: ['TOTAL'], across_policy: 'INTERSECT' },
    );
    for (const order of ORDERS_OF_THREE) {
      const outputs = order.map((i) => ({
        primary: [],
        derived: [],
        caps: [
          { system: `s${i}`, dimension: 'strength', mode, kind, value: THREE_FRACTIONS[i]!, scope: 'TOTAL' },
        ],
        meta: { system: `s${i}` },
      }));
      expect(resolveSnapshot(outputs, registries, 1).CapsUsed.strength![side]).toBe(0.6000000000000001);
    }
  });
});

describe('a dimension’s one cap read off its chain', () => {
  const clampArb = fc
    .tuple(
      fc.constantFrom(-0, 0, -10, 0.1, 5, 100, 1000, 1e6),
      fc.constantFrom(-0, 0, 0.1, 5, 100, 1000, 1e6, 1e9),
    )
    .filter(([min, max]) => min <= max);

  it.each<[AcrossPolicy]>([['INTERSECT'], ['PRIORITIZED_OVERRIDE']])(
    'gives foldCaps’ bits for any one cap and clamp_default (%s)',
    (policy) => {
      fc.assert(
        fc.property(capArb(LAYER_POOL.slice(0, 4)), clampArb, (cap, [min, max]) => {
          const registries = compileRegistries(
            { dimensions: { [cap.dimension]: { use_pipeline: true, clamp_default: { min, max } } } },
            { order: LAYER_POOL.slice(0, 4), across_policy: policy },
          );
          const fold = foldCaps([cap], registries.rules.get(cap.dimension)!, registries);
          const outputs = [{ primary: [], derived: [], caps: [cap], meta: { system: 'a' } }];
          const range = resolveSnapshot(outputs, registries, 1).CapsUsed[cap.dimension]!;
          expect(Object.is(range.Min, fold.Min)).toBe(true);
          expect(Object.is(range.Max, fold.Max)).toBe(true);
        }),
        { numRuns: 1000 },
      );
    },
  );
});
