/**
 * fast-check arbitraries for the core: valid SubsystemOutput[] over a small dimension set, and valid
 * registries. Systems, priorities and values are drawn from small pools on purpose, so that tie-breaks
 * (same priority, same system, same value, -0 against +0) are exercised on nearly every run.
 */
import fc from 'fast-check';
import type {
  AcrossPolicy,
  Bucket,
  CapContribution,
  CapKind,
  CapLayerRegistrySource,
  CapMode,
  CombinerRegistrySource,
  Contribution,
  MergeRule,
  ModifierPack,
  Operator,
  SubsystemOutput,
} from '../../src/core';

/** Dimensions the generated outputs use; `unlisted_a`/`unlisted_b` are never in a generated registry. */
export const DIMENSIONS = ['strength', 'agility', 'crit_rate', 'lifespan_years', 'unlisted_a', 'unlisted_b'];
export const LISTABLE_DIMENSIONS = ['strength', 'agility', 'crit_rate', 'lifespan_years'];
/** Few, colliding system names (uppercase sorts before lowercase in code-unit order). */
export const SYSTEMS = ['a', 'b', 'items', 'Z'];
export const LAYER_POOL = ['REALM', 'WORLD', 'EVENT', 'TOTAL', 'GUILD'];
export const CONTEXT_NAMES = ['combat', 'travel'];

/** Values chosen so that summation order shows in the bits (0.1 + 0.2 + 0.3, 1e16 + 1 + 1) and -0 appears. */
const CONTRIBUTION_VALUES = [
  -0, 0, 0, 0.1, 0.2, 0.3, 0.5, 1, 1, 3, 7.25, 100, 100, 250, -5, -0.25, 1e16, 1e6,
];
const CAP_VALUES = [-0, 0, 0.5, 1, 5, 50, 100, 100, 250, 500, 1000, -10, 1e6, 0.1, 0.2];
const PACK_NUMBERS = [-0, 0, 0.1, 0.2, 0.3, 1, 50];
const MULTIPLIERS = [0.5, 1.2, 1.5, 2, 0.1, 3];

/** What generated contributions and caps draw from; smaller pools mean more collisions. */
export interface Pool {
  dimensions: readonly string[];
  systems: readonly string[];
  priorities: readonly (number | undefined)[];
  contributionValues: readonly number[];
  capValues: readonly number[];
}

export const DEFAULT_POOL: Pool = {
  dimensions: DIMENSIONS,
  systems: SYSTEMS,
  priorities: [undefined, -1, 0, 0, 1, 2],
  contributionValues: CONTRIBUTION_VALUES,
  capValues: CAP_VALUES,
};

/** Everything on one dimension from two systems with two priorities: nearly every sort key ties. */
export const DENSE_POOL: Pool = {
  dimensions: ['strength'],
  systems: ['a', 'b'],
  priorities: [undefined, 0, 1],
  contributionValues: [-0, 0, 0.1, 0.2, 0.3, 1, 1e16, -0.25],
  capValues: [-0, 0, 0.1, 0.2, 0.3, 100, 1000],
};

/** Sets `key` only when `value` is defined, so optional fields are really absent (not `undefined`). */
function withOptional<T extends object, K extends string, V>(obj: T, key: K, value: V | undefined): T {
  if (value !== undefined) (obj as Record<string, unknown>)[key] = value;
  return obj;
}

export function contributionArb(pool: Pool = DEFAULT_POOL): fc.Arbitrary<Contribution> {
  return fc
    .record({
      dimension: fc.constantFrom(...pool.dimensions),
      bucket: fc.constantFrom<Bucket>('FLAT', 'MULT', 'POST_ADD', 'OVERRIDE'),
      value: fc.constantFrom(...pool.contributionValues),
      system: fc.constantFrom(...pool.systems),
      priority: fc.constantFrom(...pool.priorities),
    })
    .map(({ priority, ...rest }) =>
      withOptional<Contribution, 'priority', number>({ ...rest }, 'priority', priority),
    );
}

