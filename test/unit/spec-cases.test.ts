/**
 * Hand-computed cases for what AGGREGATION.md decides and the published golden vectors do not cover.
 * Every expected value is worked out by hand in the comment next to it; nothing here asks the code
 * under test for an expected value.
 */
import {
  applyContext,
  type CapLayerRegistrySource,
  type Contribution,
  type ModifierPack,
  type SubsystemOutput,
} from '../../src/core';
import { c, cap, COMBINER, out, PRIORITIZED, resolve } from '../support/spec-inputs';

describe('operator mode: buckets are ignored, values folded in sort order', () => {
  // The same four contributions for every operator; the bucket labels must not matter.
  const values = (dimension: string): Contribution[] => [
    c(dimension, 'OVERRIDE', 10, 'd', 5),
    c(dimension, 'MULT', 2, 'b'),
    c(dimension, 'POST_ADD', -3, 'c'),
    c(dimension, 'FLAT', 4, 'a'),
  ];

  it.each([
    // SUM: 4 + 2 + (-3) + 10 = 13 (no OVERRIDE short-cut, no MULT delta)
    ['op_sum', 13],
    // MAX: max(4, 2, -3, 10) = 10
    ['op_max', 10],
    // MIN: min(4, 2, -3, 10) = -3
    ['op_min', -3],
    // AVERAGE: 13 / 4 = 3.25
    ['op_average', 3.25],
    // MULTIPLY: 4 × 2 × (-3) × 10 = -240 (MULT 2 is a factor 2 here, not a delta)
    ['op_multiply', -240],
  ])('%s gives %d over FLAT 4, MULT 2, POST_ADD -3, OVERRIDE 10', (dimension, expected) => {
    const snapshot = resolve([
      out('one', { primary: values(dimension).slice(0, 2), derived: values(dimension).slice(2) }),
      out('two', { primary: values(dimension).slice(2), derived: values(dimension).slice(0, 2) }),
    ]);
    expect(snapshot.Primary[dimension]).toBe(expected);
    expect(snapshot.Derived[dimension]).toBe(expected);
  });

  it('AVERAGE sums in sort order before dividing', () => {
    // sort by system ASC: a 0.1, b 0.2, c 0.3 → ((0.1 + 0.2) + 0.3) / 3
    const snapshot = resolve([
      out('x', { primary: [c('op_average', 'FLAT', 0.3, 'c'), c('op_average', 'FLAT', 0.1, 'a')] }),
      out('y', { primary: [c('op_average', 'FLAT', 0.2, 'b')] }),
    ]);
    expect(snapshot.Primary.op_average).toBe((0.1 + 0.2 + 0.3) / 3);
  });

  it('a non-pipeline rule without an operator sums (the code’s documented default)', () => {
    // 4 + 2 + (-3) + 10 = 13
    const snapshot = resolve([
      out('x', { primary: [c('op_none', 'FLAT', 4, 'a'), c('op_none', 'MULT', 2, 'b')] }),
      out('y', { primary: [c('op_none', 'POST_ADD', -3, 'c'), c('op_none', 'OVERRIDE', 10, 'd')] }),
    ]);
    expect(snapshot.Primary.op_none).toBe(13);
  });

  it('an operator result is still clamped into the caps', () => {
    // MAX(4, 10) = 10, HARD_MAX 8 → 8
    const snapshot = resolve([
      out('x', {
        primary: [c('op_max', 'FLAT', 4, 'a'), c('op_max', 'FLAT', 10, 'b')],
        caps: [cap('op_max', 'HARD_MAX', 'max', 8)],
      }),
    ]);
    expect(snapshot.Primary.op_max).toBe(8);
    expect(snapshot.CapsUsed.op_max).toEqual({ Min: -1e18, Max: 8 });
  });
});

