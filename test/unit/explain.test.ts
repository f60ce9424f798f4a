/**
 * explain(): the provenance of a value agrees with resolveSnapshot and shows how it was reached.
 * Random inputs: explain-properties.test.ts.
 */
import * as path from 'node:path';
import { compileRegistries, explain, explanationJson, resolveSnapshot, type Snapshot } from '../../src/core';
import { expectAgreement } from '../support/explain-agreement';
import { floorAboveMaxOutputs, overflowingOutputs } from '../support/spec-inputs';
import { goldenCases, goldenDir, readJson, sameJson } from '../support/shared';

const goldenRegistry = readJson(path.join(goldenDir, 'registry.json'));
const cases = goldenCases();

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
