/**
 * Finite inputs whose arithmetic overflows. AGGREGATION.md validates every input value as finite but
 * does not say what a sum that leaves the doubles gives. Decided here: a result that is not a number
 * (∞ − ∞, ∞ × 0), a Max of −∞, or a Context sum past ±1.8e308, rejects the actor with NON_FINITE_RESULT, as invalid
 * input does; an infinite cap that the spec's formulas still bound (a HARD cap, `clamp_default`) is kept.
 */
import {
  ActorCoreError,
  compileRegistries,
  explain,
  resolveSnapshot,
  type CapContribution,
  type SubsystemOutput,
} from '../../src/core';
import { c, cap, COMBINER, out, overflowingOutputs, PRIORITIZED, resolve } from '../support/spec-inputs';

const BIG = 1e308; // BIG + BIG overflows to +∞

function rejection(run: () => unknown): ActorCoreError {
  let result: unknown = 'nothing returned';
  try {
    result = run();
  } catch (err) {
    expect(err).toBeInstanceOf(ActorCoreError);
    expect(result).toBe('nothing returned');
    return err as ActorCoreError;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
}

/** Max side of one layer: BASELINE BIG + BIG = +∞, ADDITIVE −BIG − BIG = −∞, their sum NaN. */
function cancellingMaxCaps(scope?: string): CapContribution[] {
  const o = (system: string): { system: string; scope?: string } =>
    scope === undefined ? { system } : { system, scope };
  return [
    cap('strength', 'BASELINE', 'max', BIG, o('a')),
    cap('strength', 'BASELINE', 'max', BIG, o('b')),
    cap('strength', 'ADDITIVE', 'max', -BIG, o('a')),
    cap('strength', 'ADDITIVE', 'max', -BIG, o('b')),
  ];
}

describe('caps whose sums overflow', () => {
  it('rejects a layer whose BASELINE and ADDITIVE sums overflow to ∞ − ∞, even beside a HARD_MAX', () => {
    // Max = min(+∞ + −∞, 50, 999999) = min(NaN, …): not a number, so no range; 70 must not pass as in range
    const outputs = [
      out('x', {
        primary: [c('strength', 'FLAT', 70, 'a')],
        caps: [...cancellingMaxCaps(), cap('strength', 'HARD_MAX', 'max', 50, { system: 'a' })],
      }),
    ];
    const before = structuredClone(outputs);
    const err = rejection(() => resolve(outputs));
    expect(err.toJSON()).toMatchObject({
      code: 'NON_FINITE_RESULT',
      dimension: 'strength',
      field: 'CapsUsed.strength',
    });
    expect(err.message).toContain('max-side');
    expect(err.message).toContain('layer TOTAL');
    expect(err.permanent).toBe(true);
    expect(outputs).toEqual(before);
  });

  it('rejects the same overflow whatever order the caps arrive in, and in explain', () => {
    const caps = [...cancellingMaxCaps('WORLD'), cap('strength', 'HARD_MIN', 'min', 5, { scope: 'TOTAL' })];
    const registries = compileRegistries(COMBINER);
    for (const order of [caps, [...caps].reverse(), [caps[2]!, caps[0]!, caps[4]!, caps[3]!, caps[1]!]]) {
      const outputs: SubsystemOutput[] = [out('x', { caps: order })];
      const err = rejection(() => resolveSnapshot(outputs, registries, 1));
      expect([err.code, err.field]).toEqual(['NON_FINITE_RESULT', 'CapsUsed.strength']);
      expect(err.message).toContain('layer WORLD');
      const viaExplain = rejection(() => explain(outputs, 'strength', registries));
      expect(viaExplain.message).toBe(err.message);
    }
  });

  it('rejects the min side mirrored', () => {
    // Min = max(−∞ + +∞, …) = NaN
    const err = rejection(() =>
      resolve([
        out('x', {
          caps: [
            cap('strength', 'BASELINE', 'min', -BIG, { system: 'a' }),
            cap('strength', 'BASELINE', 'min', -BIG, { system: 'b' }),
            cap('strength', 'ADDITIVE', 'min', BIG, { system: 'a' }),
            cap('strength', 'ADDITIVE', 'min', BIG, { system: 'b' }),
          ],
        }),
      ]),
    );
    expect([err.code, err.field]).toEqual(['NON_FINITE_RESULT', 'CapsUsed.strength']);
    expect(err.message).toContain('min-side');
  });

  it('rejects an overflowing min side in an early layer even when a later layer holds min caps (INTERSECT)', () => {
    // WORLD min side: −BIG − BIG = −∞ plus BIG + BIG = +∞ → NaN; TOTAL HARD_MIN 5 must not replace it
    const w = (system: string): { system: string; scope: string } => ({ system, scope: 'WORLD' });
    const err = rejection(() =>
      resolve([
        out('x', {
          caps: [
            cap('strength', 'BASELINE', 'min', -BIG, w('a')),
            cap('strength', 'BASELINE', 'min', -BIG, w('b')),
            cap('strength', 'ADDITIVE', 'min', BIG, w('a')),
            cap('strength', 'ADDITIVE', 'min', BIG, w('b')),
            cap('strength', 'HARD_MIN', 'min', 5, { system: 'c' }),
          ],
        }),
      ]),
    );
    expect([err.code, err.field]).toEqual(['NON_FINITE_RESULT', 'CapsUsed.strength']);
    expect(err.message).toContain('min-side');
    expect(err.message).toContain('layer WORLD');
  });

  it('keeps a side that PRIORITIZED_OVERRIDE fixed before the overflowing layer: that layer is not folded', () => {
    // WORLD's max OVERRIDE 500 fixes Max; TOTAL's NaN max side comes later and no longer changes it.
    // TOTAL's min side: no caps → max(−∞, −∞, 0) = 0. Range [0, 500]; FLAT 700 → 500.
    const snapshot = resolve(
      [
        out('x', {
          primary: [c('strength', 'FLAT', 700, 'a')],
          caps: [cap('strength', 'OVERRIDE', 'max', 500, { scope: 'WORLD' }), ...cancellingMaxCaps('TOTAL')],
        }),
      ],
      PRIORITIZED,
    );
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 0, Max: 500 });
    expect(snapshot.Primary.strength).toBe(500);
  });

  it('keeps a side that a later layer’s OVERRIDE fixes under PRIORITIZED_OVERRIDE: it replaces the NaN', () => {
    // WORLD (first): Max = NaN, taken in as INTERSECT; TOTAL (later) holds the first max OVERRIDE,
    // 300, which fixes Max to its layer value. Range [0, 300]; FLAT 700 → 300.
    const caps = [...cancellingMaxCaps('WORLD'), cap('strength', 'OVERRIDE', 'max', 300, { scope: 'TOTAL' })];
    const outputs = [out('x', { primary: [c('strength', 'FLAT', 700, 'a')], caps })];
    const snapshot = resolve(outputs, PRIORITIZED);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 0, Max: 300 });
    expect(snapshot.Primary.strength).toBe(300);
    // Under INTERSECT the NaN stays: min(NaN, 300) is not a number.
    expect(rejection(() => resolve(outputs)).message).toContain('layer WORLD');
  });

  it('rejects a Max whose sums fall below the doubles (−∞ pulls Min and the value down: JSON null)', () => {
    // Max = min(−BIG + −BIG, 999999) = −∞; Min = max(5, 0) = 5 > Max → Min = −∞; FLAT 5 → −∞
    const caps = [
      cap('strength', 'BASELINE', 'max', -BIG, { system: 'a' }),
      cap('strength', 'ADDITIVE', 'max', -BIG, { system: 'b' }),
      cap('strength', 'HARD_MIN', 'min', 5, { system: 'c', scope: 'WORLD' }),
    ];
    const registries = compileRegistries(COMBINER);
    for (const order of [caps, [...caps].reverse()]) {
      const outputs = [out('x', { primary: [c('strength', 'FLAT', 5, 'a')], caps: order })];
      const err = rejection(() => resolveSnapshot(outputs, registries, 1));
      expect([err.code, err.field]).toEqual(['NON_FINITE_RESULT', 'CapsUsed.strength']);
      expect(err.message).toContain('Max is −∞');
      expect(err.message).toContain('layer TOTAL');
      expect(rejection(() => explain(outputs, 'strength', registries)).message).toBe(err.message);
    }
  });

  it('keeps a −∞ Max that a later layer’s OVERRIDE fixes under PRIORITIZED_OVERRIDE', () => {
    // WORLD: Max = −∞ (no OVERRIDE: taken in as INTERSECT); TOTAL's max OVERRIDE 300 fixes Max.
    const caps = [
      cap('strength', 'BASELINE', 'max', -BIG, { system: 'a', scope: 'WORLD' }),
      cap('strength', 'BASELINE', 'max', -BIG, { system: 'b', scope: 'WORLD' }),
      cap('strength', 'OVERRIDE', 'max', 300, { system: 'c', scope: 'TOTAL' }),
    ];
    const snapshot = resolve([out('x', { primary: [c('strength', 'FLAT', 700, 'a')], caps })], PRIORITIZED);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 0, Max: 300 });
    expect(snapshot.Primary.strength).toBe(300);
  });

  it('keeps an infinite BASELINE sum: the HARD_MAX and clamp_default still bound it', () => {
    // BASELINE BIG + BIG = +∞; Max = min(+∞, 50, 999999) = 50
    const snapshot = resolve([
      out('x', {
        primary: [c('strength', 'FLAT', 70, 'a')],
        caps: [...cancellingMaxCaps().slice(0, 2), cap('strength', 'HARD_MAX', 'max', 50, { system: 'c' })],
      }),
    ]);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 0, Max: 50 });
    expect(snapshot.Primary.strength).toBe(50);
  });
});