export const MODE_KINDS: ReadonlyArray<readonly [CapMode, CapKind]> = [
  ['BASELINE', 'max'],
  ['BASELINE', 'min'],
  ['ADDITIVE', 'max'],
  ['ADDITIVE', 'min'],
  ['HARD_MAX', 'max'],
  ['HARD_MIN', 'min'],
  ['OVERRIDE', 'max'],
  ['OVERRIDE', 'min'],
];

/** A cap whose scope is one of `layers` (or absent, meaning TOTAL, when TOTAL is a layer). */
export function capArb(
  layers: readonly string[],
  pool: Pool = DEFAULT_POOL,
  modeKinds: ReadonlyArray<readonly [CapMode, CapKind]> = MODE_KINDS,
): fc.Arbitrary<CapContribution> {
  const scopes: (string | undefined)[] = [...layers];
  if (layers.includes('TOTAL')) scopes.push(undefined);
  return fc
    .record({
      system: fc.constantFrom(...pool.systems),
      dimension: fc.constantFrom(...pool.dimensions),
      modeKind: fc.constantFrom(...modeKinds),
      value: fc.constantFrom(...pool.capValues),
      priority: fc.constantFrom(...pool.priorities),
      scope: fc.constantFrom(...scopes),
      realm: fc.option(fc.constantFrom('r1', 'r2'), { nil: undefined }),
      tags: fc.option(fc.array(fc.constantFrom('x', 'y'), { maxLength: 2 }), { nil: undefined }),
    })
    .map(({ modeKind, priority, scope, realm, tags, ...rest }) => {
      const cap: CapContribution = { ...rest, mode: modeKind[0], kind: modeKind[1] };
      withOptional(cap, 'priority', priority);
      withOptional(cap, 'scope', scope);
      withOptional(cap, 'realm', scope === 'REALM' ? (realm ?? 'r1') : realm);
      withOptional(cap, 'tags', tags);
      return cap;
    });
}

export const modifierPackArb: fc.Arbitrary<ModifierPack> = fc
  .record({
    additive_percent: fc.option(fc.constantFrom(...PACK_NUMBERS), { nil: undefined }),
    multipliers: fc.option(fc.array(fc.constantFrom(...MULTIPLIERS), { maxLength: 3 }), { nil: undefined }),
    post_add: fc.option(fc.constantFrom(...PACK_NUMBERS), { nil: undefined }),
  })
  .map(({ additive_percent, multipliers, post_add }) => {
    const pack: ModifierPack = {};
    withOptional(pack, 'additive_percent', additive_percent);
    withOptional(pack, 'multipliers', multipliers);
    withOptional(pack, 'post_add', post_add);
    return pack;
  });

export const contextArb: fc.Arbitrary<Record<string, ModifierPack>> = fc.dictionary(
  fc.constantFrom(...CONTEXT_NAMES),
  modifierPackArb,
  { maxKeys: 2 },
);

export function subsystemOutputArb(
  layers: readonly string[],
  pool: Pool = DEFAULT_POOL,
): fc.Arbitrary<SubsystemOutput> {
  return fc
    .record({
      primary: fc.array(contributionArb(pool), { maxLength: 6 }),
      derived: fc.array(contributionArb(pool), { maxLength: 4 }),
      caps: fc.array(capArb(layers, pool), { maxLength: 6 }),
      context: fc.option(contextArb, { nil: undefined, freq: 3 }),
      system: fc.constantFrom(...pool.systems),
      stage: fc.option(fc.constantFrom('pre', 'post'), { nil: undefined }),
      version: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    })
    .map(({ primary, derived, caps, context, system, stage, version }) => {
      const meta: SubsystemOutput['meta'] = { system };
      withOptional(meta, 'stage', stage);
      withOptional(meta, 'version', version);
      return withOptional<SubsystemOutput, 'context', Record<string, ModifierPack>>(
        { primary, derived, caps, meta },
        'context',
        context,
      );
    });
}

export function outputsArb(
  layers: readonly string[],
  pool: Pool = DEFAULT_POOL,
): fc.Arbitrary<SubsystemOutput[]> {
  return fc.array(subsystemOutputArb(layers, pool), { minLength: 1, maxLength: 4 });
}

