/** explain(): the provenance of a value agrees with resolveSnapshot and shows how it was reached. */
import * as path from 'node:path';
import fc from 'fast-check';
import {
  compileRegistries,
  explain,
  explanationJson,
  resolveSnapshot,
  type Bucket,
  type CapContribution,
  type CompiledRegistries,
  type ExplainedRange,
  type Explanation,
  type Snapshot,
} from '../../src/core';
import { DENSE_POOL, validInputArb } from '../support/arbitraries';
import { floorAboveMaxOutputs, overflowingOutputs } from '../support/spec-inputs';
import { goldenCases, goldenDir, readJson, sameJson } from '../support/shared';

const goldenRegistry = readJson(path.join(goldenDir, 'registry.json'));
const cases = goldenCases();
const BUCKET_RANK: Record<Bucket, number> = { FLAT: 0, MULT: 1, POST_ADD: 2, OVERRIDE: 3 };

/** JSON with keys sorted, so that two objects compare whatever their key order. */
function canonical(value: object): string {
  return JSON.stringify(value, Object.keys(value).sort());
}

/** explain() of `dimension` holds exactly the range and values the snapshot holds (same doubles). */
function expectAgreement(explanation: Explanation, snapshot: Snapshot, dimension: string): void {
  const range = snapshot.CapsUsed[dimension]!;
  expect(Object.is(explanation.capsUsed.Min, range.Min)).toBe(true);
  expect(Object.is(explanation.capsUsed.Max, range.Max)).toBe(true);
  expect(explanation.seen).toBe(true);
  for (const [section, values] of [
    ['primary', snapshot.Primary],
    ['derived', snapshot.Derived],
  ] as const) {
    const explained = explanation[section];
    if (dimension in values) {
      expect(explained).toBeDefined();
      expect(Object.is(explained!.value, values[dimension])).toBe(true);
    } else {
      expect(explained).toBeUndefined();
    }
  }
}

