/**
 * Hand-computed cases for what AGGREGATION.md decides and the published golden vectors do not cover.
 * Every expected value is worked out by hand in the comment next to it; nothing here asks the code
 * under test for an expected value. The caps' cases are in spec-cases-caps.test.ts.
 */
import { applyContext, type Contribution, type ModifierPack, type SubsystemOutput } from '../../src/core';
import { c, cap, COMBINER, out, resolve } from '../support/spec-inputs';

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
