/**
 * explain() on random valid inputs: its layers, steps and clamp agree with resolveSnapshot and with
 * the spec's sort order, whatever the registries and the input.
 */
import fc from 'fast-check';
import {
  compileRegistries,
  explain,
  resolveSnapshot,
  type Bucket,
  type CapContribution,
  type CompiledRegistries,
  type ExplainedRange,
  type Explanation,
  type Snapshot,
} from '../../src/core';
import { DENSE_POOL, validInputArb } from '../support/arbitraries';
import { expectAgreement } from '../support/explain-agreement';

const BUCKET_RANK: Record<Bucket, number> = { FLAT: 0, MULT: 1, POST_ADD: 2, OVERRIDE: 3 };

/** JSON with keys sorted, so that two objects compare whatever their key order. */
function canonical(value: object): string {
  return JSON.stringify(value, Object.keys(value).sort());
}

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