describe('pipeline mode', () => {
  it('computes Σ FLAT × Π (1 + MULT) + Σ POST_ADD', () => {
    // flat = 100 + 60 = 160; mult = (1 + 0.5) × (1 − 0.25) = 1.5 × 0.75 = 1.125
    // 160 × 1.125 = 180; post = 15 + 5 = 20 → 200
    const snapshot = resolve([
      out('x', { primary: [c('strength', 'POST_ADD', 15, 'e'), c('strength', 'MULT', 0.5, 'c')] }),
      out('y', {
        primary: [
          c('strength', 'FLAT', 100, 'a'),
          c('strength', 'MULT', -0.25, 'd'),
          c('strength', 'FLAT', 60, 'b'),
          c('strength', 'POST_ADD', 5, 'f'),
        ],
      }),
    ]);
    expect(snapshot.Primary.strength).toBe(200);
  });

  it('stacks MULT deltas multiplicatively, not additively', () => {
    // 100 × (1 + 0.5) × (1 + 0.5) = 100 × 2.25 = 225 (additive stacking would give 200)
    const snapshot = resolve([
      out('x', {
        primary: [
          c('strength', 'FLAT', 100, 'a'),
          c('strength', 'MULT', 0.5, 'b'),
          c('strength', 'MULT', 0.5, 'c'),
        ],
      }),
    ]);
    expect(snapshot.Primary.strength).toBe(225);
  });

  it('applies POST_ADD after the multipliers and MULT to a zero flat sum', () => {
    // flat = 0 (no FLAT); 0 × 1.5 + 7 = 7
    const snapshot = resolve([
      out('x', { primary: [c('strength', 'MULT', 0.5, 'a'), c('strength', 'POST_ADD', 7, 'b')] }),
    ]);
    expect(snapshot.Primary.strength).toBe(7);
  });

  it('takes the first OVERRIDE by priority DESC, then system ASC, ignoring the other buckets', () => {
    // OVERRIDEs: (prio 1, m) 40, (prio 3, z) 70, (prio 3, b) 60 → prio 3 first, then b < z → 60
    const snapshot = resolve([
      out('x', {
        primary: [
          c('strength', 'OVERRIDE', 70, 'z', 3),
          c('strength', 'FLAT', 100, 'a'),
          c('strength', 'OVERRIDE', 40, 'm', 1),
        ],
      }),
      out('y', { primary: [c('strength', 'MULT', 1, 'a'), c('strength', 'OVERRIDE', 60, 'b', 3)] }),
    ]);
    expect(snapshot.Primary.strength).toBe(60);
  });

  it('counts a missing OVERRIDE priority as 0', () => {
    // (a, missing = 0) 5 beats (b, -1) 9; against (b, 0) 7 it ties on priority and a < b → 5
    const snapshot = resolve([
      out('x', {
        primary: [c('strength', 'OVERRIDE', 9, 'b', -1), c('strength', 'OVERRIDE', 5, 'a')],
        derived: [c('strength', 'OVERRIDE', 7, 'b', 0), c('strength', 'OVERRIDE', 5, 'a')],
      }),
    ]);
    expect(snapshot.Primary.strength).toBe(5);
    expect(snapshot.Derived.strength).toBe(5);
  });

  it('clamps an OVERRIDE into the caps too', () => {
    // OVERRIDE 2,000,000; strength clamp_default.max 999999 → 999999
    const snapshot = resolve([out('x', { primary: [c('strength', 'OVERRIDE', 2000000, 'a')] })]);
    expect(snapshot.Primary.strength).toBe(999999);
  });

  it('sums in sort order (priority DESC, system ASC), not in arrival order', () => {
    // no priorities: a, b, c → (1 + 1) + 1e16 = 10000000000000002 (exactly representable)
    const plain = resolve([
      out('x', { primary: [c('wide', 'FLAT', 1e16, 'c'), c('wide', 'FLAT', 1, 'b')] }),
      out('y', { primary: [c('wide', 'FLAT', 1, 'a')] }),
    ]);
    expect(plain.Primary.wide).toBe(10000000000000002);
    // c has priority 1: c, a, b → (1e16 + 1) + 1; 1e16 + 1 rounds to even (1e16) twice → 1e16
    const prioritized = resolve([
      out('x', { primary: [c('wide', 'FLAT', 1, 'b'), c('wide', 'FLAT', 1, 'a')] }),
      out('y', { primary: [c('wide', 'FLAT', 1e16, 'c', 1)] }),
    ]);
    expect(prioritized.Primary.wide).toBe(1e16);
  });

  it('resolves Primary and Derived of the same dimension separately', () => {
    // Primary: 10 × 2 = 20; Derived: 3 + 4 = 7
    const snapshot = resolve([
      out('x', {
        primary: [c('strength', 'FLAT', 10, 'a'), c('strength', 'MULT', 1, 'a')],
        derived: [c('strength', 'FLAT', 3, 'a'), c('strength', 'POST_ADD', 4, 'a')],
      }),
    ]);
    expect(snapshot.Primary).toEqual({ strength: 20 });
    expect(snapshot.Derived).toEqual({ strength: 7 });
  });

  it('uses the pipeline for a dimension the registry does not list', () => {
    // 10 × (1 + 0.5) = 15, inside defaults.clamp_default [-100, 5000]
    const snapshot = resolve([
      out('x', { primary: [c('unlisted', 'FLAT', 10, 'a'), c('unlisted', 'MULT', 0.5, 'b')] }),
    ]);
    expect(snapshot.Primary.unlisted).toBe(15);
  });
});