describe('explain on the golden vectors', () => {
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: agrees with resolveSnapshot on every dimension',
    (_name, c) => {
      const registries = compileRegistries(goldenRegistry, c.capLayers);
      const snapshot = resolveSnapshot(c.subsystems, registries, 1);
      expect(sameJson(snapshot, c.expected)).toBe(true);
      const dimensions = Object.keys((c.expected as Snapshot).CapsUsed);
      expect(dimensions.length).toBeGreaterThan(0);
      for (const dimension of dimensions) {
        expectAgreement(explain(c.subsystems, dimension, registries, 1), snapshot, dimension);
      }
    },
  );

  const registries = compileRegistries(goldenRegistry);
  const golden = (name: string) => cases.find((c) => c.name.startsWith(name))!.subsystems;

  it('case02: strength is bound by WORLD at 550, with the layers in registry order and their caps', () => {
    const explanation = explain(golden('case02'), 'strength', registries, 1);
    expect(explanation.primary).toMatchObject({
      section: 'Primary',
      mode: 'pipeline',
      candidate: 650,
      value: 550,
      clampedBy: { side: 'max', source: 'WORLD' },
    });
    // REALM: HARD_MAX 600 → Max 600; WORLD: HARD_MAX 550 → Max 550; TOTAL: 200 + 500 → Max 700; no EVENT caps
    expect(explanation.layers.map((l) => [l.layer, l.Min, l.Max])).toEqual([
      ['REALM', 0, 600],
      ['WORLD', 0, 550],
      ['TOTAL', 0, 700],
    ]);
    expect(
      explanation.layers.map((l) => l.caps.map((cap) => `${cap.system}:${cap.mode}:${cap.value}`)),
    ).toEqual([
      ['fate:HARD_MAX:600'],
      ['world:HARD_MAX:550'],
      ['kim_dan:BASELINE:200', 'luyen_the:ADDITIVE:500'], // (priority DESC, system ASC)
    ]);
    expect(explanation.layers[2]!.max).toMatchObject({
      baseline: 200,
      additive: 500,
      hard: undefined,
      value: 700,
    });
    expect(explanation.capsUsed).toMatchObject({ Min: 0, Max: 550, maxFrom: 'WORLD' });
  });

  it('case07: move_speed is raised to the WORLD floor of 3', () => {
    const explanation = explain(golden('case07'), 'move_speed', registries, 1);
    expect(explanation.derived).toMatchObject({
      candidate: 2,
      value: 3,
      clampedBy: { side: 'min', source: 'WORLD' },
    });
    expect(explanation.capsUsed).toMatchObject({ Min: 3, Max: 12, minFrom: 'WORLD' });
  });

  it('case05: a WORLD cap equal to clamp_default is attributed to clamp_default (the code’s tie rule)', () => {
    // 0.3 + 0.3 = 0.6 > 0.5; WORLD HARD_MAX 0.5 only repeats clamp_default.max 0.5
    const explanation = explain(golden('case05'), 'cooldown_reduction', registries, 1);
    expect(explanation.derived).toMatchObject({
      value: 0.5,
      clampedBy: { side: 'max', source: 'clamp_default' },
    });
    // …and WORLD is named beside it: without clamp_default, WORLD would bind at the same 0.5.
    expect(explanation.capsUsed).toMatchObject({ maxFrom: 'clamp_default', maxAlsoFrom: ['WORLD'] });
  });

  it('case06: lists WORLD before TOTAL whatever the input order, and names the operator', () => {
    const explanation = explain(golden('case06'), 'lifespan_years', registries, 1);
    expect(explanation.layers.map((l) => l.layer)).toEqual(['WORLD', 'TOTAL']);
    expect(explanation.capsUsed).toEqual({
      Min: 100,
      Max: 500,
      minFrom: 'WORLD',
      maxFrom: 'TOTAL',
      minFixedBy: null,
      maxFixedBy: null,
      floorAboveMax: null,
      minAlsoFrom: [],
      maxAlsoFrom: [],
    });
    expect(explanation.rule).toEqual({
      listed: true,
      use_pipeline: false,
      operator: 'MAX',
      clamp_default: { min: 0, max: 100000 },
    });
    expect(explanation.primary).toBeUndefined();
    expect(explanation.derived).toBeUndefined();
  });

  it('case01: a value inside its range is clamped by nothing', () => {
    expect(explain(golden('case01'), 'strength', registries, 1).primary!.clampedBy).toBeNull();
  });
});