const CLAMPS = [
  { min: 0, max: 1000 },
  { min: 0, max: 1 },
  { min: -50, max: 50 },
  { min: 100, max: 100 },
  { min: -1e18, max: 1e18 },
];

export const mergeRuleArb: fc.Arbitrary<MergeRule> = fc
  .record({
    use_pipeline: fc.boolean(),
    operator: fc.option(fc.constantFrom<Operator>('SUM', 'MAX', 'MIN', 'AVERAGE', 'MULTIPLY'), {
      nil: undefined,
    }),
    clamp_default: fc.constantFrom(...CLAMPS),
  })
  .map(({ use_pipeline, operator, clamp_default }) =>
    withOptional<MergeRule, 'operator', Operator>(
      { use_pipeline, clamp_default: { ...clamp_default } },
      'operator',
      operator,
    ),
  );

export const combinerRegistryArb: fc.Arbitrary<CombinerRegistrySource> = fc
  .record({
    dimensions: fc.dictionary(fc.constantFrom(...LISTABLE_DIMENSIONS), mergeRuleArb, { maxKeys: 4 }),
    defaults: fc.option(fc.constantFrom(...CLAMPS), { nil: undefined }),
  })
  .map(({ dimensions, defaults }) =>
    withOptional<CombinerRegistrySource, 'defaults', { clamp_default: { min: number; max: number } }>(
      { dimensions },
      'defaults',
      defaults === undefined ? undefined : { clamp_default: { ...defaults } },
    ),
  );

export function capLayerRegistryArb(policy?: AcrossPolicy): fc.Arbitrary<CapLayerRegistrySource> {
  return fc.record({
    order: fc.shuffledSubarray(LAYER_POOL, { minLength: 1 }),
    across_policy:
      policy === undefined
        ? fc.constantFrom<AcrossPolicy>('INTERSECT', 'PRIORITIZED_OVERRIDE')
        : fc.constant(policy),
  });
}

export interface ValidInput {
  combiner: CombinerRegistrySource;
  capLayers: CapLayerRegistrySource;
  outputs: SubsystemOutput[];
}

/** Registries and outputs that are valid against them. */
export function validInputArb(
  options: { policy?: AcrossPolicy; pool?: Pool } = {},
): fc.Arbitrary<ValidInput> {
  return fc
    .tuple(combinerRegistryArb, capLayerRegistryArb(options.policy))
    .chain(([combiner, capLayers]) =>
      outputsArb(capLayers.order, options.pool).map((outputs) => ({ combiner, capLayers, outputs })),
    );
}

/** A deterministic PRNG (mulberry32), so a shuffle is reproducible from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The same outputs with the subsystem order and the order of every `primary`, `derived` and `caps`
 * array shuffled. Context packs and their multiplier lists are left as they are (their order is data).
 */
export function shuffleOutputs(outputs: readonly SubsystemOutput[], seed: number): SubsystemOutput[] {
  const random = rng(seed);
  return shuffled(
    outputs.map((o) => ({
      ...o,
      primary: shuffled(o.primary, random),
      derived: shuffled(o.derived, random),
      caps: shuffled(o.caps, random),
    })),
    random,
  );
}

/**
 * The same contributions and caps dealt out again at random over the same outputs (whose meta and
 * context stay put), then the outputs shuffled: only which dimension an entry names may matter.
 */
export function redistributeOutputs(outputs: readonly SubsystemOutput[], seed: number): SubsystemOutput[] {
  const random = rng(seed);
  const dealt = outputs.map((o) => ({
    ...o,
    primary: [] as Contribution[],
    derived: [] as Contribution[],
    caps: [] as CapContribution[],
  }));
  const pick = () => dealt[Math.floor(random() * dealt.length)]!;
  for (const c of shuffled(
    outputs.flatMap((o) => o.primary),
    random,
  ))
    pick().primary.push(c);
  for (const c of shuffled(
    outputs.flatMap((o) => o.derived),
    random,
  ))
    pick().derived.push(c);
  for (const cap of shuffled(
    outputs.flatMap((o) => o.caps),
    random,
  ))
    pick().caps.push(cap);
  return shuffled(dealt, random);
}