describe('caps within one layer', () => {
  it('sums BASELINE and ADDITIVE per side', () => {
    // max: 200 + 100 + 50 + 25 = 375; min: 10 + 5 = 15
    const snapshot = resolve([
      out('x', {
        primary: [c('strength', 'FLAT', 1000, 'a')],
        derived: [c('strength', 'FLAT', 1, 'a')],
        caps: [
          cap('strength', 'BASELINE', 'max', 200, { system: 'a' }),
          cap('strength', 'ADDITIVE', 'max', 50, { system: 'c' }),
          cap('strength', 'BASELINE', 'min', 10, { system: 'a' }),
        ],
      }),
      out('y', {
        caps: [
          cap('strength', 'ADDITIVE', 'max', 25, { system: 'd' }),
          cap('strength', 'BASELINE', 'max', 100, { system: 'b' }),
          cap('strength', 'ADDITIVE', 'min', 5, { system: 'b' }),
        ],
      }),
    ]);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 15, Max: 375 });
    expect(snapshot.Primary.strength).toBe(375); // 1000 clamped to 375
    expect(snapshot.Derived.strength).toBe(15); // 1 clamped to 15
  });

  it('takes ADDITIVE alone as the candidate when there is no BASELINE', () => {
    // candidateMax = 0 + 300 = 300
    const snapshot = resolve([out('x', { caps: [cap('strength', 'ADDITIVE', 'max', 300)] })]);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 0, Max: 300 });
  });

  it('takes the smallest HARD_MAX', () => {
    // Max = min(BASELINE 500, min(450, 600, 700), 999999) = 450
    const snapshot = resolve([
      out('x', {
        caps: [
          cap('strength', 'HARD_MAX', 'max', 600, { system: 'a' }),
          cap('strength', 'BASELINE', 'max', 500),
          cap('strength', 'HARD_MAX', 'max', 450, { system: 'b' }),
          cap('strength', 'HARD_MAX', 'max', 700, { system: 'c', priority: 9 }),
        ],
      }),
    ]);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 0, Max: 450 });
  });

  it('bounds the max side by a HARD_MAX alone (no candidate means +∞)', () => {
    // Max = min(+∞, 300, 999999) = 300
    const snapshot = resolve([out('x', { caps: [cap('strength', 'HARD_MAX', 'max', 300)] })]);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 0, Max: 300 });
  });

  it('takes the largest HARD_MIN', () => {
    // Min = max(BASELINE 5, max(10, 30, 20), 0) = 30
    const snapshot = resolve([
      out('x', {
        caps: [
          cap('strength', 'HARD_MIN', 'min', 10, { system: 'a', priority: 4 }),
          cap('strength', 'HARD_MIN', 'min', 30, { system: 'b' }),
          cap('strength', 'BASELINE', 'min', 5),
          cap('strength', 'HARD_MIN', 'min', 20, { system: 'c' }),
        ],
      }),
    ]);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 30, Max: 999999 });
  });

  it('keeps a BASELINE min above a lower HARD_MIN', () => {
    // Min = max(50, 30, 0) = 50
    const snapshot = resolve([
      out('x', { caps: [cap('strength', 'HARD_MIN', 'min', 30), cap('strength', 'BASELINE', 'min', 50)] }),
    ]);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 50, Max: 999999 });
  });

  it('takes the first max-side OVERRIDE by priority DESC, then system ASC, over BASELINE', () => {
    // OVERRIDEs: (1, b) 300, (1, a) 500, (0, c) 100 → (1, a) 500; BASELINE 50 is not used
    const snapshot = resolve([
      out('x', {
        primary: [c('strength', 'FLAT', 800, 'a')],
        caps: [
          cap('strength', 'OVERRIDE', 'max', 300, { system: 'b', priority: 1 }),
          cap('strength', 'BASELINE', 'max', 50, { system: 'a', priority: 7 }),
        ],
      }),
      out('y', {
        caps: [
          cap('strength', 'OVERRIDE', 'max', 100, { system: 'c' }),
          cap('strength', 'OVERRIDE', 'max', 500, { system: 'a', priority: 1 }),
        ],
      }),
    ]);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 0, Max: 500 });
    expect(snapshot.Primary.strength).toBe(500); // 800 clamped to 500
  });

  it('still bounds an OVERRIDE by the HARD_MAX of the same layer', () => {
    // Max = min(override 500, hard 400, 999999) = 400
    const snapshot = resolve([
      out('x', { caps: [cap('strength', 'OVERRIDE', 'max', 500), cap('strength', 'HARD_MAX', 'max', 400)] }),
    ]);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 0, Max: 400 });
  });

  it('takes the first min-side OVERRIDE over BASELINE', () => {
    // OVERRIDEs: (2, x) 20, (1, a) 40 → 20; BASELINE 50 not used; Min = max(20, −∞, 0) = 20
    const snapshot = resolve([
      out('x', {
        caps: [
          cap('strength', 'OVERRIDE', 'min', 40, { system: 'a', priority: 1 }),
          cap('strength', 'BASELINE', 'min', 50),
          cap('strength', 'OVERRIDE', 'min', 20, { system: 'x', priority: 2 }),
        ],
      }),
    ]);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 20, Max: 999999 });
  });

  it('applies clamp_default inside the layer', () => {
    // crit_rate clamp [0, 1]: Max = min(3, +∞, 1) = 1; Min = max(−2, −∞, 0) = 0
    const snapshot = resolve([
      out('x', {
        derived: [c('crit_rate', 'FLAT', 2, 'a')],
        caps: [cap('crit_rate', 'BASELINE', 'max', 3), cap('crit_rate', 'BASELINE', 'min', -2)],
      }),
    ]);
    expect(snapshot.CapsUsed.crit_rate).toEqual({ Min: 0, Max: 1 });
    expect(snapshot.Derived.crit_rate).toBe(1);
  });

  it('sets Min = Max when Min > Max within a layer (golden case 08)', () => {
    // TOTAL: Min = max(−∞, 800, 0) = 800; Max = min(500, +∞, 999999) = 500; 800 > 500 → Min = 500
    const snapshot = resolve([
      out('x', {
        primary: [c('strength', 'FLAT', 1000, 'a')],
        derived: [c('strength', 'FLAT', 100, 'a')],
        caps: [cap('strength', 'HARD_MIN', 'min', 800), cap('strength', 'BASELINE', 'max', 500)],
      }),
    ]);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 500, Max: 500 });
    expect(snapshot.Primary.strength).toBe(500);
    expect(snapshot.Derived.strength).toBe(500);
  });
});