describe('explain steps', () => {
  const registries = compileRegistries({
    dimensions: {
      strength: { use_pipeline: true, clamp_default: { min: 0, max: 999999 } },
      lifespan_years: { use_pipeline: false, operator: 'MAX', clamp_default: { min: 0, max: 100000 } },
    },
  });

  it('lists pipeline contributions in application order with the running value', () => {
    const outputs = [
      {
        primary: [
          { dimension: 'strength', bucket: 'POST_ADD', value: 30, system: 'd' },
          { dimension: 'strength', bucket: 'FLAT', value: 100, system: 'a' },
        ],
        derived: [],
        caps: [],
        meta: { system: 'x' },
      },
      {
        primary: [
          { dimension: 'strength', bucket: 'MULT', value: 0.5, system: 'c' },
          { dimension: 'strength', bucket: 'FLAT', value: 20, system: 'b', priority: 1 },
        ],
        derived: [],
        caps: [],
        meta: { system: 'y' },
      },
    ];
    const explanation = explain(outputs, 'strength', registries, 3);
    // FLAT b (priority 1) 20 → 20; FLAT a 100 → 120; MULT c 0.5 → 120 × 1.5 = 180; POST_ADD d 30 → 210
    expect(explanation.primary!.steps).toEqual([
      { system: 'b', bucket: 'FLAT', priority: 1, value: 20, running: 20 },
      { system: 'a', bucket: 'FLAT', priority: 0, value: 100, running: 120 },
      { system: 'c', bucket: 'MULT', priority: 0, value: 0.5, running: 180 },
      { system: 'd', bucket: 'POST_ADD', priority: 0, value: 30, running: 210 },
    ]);
    expect(explanation.primary).toMatchObject({ candidate: 210, value: 210, clampedBy: null });
    expect(explanation.version).toBe(3);
  });

  it('shows the first OVERRIDE taking over and later ones not changing it', () => {
    const outputs = [
      {
        primary: [
          { dimension: 'strength', bucket: 'OVERRIDE', value: 50, system: 'e' },
          { dimension: 'strength', bucket: 'FLAT', value: 10, system: 'a' },
          { dimension: 'strength', bucket: 'OVERRIDE', value: 70, system: 'f', priority: 2 },
        ],
        derived: [],
        caps: [],
        meta: { system: 'x' },
      },
    ];
    // FLAT a 10 → 10; OVERRIDE f (priority 2) 70 → 70; OVERRIDE e 50 → still 70
    expect(
      explain(outputs, 'strength', registries, 1).primary!.steps.map((s) => [s.system, s.running]),
    ).toEqual([
      ['a', 10],
      ['f', 70],
      ['e', 70],
    ]);
  });

  it('runs an operator over the values in sort order', () => {
    const outputs = [
      {
        primary: [],
        derived: [
          { dimension: 'lifespan_years', bucket: 'FLAT', value: 200, system: 'c' },
          { dimension: 'lifespan_years', bucket: 'FLAT', value: 300, system: 'a' },
          { dimension: 'lifespan_years', bucket: 'FLAT', value: 500, system: 'b' },
        ],
        caps: [],
        meta: { system: 'x' },
      },
    ];
    const explanation = explain(outputs, 'lifespan_years', registries, 1);
    // a 300 → 300; b 500 → max 500; c 200 → still 500
    expect(explanation.derived).toMatchObject({
      mode: 'operator',
      operator: 'MAX',
      candidate: 500,
      value: 500,
    });
    expect(explanation.derived!.steps.map((s) => [s.system, s.running])).toEqual([
      ['a', 300],
      ['b', 500],
      ['c', 500],
    ]);
  });

  it('names clamp_default when no layer bound the value', () => {
    const outputs = [
      {
        primary: [{ dimension: 'strength', bucket: 'FLAT', value: 2000000, system: 'a' }],
        derived: [],
        caps: [],
        meta: { system: 'x' },
      },
    ];
    const explanation = explain(outputs, 'strength', registries, 1);
    expect(explanation.layers).toEqual([]);
    expect(explanation.primary).toMatchObject({
      value: 999999,
      clampedBy: { side: 'max', source: 'clamp_default' },
    });
  });

  it('lists layers in a custom registry order and names the OVERRIDE layer that fixed a side', () => {
    const custom = compileRegistries(
      { dimensions: { strength: { use_pipeline: true, clamp_default: { min: 0, max: 999999 } } } },
      { order: ['TOTAL', 'EVENT', 'WORLD'], across_policy: 'PRIORITIZED_OVERRIDE' },
    );
    const outputs = [
      {
        primary: [{ dimension: 'strength', bucket: 'FLAT', value: 900, system: 'a' }],
        derived: [],
        caps: [
          { system: 'w', dimension: 'strength', mode: 'HARD_MAX', kind: 'max', value: 100, scope: 'WORLD' },
          { system: 'e', dimension: 'strength', mode: 'OVERRIDE', kind: 'max', value: 600, scope: 'EVENT' },
          { system: 't', dimension: 'strength', mode: 'BASELINE', kind: 'max', value: 400 },
        ],
        meta: { system: 'x' },
      },
    ];
    // TOTAL Max 400, then EVENT holds an OVERRIDE: Max = 600, fixed; WORLD 100 no longer applies
    const explanation = explain(outputs, 'strength', custom, 1);
    expect(explanation.layers.map((l) => [l.layer, l.Max])).toEqual([
      ['TOTAL', 400],
      ['EVENT', 600],
      ['WORLD', 100],
    ]);
    expect(explanation.across_policy).toBe('PRIORITIZED_OVERRIDE');
    expect(explanation.capsUsed).toMatchObject({
      Max: 600,
      maxFrom: 'EVENT',
      maxFixedBy: 'EVENT',
      minFixedBy: null,
    });
    expect(explanation.primary).toMatchObject({ value: 600, clampedBy: { side: 'max', source: 'EVENT' } });
  });

  it('names the floor that came out above Max, and its layer, when Min is lowered to Max', () => {
    const outputs = floorAboveMaxOutputs();
    // WORLD [0, 0.25], EVENT [0.3, 1] → Min 0.3 (EVENT) > Max 0.25 (WORLD) → Min = Max = 0.25
    const explanation = explain(outputs, 'crit_rate', registries, 1);
    expect(explanation.capsUsed).toEqual({
      Min: 0.25,
      Max: 0.25,
      minFrom: 'EVENT',
      maxFrom: 'WORLD',
      minFixedBy: null,
      maxFixedBy: null,
      floorAboveMax: 0.3,
      minAlsoFrom: [],
      maxAlsoFrom: [],
    });
    expect(explanation.derived).toMatchObject({ value: 0.25, clampedBy: { side: 'min', source: 'EVENT' } });
  });

  it('names both layers when two bind at the same value, and the cap that repeats clamp_default', () => {
    const cap = (scope: string, value: number, system = 'w') => ({
      system,
      dimension: 'strength',
      mode: 'HARD_MAX',
      kind: 'max',
      value,
      scope,
    });
    const outputs = [
      {
        primary: [{ dimension: 'strength', bucket: 'FLAT', value: 900, system: 'a' }],
        derived: [],
        caps: [cap('TOTAL', 550), cap('WORLD', 550), cap('EVENT', 999999, 'items')],
        meta: { system: 'x' },
      },
    ];
    const explanation = explain(outputs, 'strength', registries, 1);
    expect(explanation.capsUsed).toMatchObject({ Max: 550, maxFrom: 'WORLD', maxAlsoFrom: ['TOTAL'] });
    expect(explanation.primary).toMatchObject({ value: 550, clampedBy: { side: 'max', source: 'WORLD' } });
    const atClamp = explain(
      [{ ...outputs[0]!, caps: [cap('TOTAL', 999999, 'items')] }],
      'strength',
      registries,
      1,
    );
    expect(atClamp.capsUsed).toMatchObject({ maxFrom: 'clamp_default', maxAlsoFrom: ['TOTAL'] });
  });

  it('writes the same JSON for inputs that differ only in key order and written-out defaults', () => {
    const terse = [
      {
        primary: [{ dimension: 'strength', bucket: 'OVERRIDE', value: 5, system: 'a' }],
        derived: [],
        caps: [{ system: 'a', dimension: 'strength', mode: 'OVERRIDE', kind: 'max', value: 9 }],
        meta: { system: 'a' },
      },
    ];
    const spelled = [
      {
        meta: { system: 'a' },
        caps: [
          {
            value: 9,
            kind: 'max',
            mode: 'OVERRIDE',
            dimension: 'strength',
            system: 'a',
            scope: 'TOTAL',
            priority: 0,
          },
        ],
        derived: [],
        primary: [{ system: 'a', value: 5, bucket: 'OVERRIDE', dimension: 'strength', priority: 0 }],
      },
    ];
    const a = explanationJson(explain(terse, 'strength', registries, 1));
    expect(explanationJson(explain(spelled, 'strength', registries, 1))).toBe(a);
    expect(a).toContain(
      '"overrideCap":{"system":"a","dimension":"strength","mode":"OVERRIDE","kind":"max","value":9,"priority":0,"scope":"TOTAL"}',
    );
  });

  it('writes a NaN running value as "NaN" in JSON, as it writes ±∞, not as null', () => {
    const outputs = [
      {
        primary: [
          { dimension: 'strength', bucket: 'FLAT', value: 1e308, system: 'a' },
          { dimension: 'strength', bucket: 'FLAT', value: 1e308, system: 'b' },
          { dimension: 'strength', bucket: 'MULT', value: -1, system: 'c' },
          { dimension: 'strength', bucket: 'OVERRIDE', value: 5, system: 'd' },
        ],
        derived: [],
        caps: [],
        meta: { system: 'x' },
      },
    ];
    const json = JSON.parse(explanationJson(explain(outputs, 'strength', registries, 1))) as {
      primary: { steps: { running: unknown }[]; value: unknown };
    };
    expect(json.primary.steps.map((step) => step.running)).toEqual([1e308, 'Infinity', 'NaN', 5]);
    expect(json.primary.value).toBe(5);
  });

  it('rejects what resolveSnapshot rejects, even when the overflow is in another dimension', () => {
    const outputs = overflowingOutputs('agility');
    expect(() => explain(outputs, 'agility', registries, 1)).toThrow(
      expect.objectContaining({ code: 'NON_FINITE_RESULT', field: 'Primary.strength' }),
    );
  });

  it('rejects a dimension name no dimension can have', () => {
    expect(() => explain([], 'Crit-Rate', registries, 1)).toThrow(
      expect.objectContaining({ code: 'INVALID_DIMENSION', field: 'dimension' }),
    );
  });
});