describe('values whose pipeline overflows', () => {
  it('rejects ∞ × 0: FLAT BIG + BIG times MULT (1 − 1)', () => {
    const err = rejection(() => resolve(overflowingOutputs('agility')));
    expect(err.toJSON()).toMatchObject({
      code: 'NON_FINITE_RESULT',
      dimension: 'strength',
      field: 'Primary.strength',
    });
  });

  it('clamps an infinite value that is still a number into clamp_default', () => {
    // FLAT BIG + BIG = +∞ → clamp [0, 999999] → 999999
    const snapshot = resolve([
      out('x', { derived: [c('strength', 'FLAT', BIG, 'a'), c('strength', 'FLAT', BIG, 'b')] }),
    ]);
    expect(snapshot.Derived.strength).toBe(999999);
  });
});

describe('Context sums that overflow', () => {
  it.each([
    ['post_add', { post_add: BIG }],
    ['additive_percent', { additive_percent: -BIG }],
  ])('rejects a merged %s past the doubles', (field, pack) => {
    const outputs = [out('a', { context: { combat: pack } }), out('b', { context: { combat: pack } })];
    const err = rejection(() => resolve(outputs));
    expect(err.toJSON()).toMatchObject({ code: 'NON_FINITE_RESULT', field: `Context.combat.${field}` });
    expect(err.message).toContain(`Context.combat.${field}`);
  });

  it('merges sums that stay finite, however large', () => {
    const snapshot = resolve([
      out('a', { context: { combat: { post_add: BIG } } }),
      out('b', { context: { combat: { post_add: -BIG / 2 } } }),
    ]);
    expect(snapshot.Context?.combat?.post_add).toBe(BIG - BIG / 2);
  });
});