describe('caps across layers', () => {
  describe('with more layers than fit a 32-bit set', () => {
    // L0 … L39; strength FLAT 1000 (clamp_default 0 … 999999) under HARD_MAX 900 in L0, an OVERRIDE
    // max 300 in L33 and a HARD_MAX 100 in L39: the layers past the 32nd count like the first ones.
    const layers = (across_policy: CapLayerRegistrySource['across_policy']): CapLayerRegistrySource => ({
      order: Array.from({ length: 40 }, (_, i) => `L${i}`),
      across_policy,
    });
    const outputs = (): SubsystemOutput[] => [
      out('x', {
        primary: [c('strength', 'FLAT', 1000, 'a')],
        caps: [
          cap('strength', 'HARD_MAX', 'max', 900, { scope: 'L0' }),
          cap('strength', 'OVERRIDE', 'max', 300, { scope: 'L33' }),
          cap('strength', 'HARD_MAX', 'max', 100, { scope: 'L39' }),
          cap('strength', 'HARD_MIN', 'min', 50, { scope: 'L39' }),
        ],
      }),
    ];

    it('INTERSECT bounds by every layer: Max = min(900, 300, 100) = 100, Min = 50', () => {
      const snapshot = resolve(outputs(), layers('INTERSECT'));
      expect(snapshot.CapsUsed.strength).toEqual({ Min: 50, Max: 100 });
      expect(snapshot.Primary.strength).toBe(100);
    });

    it('PRIORITIZED_OVERRIDE: L33’s OVERRIDE fixes Max at 300 (L0 gave 900), L39 moves only Min to 50', () => {
      const snapshot = resolve(outputs(), layers('PRIORITIZED_OVERRIDE'));
      expect(snapshot.CapsUsed.strength).toEqual({ Min: 50, Max: 300 });
      expect(snapshot.Primary.strength).toBe(300);
    });
  });

  it('INTERSECT: the largest layer Min and the smallest layer Max', () => {
    // REALM Max 600; WORLD Max 550; EVENT Min 100 (Max 999999); TOTAL Max 200 + 500 = 700
    // Max = min(600, 550, 999999, 700) = 550; Min = max(0, 0, 100, 0) = 100
    const snapshot = resolve([
      out('x', {
        primary: [c('strength', 'FLAT', 650, 'a')],
        derived: [c('strength', 'FLAT', 20, 'a')],
        caps: [
          cap('strength', 'BASELINE', 'max', 200, { scope: 'TOTAL' }),
          cap('strength', 'ADDITIVE', 'max', 500),
          cap('strength', 'HARD_MAX', 'max', 550, { scope: 'WORLD' }),
          cap('strength', 'HARD_MAX', 'max', 600, { scope: 'REALM', realm: 'luyen_the:T2' }),
          cap('strength', 'HARD_MIN', 'min', 100, { scope: 'EVENT' }),
        ],
      }),
    ]);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 100, Max: 550 });
    expect(snapshot.Primary.strength).toBe(550);
    expect(snapshot.Derived.strength).toBe(100);
  });

  it('INTERSECT: sets Min = Max when the layers cross', () => {
    // WORLD [800, 999999], TOTAL [0, 500] → [800, 500] → Min = Max = 500
    const snapshot = resolve([
      out('x', {
        caps: [
          cap('strength', 'HARD_MIN', 'min', 800, { scope: 'WORLD' }),
          cap('strength', 'HARD_MAX', 'max', 500),
        ],
      }),
    ]);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 500, Max: 500 });
  });

  const overrideOnWorld = (): SubsystemOutput[] => [
    out('x', {
      primary: [c('strength', 'FLAT', 1000, 'a')],
      caps: [
        cap('strength', 'HARD_MAX', 'max', 300, { scope: 'REALM' }),
        cap('strength', 'OVERRIDE', 'max', 800, { scope: 'WORLD' }),
        cap('strength', 'HARD_MAX', 'max', 600, { scope: 'EVENT' }),
        cap('strength', 'BASELINE', 'max', 700, { scope: 'TOTAL' }),
        cap('strength', 'HARD_MIN', 'min', 50, { scope: 'TOTAL' }),
      ],
    }),
  ];

  it('PRIORITIZED_OVERRIDE: the first layer with an OVERRIDE fixes that side, replacing earlier layers', () => {
    // max side: REALM 300 → WORLD holds an OVERRIDE: Max = 800 (replaces 300), fixed;
    //   EVENT 600 and TOTAL 700 no longer change it; final min(800, 999999) = 800
    // min side has no OVERRIDE, so it intersects: max(0, 0, 0, 50) = 50
    const snapshot = resolve(overrideOnWorld(), PRIORITIZED);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 50, Max: 800 });
    expect(snapshot.Primary.strength).toBe(800);
  });

  it('INTERSECT ignores OVERRIDE precedence across layers (same caps)', () => {
    // Max = min(300, 800, 600, 700) = 300; Min = 50
    const snapshot = resolve(overrideOnWorld());
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 50, Max: 300 });
    expect(snapshot.Primary.strength).toBe(300);
  });

  it('PRIORITIZED_OVERRIDE: a later layer’s OVERRIDE does not win, whatever its priority', () => {
    // WORLD OVERRIDE 800 (prio 0) comes first in order; TOTAL OVERRIDE 900 (prio 10) is ignored → 800
    const snapshot = resolve(
      [
        out('x', {
          caps: [
            cap('strength', 'OVERRIDE', 'max', 900, { priority: 10 }),
            cap('strength', 'OVERRIDE', 'max', 800, { scope: 'WORLD' }),
          ],
        }),
      ],
      PRIORITIZED,
    );
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 0, Max: 800 });
  });

  it('PRIORITIZED_OVERRIDE: fixes the min side the same way', () => {
    // min side: REALM 300 → WORLD OVERRIDE 100 replaces it and is fixed; TOTAL HARD_MIN 400 ignored → 100
    // INTERSECT would give max(300, 100, 400) = 400
    const outputs = [
      out('x', {
        caps: [
          cap('strength', 'HARD_MIN', 'min', 300, { scope: 'REALM' }),
          cap('strength', 'OVERRIDE', 'min', 100, { scope: 'WORLD' }),
          cap('strength', 'HARD_MIN', 'min', 400, { scope: 'TOTAL' }),
        ],
      }),
    ];
    expect(resolve(outputs, PRIORITIZED).CapsUsed.strength).toEqual({ Min: 100, Max: 999999 });
    expect(resolve(outputs).CapsUsed.strength).toEqual({ Min: 400, Max: 999999 });
  });

  it('PRIORITIZED_OVERRIDE: the fixed side is its layer value, HARD_MAX of that layer included', () => {
    // WORLD: Max = min(override 800, hard 700, 999999) = 700 → fixed at 700; TOTAL HARD_MAX 200 ignored
    const snapshot = resolve(
      [
        out('x', {
          caps: [
            cap('strength', 'OVERRIDE', 'max', 800, { scope: 'WORLD' }),
            cap('strength', 'HARD_MAX', 'max', 700, { scope: 'WORLD' }),
            cap('strength', 'HARD_MAX', 'max', 200),
          ],
        }),
      ],
      PRIORITIZED,
    );
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 0, Max: 700 });
  });

  it('PRIORITIZED_OVERRIDE: the final step still keeps Min ≤ Max against a fixed side', () => {
    // min fixed by WORLD OVERRIDE at 700; max from TOTAL HARD_MAX 500 → [700, 500] → Min = Max = 500
    const snapshot = resolve(
      [
        out('x', {
          caps: [
            cap('strength', 'OVERRIDE', 'min', 700, { scope: 'WORLD' }),
            cap('strength', 'HARD_MAX', 'max', 500),
          ],
        }),
      ],
      PRIORITIZED,
    );
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 500, Max: 500 });
  });

  it('PRIORITIZED_OVERRIDE: the result stays within clamp_default', () => {
    // WORLD OVERRIDE max 5 on crit_rate [0, 1] → 1; OVERRIDE min −3 → 0
    const snapshot = resolve(
      [
        out('x', {
          caps: [
            cap('crit_rate', 'OVERRIDE', 'max', 5, { scope: 'WORLD' }),
            cap('crit_rate', 'OVERRIDE', 'min', -3, { scope: 'WORLD' }),
          ],
        }),
      ],
      PRIORITIZED,
    );
    expect(snapshot.CapsUsed.crit_rate).toEqual({ Min: 0, Max: 1 });
  });

  it('follows a custom layer order', () => {
    const outputs = [
      out('x', {
        caps: [
          cap('strength', 'OVERRIDE', 'max', 800, { scope: 'TOTAL' }),
          cap('strength', 'OVERRIDE', 'max', 400, { scope: 'WORLD' }),
        ],
      }),
    ];
    // default order REALM, WORLD, EVENT, TOTAL: WORLD is first with an OVERRIDE → 400
    expect(resolve(outputs, PRIORITIZED).CapsUsed.strength).toEqual({ Min: 0, Max: 400 });
    // order TOTAL, WORLD: TOTAL is first → 800
    const custom: CapLayerRegistrySource = {
      order: ['TOTAL', 'WORLD'],
      across_policy: 'PRIORITIZED_OVERRIDE',
    };
    expect(resolve(outputs, custom).CapsUsed.strength).toEqual({ Min: 0, Max: 800 });
  });

  it('accepts custom layer names', () => {
    // GEAR Max 40, BUFF Max 90 → INTERSECT 40; GEAR Min 5
    const custom: CapLayerRegistrySource = {
      order: ['BASE', 'GEAR', 'BUFF', 'TOTAL'],
      across_policy: 'INTERSECT',
    };
    const snapshot = resolve(
      [
        out('x', {
          primary: [c('strength', 'FLAT', 50, 'a')],
          caps: [
            cap('strength', 'HARD_MAX', 'max', 40, { scope: 'GEAR' }),
            cap('strength', 'BASELINE', 'max', 90, { scope: 'BUFF' }),
            cap('strength', 'HARD_MIN', 'min', 5, { scope: 'GEAR' }),
          ],
        }),
      ],
      custom,
    );
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 5, Max: 40 });
    expect(snapshot.Primary.strength).toBe(40);
  });
});