describe('explain on random valid inputs', () => {
  function check(
    registries: CompiledRegistries,
    outputs: unknown,
    snapshot: Snapshot,
    dimension: string,
  ): void {
    const explanation = explain(outputs, dimension, registries, 1);
    expectAgreement(explanation, snapshot, dimension);
    // layers: a subsequence of the registry order, each holding exactly its caps
    const order = registries.layers;
    const positions = explanation.layers.map((l) => order.indexOf(l.layer));
    expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!))).toBe(true);
    const allCaps = (outputs as { caps: CapContribution[] }[])
      .flatMap((o) => o.caps)
      .filter((cap) => cap.dimension === dimension);
    const layersWithCaps = order.filter((layer) => allCaps.some((cap) => (cap.scope ?? 'TOTAL') === layer));
    expect(explanation.layers.map((l) => l.layer)).toEqual(layersWithCaps);
    for (const layer of explanation.layers) {
      const expected = allCaps.filter((cap) => (cap.scope ?? 'TOTAL') === layer.layer);
      expect(layer.caps.length).toBe(expected.length);
      // Shown with `priority` and `scope` written out as they apply, in one key order.
      const applied = (cap: CapContribution): CapContribution => ({
        ...cap,
        priority: cap.priority ?? 0,
        scope: cap.scope ?? 'TOTAL',
      });
      expect(
        new Set(layer.caps.map((cap) => Object.keys(cap).join()).filter((k) => !/realm|tags/.test(k))).size,
      ).toBeLessThanOrEqual(1);
      expect(layer.caps.map((cap) => canonical(cap)).sort()).toEqual(
        expected.map((cap) => canonical(applied(cap))).sort(),
      );
    }
    // steps: one per contribution, in (bucket, priority DESC, system ASC), the last running value the candidate
    for (const section of [explanation.primary, explanation.derived]) {
      if (section === undefined) continue;
      const steps = section.steps;
      for (let i = 1; i < steps.length; i++) {
        const a = steps[i - 1]!;
        const b = steps[i]!;
        const key =
          BUCKET_RANK[a.bucket] - BUCKET_RANK[b.bucket] ||
          b.priority - a.priority ||
          (a.system < b.system ? -1 : a.system > b.system ? 1 : 0);
        expect(key).toBeLessThanOrEqual(0);
      }
      expect(Object.is(steps[steps.length - 1]!.running, section.candidate)).toBe(true);
      const range = snapshot.CapsUsed[dimension]!;
      if (section.candidate < range.Min) expect(section.clampedBy?.side).toBe('min');
      else if (section.candidate > range.Max) expect(section.clampedBy?.side).toBe('max');
      else expect(section.clampedBy).toBeNull();
      const used = explanation.capsUsed;
      if (used.floorAboveMax !== null) {
        expect(used.Min).toBe(used.Max);
        expect(used.floorAboveMax).toBeGreaterThan(used.Max);
      }
      for (const [fixedBy, side] of [
        [used.minFixedBy, 'Min'],
        [used.maxFixedBy, 'Max'],
      ] as const) {
        if (fixedBy === null) continue;
        expect(explanation.across_policy).toBe('PRIORITIZED_OVERRIDE');
        const layer = explanation.layers.find((l) => l.layer === fixedBy)!;
        expect(layer[side === 'Min' ? 'min' : 'max'].override).toBeDefined();
      }
      if (section.clampedBy !== null) {
        expect(['clamp_default', ...explanation.layers.map((l) => l.layer)]).toContain(
          section.clampedBy.source,
        );
      }
    }
  }

  it('agrees with resolveSnapshot on every dimension, with ordered steps and layers', () => {
    fc.assert(
      fc.property(validInputArb(), (input) => {
        const registries = compileRegistries(input.combiner, input.capLayers);
        const snapshot = resolveSnapshot(input.outputs, registries, 1);
        for (const dimension of Object.keys(snapshot.CapsUsed))
          check(registries, input.outputs, snapshot, dimension);
      }),
      { numRuns: 300 },
    );
  });

  /** The bound a side's sources give: Max, or Min's floor (before it was lowered to Max). */
  function boundOf(used: ExplainedRange, kind: 'max' | 'min'): number {
    return kind === 'max' ? used.Max : (used.floorAboveMax ?? used.Min);
  }

  /**
   * `strength` explained again with the `kind` side caps of layer `from` taken away, or undefined when
   * the rest of the actor no longer resolves (e.g. an overflow those caps had bounded).
   */
  function explainWithout(
    outputs: { caps: CapContribution[] }[],
    registries: CompiledRegistries,
    kind: 'max' | 'min',
    from: string,
  ): Explanation | undefined {
    const without = outputs.map((o) => ({
      ...o,
      caps: o.caps.filter(
        (cap) => !(cap.dimension === 'strength' && cap.kind === kind && (cap.scope ?? 'TOTAL') === from),
      ),
    }));
    try {
      return explain(without, 'strength', registries, 1);
    } catch {
      return undefined;
    }
  }

  /** One side of `strength`'s explained range, with what explaining it again needs. */
  interface ExplainedSide {
    kind: 'max' | 'min';
    from: string;
    alsoFrom: readonly string[];
    bound: number;
    fixedBy: string | null;
    /** `strength` explained again without this side's caps in layer `from` (see `explainWithout`). */
    again(): Explanation | undefined;
  }

  /** The two sides of `strength`'s range as `explain` gives them, or none when it is not seen. */
  function explainedSides(input: {
    combiner: unknown;
    capLayers: unknown;
    outputs: unknown;
  }): ExplainedSide[] {
    const registries = compileRegistries(input.combiner, input.capLayers);
    const outputs = input.outputs as { caps: CapContribution[] }[];
    const explanation = explain(outputs, 'strength', registries, 1);
    if (!explanation.seen) return [];
    const used = explanation.capsUsed;
    return (
      [
        ['max', used.maxFrom, used.maxAlsoFrom, used.maxFixedBy],
        ['min', used.minFrom, used.minAlsoFrom, used.minFixedBy],
      ] as const
    ).map(([kind, from, alsoFrom, fixedBy]) => ({
      kind,
      from,
      alsoFrom,
      bound: boundOf(used, kind),
      fixedBy,
      again: () => explainWithout(outputs, registries, kind, from),
    }));
  }

  it('names every other source of the same bound: without the one named first, the bound stays', () => {
    let ties = 0;
    fc.assert(
      fc.property(validInputArb({ pool: DENSE_POOL }), (input) => {
        for (const { kind, from, alsoFrom, bound, again: explainAgain } of explainedSides(input)) {
          if (alsoFrom.length === 0 || from === 'clamp_default') continue;
          ties++;
          const again = explainAgain();
          if (again === undefined) continue;
          const after = boundOf(again.capsUsed, kind);
          expect(after === bound).toBe(true); // the same value (a tie of -0 and +0 counts as one)
          // …and the others still give it.
          const named = again.capsUsed[kind === 'max' ? 'maxFrom' : 'minFrom'];
          const others = again.capsUsed[kind === 'max' ? 'maxAlsoFrom' : 'minAlsoFrom'];
          expect([named, ...others]).toEqual(expect.arrayContaining([...alsoFrom]));
        }
      }),
      { numRuns: 1000 },
    );
    expect(ties).toBeGreaterThan(20); // the property was exercised, not vacuously true
  });

  it('names another source whenever the bound stays without the one named first', () => {
    let checked = 0;
    fc.assert(
      fc.property(validInputArb({ pool: DENSE_POOL }), (input) => {
        for (const { kind, from, alsoFrom, bound, fixedBy, again: explainAgain } of explainedSides(input)) {
          // A layer that fixed its side by OVERRIDE, or clamp_default, has no rival to name.
          if (alsoFrom.length > 0 || from === 'clamp_default' || fixedBy !== null) continue;
          const again = explainAgain();
          if (again === undefined) continue;
          checked++;
          const after = boundOf(again.capsUsed, kind);
          expect({ kind, from, bound, after: after === bound ? 'the same' : after }).not.toMatchObject({
            after: 'the same',
          });
        }
      }),
      { numRuns: 1000 },
    );
    expect(checked).toBeGreaterThan(500); // exercised, not vacuously true
  });

  /** `capsUsed` of crit_rate (clamp_default [0, 1]) for one FLAT `value` and these `[scope, mode, kind, value]` caps. */
  function critRateRange(value: number, caps: [string, string, string, number][]): ExplainedRange {
    const outputs = [
      {
        primary: [{ dimension: 'crit_rate', bucket: 'FLAT', value, system: 'gear' }],
        derived: [],
        caps: caps.map(([scope, mode, kind, capValue]) => ({
          system: 'gear',
          dimension: 'crit_rate',
          mode,
          kind,
          value: capValue,
          scope,
        })),
        meta: { system: 'gear' },
      },
    ];
    const registries = compileRegistries({
      dimensions: { crit_rate: { use_pipeline: true, clamp_default: { min: 0, max: 1 } } },
    });
    return explain(outputs, 'crit_rate', registries, 1).capsUsed;
  }

  it('names a layer whose floor above its Max was lowered to it, as the first named may be', () => {
    // Both layers' floors (0.5, 0.4) are above their Max (0.3): without EVENT's, TOTAL's still gives 0.3.
    const range = critRateRange(0.1, [
      ['EVENT', 'BASELINE', 'min', 0.5],
      ['EVENT', 'HARD_MAX', 'max', 0.3],
      ['TOTAL', 'BASELINE', 'min', 0.4],
      ['TOTAL', 'HARD_MAX', 'max', 0.3],
    ]);
    expect(range).toMatchObject({
      Min: 0.3,
      Max: 0.3,
      minFrom: 'EVENT',
      minAlsoFrom: ['TOTAL'],
      maxFrom: 'EVENT',
      maxAlsoFrom: ['TOTAL'],
      floorAboveMax: null,
    });
  });

  it('names no layer beside clamp_default when the layer is looser and clamp_default binds', () => {
    const range = critRateRange(3, [
      ['TOTAL', 'HARD_MAX', 'max', 5],
      ['TOTAL', 'HARD_MIN', 'min', -5],
    ]);
    expect(range).toMatchObject({
      maxFrom: 'clamp_default',
      maxAlsoFrom: [],
      minFrom: 'clamp_default',
      minAlsoFrom: [],
    });
  });

  it('explains a dimension nobody sent as unseen, with exactly its clamp_default', () => {
    fc.assert(
      fc.property(validInputArb(), (input) => {
        const registries = compileRegistries(input.combiner, input.capLayers);
        const explanation = explain(input.outputs, 'never_sent', registries, 1);
        const defaults = input.combiner.defaults?.clamp_default ?? { min: 0, max: 1000000 };
        expect(explanation.seen).toBe(false);
        expect(explanation.layers).toEqual([]);
        expect(explanation.capsUsed).toMatchObject({ Min: defaults.min, Max: defaults.max });
        expect(explanation.rule).toMatchObject({ listed: false, use_pipeline: true });
        expect(explanation.primary).toBeUndefined();
        expect(explanation.derived).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });
});
