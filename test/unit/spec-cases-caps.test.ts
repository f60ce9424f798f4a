/**
 * Hand-computed cases for the caps of AGGREGATION.md that the published golden vectors do not cover:
 * within one layer, and across layers by both policies. Every expected value is worked out by hand in
 * the comment next to it; nothing here asks the code under test for an expected value.
 */
import type { CapLayerRegistrySource, SubsystemOutput } from '../../src/core';
import { c, cap, out, PRIORITIZED, resolve } from '../support/spec-inputs';

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