describe('which dimensions appear where', () => {
  it('lists a dimension with only caps in CapsUsed alone', () => {
    // BASELINE 700 → [0, 700]
    const snapshot = resolve([out('x', { caps: [cap('strength', 'BASELINE', 'max', 700)] })]);
    expect(snapshot).toEqual({
      Primary: {},
      Derived: {},
      CapsUsed: { strength: { Min: 0, Max: 700 } },
      Version: 1,
    });
  });

  it('gives a dimension with no caps exactly its clamp_default', () => {
    // strength [0, 999999]; the cap on crit_rate does not touch strength
    const snapshot = resolve([
      out('x', {
        primary: [c('strength', 'FLAT', 5, 'a')],
        caps: [cap('crit_rate', 'HARD_MAX', 'max', 0.5)],
      }),
    ]);
    expect(snapshot.CapsUsed).toEqual({ strength: { Min: 0, Max: 999999 }, crit_rate: { Min: 0, Max: 0.5 } });
    expect(snapshot.Primary).toEqual({ strength: 5 });
    expect(snapshot.Derived).toEqual({});
  });

  it('uses defaults.clamp_default for a dimension the registry does not list', () => {
    // defaults [−100, 5000]: 9000 → 5000, −300 → −100; a HARD_MAX 10 on another unlisted one → [−100, 10]
    const snapshot = resolve([
      out('x', {
        primary: [c('unlisted', 'FLAT', 9000, 'a')],
        derived: [c('unlisted', 'FLAT', -300, 'a')],
        caps: [cap('other', 'HARD_MAX', 'max', 10)],
      }),
    ]);
    expect(snapshot.Primary.unlisted).toBe(5000);
    expect(snapshot.Derived.unlisted).toBe(-100);
    expect(snapshot.CapsUsed).toEqual({ unlisted: { Min: -100, Max: 5000 }, other: { Min: -100, Max: 10 } });
  });

  it('falls back to {min: 0, max: 1000000} when the registry has no defaults (golden case 04)', () => {
    // 2,000,000 → 1,000,000; −5 → 0
    const snapshot = resolve(
      [
        out('x', {
          primary: [c('unlisted', 'FLAT', 2000000, 'a')],
          derived: [c('unlisted', 'FLAT', -5, 'a')],
        }),
      ],
      undefined,
      { dimensions: {} },
    );
    expect(snapshot.Primary.unlisted).toBe(1000000);
    expect(snapshot.Derived.unlisted).toBe(0);
    expect(snapshot.CapsUsed.unlisted).toEqual({ Min: 0, Max: 1000000 });
  });
});

describe('Context', () => {
  it('lists the context names in ascending order, whatever order they were sent in', () => {
    const snapshot = resolve([
      out('beta', { context: { travel: { post_add: 1 }, combat: { post_add: 2 } } }),
      out('alpha', { context: { zeal: { post_add: 3 }, aura: { multipliers: [2] } } }),
    ]);
    expect(Object.keys(snapshot.Context!)).toEqual(['aura', 'combat', 'travel', 'zeal']);
  });

  it('merges packs per name: additive_percent summed, multipliers in meta.system ASC order, post_add summed', () => {
    const snapshot = resolve([
      out('beta', { context: { combat: { additive_percent: 0.25, multipliers: [2], post_add: 5 } } }),
      out('gamma', { context: { travel: { multipliers: [0.5] }, combat: { post_add: 1 } } }),
      out('alpha', {
        primary: [c('strength', 'FLAT', 10, 'a')],
        context: { combat: { additive_percent: 0.5, multipliers: [1.5, 3] } },
      }),
    ]);
    // combat, systems ASC alpha, beta, gamma: additive 0.5 + 0.25 = 0.75; multipliers [1.5, 3] ++ [2];
    //   post_add 5 + 1 = 6. travel: only gamma → multipliers [0.5], nothing to sum → 0
    expect(snapshot.Context).toEqual({
      combat: { additive_percent: 0.75, multipliers: [1.5, 3, 2], post_add: 6 },
      travel: { additive_percent: 0, multipliers: [0.5], post_add: 0 },
    });
    // packs are reported, not applied to the values
    expect(snapshot.Primary.strength).toBe(10);
  });

  it('is absent when no subsystem sent a pack', () => {
    const snapshot = resolve([out('x', { primary: [c('strength', 'FLAT', 10, 'a')] })]);
    expect('Context' in snapshot).toBe(false);
    expect(Object.keys(JSON.parse(JSON.stringify(snapshot))).sort()).toEqual([
      'CapsUsed',
      'Derived',
      'Primary',
      'Version',
    ]);
  });

  it('keeps a context named like an Object.prototype property (parsed from JSON)', () => {
    const outputs = JSON.parse(
      '[{"primary":[],"derived":[],"caps":[],"meta":{"system":"a"},' +
        '"context":{"__proto__":{"post_add":1},"constructor":{"post_add":2}}}]',
    ) as SubsystemOutput[];
    const snapshot = resolve(outputs);
    // every context name sent appears, each merged from its one pack
    expect(JSON.parse(JSON.stringify(snapshot.Context))).toEqual(
      JSON.parse(
        '{"__proto__":{"additive_percent":0,"multipliers":[],"post_add":1},' +
          '"constructor":{"additive_percent":0,"multipliers":[],"post_add":2}}',
      ),
    );
  });

  it('applyContext: 100 with {0.2, [1.5, 1.2], 50} gives 266', () => {
    // 100 × (1 + 0.2) = 120; × 1.5 = 180; × 1.2 = 216; + 50 = 266
    const pack: ModifierPack = { additive_percent: 0.2, multipliers: [1.5, 1.2], post_add: 50 };
    expect(applyContext(100, pack)).toBe(266);
  });

  it('applyContext treats missing fields as neutral', () => {
    // 42 × (1 + 0) × 1 + 0 = 42; 10 × 1.5 = 15; 10 + 3 = 13
    expect(applyContext(42, {})).toBe(42);
    expect(applyContext(10, { additive_percent: 0.5 })).toBe(15);
    expect(applyContext(10, { post_add: 3 })).toBe(13);
  });
});

describe('tie-breaks the spec leaves open (decided in src/core/order.ts and context.ts)', () => {
  it('orders systems by code unit, so "Zeta" sorts before "alpha"', () => {
    // equal priority; 'Z' (0x5A) < 'a' (0x61) → Zeta's OVERRIDE 1 is first
    const snapshot = resolve([
      out('x', { primary: [c('strength', 'OVERRIDE', 2, 'alpha'), c('strength', 'OVERRIDE', 1, 'Zeta')] }),
    ]);
    expect(snapshot.Primary.strength).toBe(1);
  });

  it('breaks a full tie of OVERRIDE contributions by value, smaller first, and -0 before +0', () => {
    // same bucket, priority and system: values 7 and 3 → 3 first
    const byValue = resolve([
      out('x', { primary: [c('strength', 'OVERRIDE', 7, 's', 1)] }),
      out('y', { primary: [c('strength', 'OVERRIDE', 3, 's', 1)] }),
    ]);
    expect(byValue.Primary.strength).toBe(3);
    // +0 and -0 → -0 first (clamp_default.min 0 does not change -0: -0 < 0 is false)
    const bySign = resolve([
      out('x', { primary: [c('wide', 'OVERRIDE', 0, 's')] }),
      out('y', { primary: [c('wide', 'OVERRIDE', -0, 's')] }),
    ]);
    expect(Object.is(bySign.Primary.wide, -0)).toBe(true);
  });

  it('breaks a full tie of OVERRIDE caps by value, smaller first', () => {
    // same priority and system on the max side: 900 and 600 → 600
    const snapshot = resolve([
      out('x', { caps: [cap('strength', 'OVERRIDE', 'max', 900, { system: 's' })] }),
      out('y', { caps: [cap('strength', 'OVERRIDE', 'max', 600, { system: 's' })] }),
    ]);
    expect(snapshot.CapsUsed.strength).toEqual({ Min: 0, Max: 600 });
  });

  it('orders packs of the same meta.system by content: smaller additive_percent first', () => {
    // both from 'same': {0.1, [2]} before {0.2, [3]} → multipliers [2, 3]; 0.1 + 0.2 summed in that order
    const snapshot = resolve([
      out('same', { context: { combat: { additive_percent: 0.2, multipliers: [3] } } }),
      out('same', { context: { combat: { additive_percent: 0.1, multipliers: [2] } } }),
    ]);
    expect(snapshot.Context).toEqual({
      combat: { additive_percent: 0.1 + 0.2, multipliers: [2, 3], post_add: 0 },
    });
  });

  it('orders packs of the same meta.system whose multipliers are a prefix of the other’s: shorter first', () => {
    // both from 'same', equal additive_percent and post_add; [2] is a prefix of [2, 3] → [2] first → [2, 2, 3]
    const short = out('same', { context: { combat: { multipliers: [2] } } });
    const long = out('same', { context: { combat: { multipliers: [2, 3] } } });
    for (const outputs of [
      [short, long],
      [long, short],
    ]) {
      expect(resolve(outputs).Context).toEqual({
        combat: { additive_percent: 0, multipliers: [2, 2, 3], post_add: 0 },
      });
    }
  });

  it('treats an empty context object as no pack sent: Context stays absent', () => {
    const snapshot = resolve([out('x', { context: {} })]);
    expect('Context' in snapshot).toBe(false);
  });
});

describe('unlisted dimensions', () => {
  it('keeps every one of many unlisted dimensions in one actor (more than the workspace first holds)', () => {
    // 12 unlisted names, each FLAT i under the defaults' clamp_default [−100, 5000] → Primary[d_i] = i
    const names = Array.from({ length: 12 }, (_, i) => `unlisted_${String(i).padStart(2, '0')}`);
    const snapshot = resolve([out('x', { primary: names.map((d, i) => c(d, 'FLAT', i + 1, 'a')) })]);
    expect(snapshot.Primary).toEqual(Object.fromEntries(names.map((d, i) => [d, i + 1])));
    expect(Object.keys(snapshot.CapsUsed)).toEqual(names);
  });
});

describe('Version and shape', () => {
  it('is the actor’s version, not any subsystem’s meta.version', () => {
    const snapshot = resolve(
      [out('x', { primary: [c('strength', 'FLAT', 1, 'a')], version: 3 })],
      undefined,
      COMBINER,
      7,
    );
    expect(snapshot.Version).toBe(7);
  });

  it('has exactly the fields Primary, Derived, CapsUsed, Version for an empty input', () => {
    expect(resolve([], undefined, COMBINER, 2)).toEqual({
      Primary: {},
      Derived: {},
      CapsUsed: {},
      Version: 2,
    });
    expect(Object.keys(resolve([])).sort()).toEqual(['CapsUsed', 'Derived', 'Primary', 'Version']);
  });
});
