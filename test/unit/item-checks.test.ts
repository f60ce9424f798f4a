/**
 * The hot path's validity checks (item-checks.ts: `contributionBucketCode`, `capPlace`) find a bucket, mode, kind and
 * layer by a few characters or a hash; they must accept exactly what the field-by-field diagnosis
 * accepts. The diagnosis throws a specific error for the first bad field, and its generic "is not a
 * valid …" only when it finds none: so a check passes exactly when the diagnosis ends there.
 */
import fc from 'fast-check';
import { compileRegistries, isActorCoreError } from '../../src/core';
import {
  capPlace,
  contributionBucketCode,
  MODE_CODES,
  PLACE_LAYER,
  PLACE_MODE,
} from '../../src/core/item-checks';
import { diagnoseCap, diagnoseContribution } from '../../src/core/validate-output';

const LAYERS = ['REALM', 'WORLD', 'EVENT', 'TOTAL'];
const registries = compileRegistries(
  { dimensions: { strength: { use_pipeline: true, clamp_default: { min: 0, max: 10 } } } },
  {
    order: LAYERS,
    across_policy: 'INTERSECT',
  },
);

/** A field's value: often valid, sometimes not, sometimes a string built at run time (not interned). */
function field<T>(valid: readonly T[], invalid: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...valid) },
    { weight: 1, arbitrary: fc.constantFrom(...invalid) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...valid).map((v) => (typeof v === 'string' ? [...v].join('') : v)),
    },
  );
}

function record(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out;
}

/** What the diagnosis says: 'valid' when it finds nothing but the generic error. */
function diagnosis(run: () => never): string {
  try {
    run();
  } catch (err) {
    if (!isActorCoreError(err)) throw err;
    return /is not a valid (cap|contribution)$/.test(err.message) ? 'valid' : err.code;
  }
  throw new Error('the diagnosis returned');
}

const valueArb = field([1, -0, 0.5, 1e6], [Number.NaN, Infinity, '5', null, undefined]);
const priorityArb = field([undefined, 0, 3, -2], [1.5, '1', null, Infinity]);
const systemArb = field(['items', 'b'], [5, undefined, null]);
const extraArb = fc.constantFrom({}, {}, {}, { note: 1 });

describe('the hot path’s validity checks', () => {
  it('accept a contribution exactly when its diagnosis finds nothing wrong', () => {
    const bucketArb = field(
      ['FLAT', 'MULT', 'POST_ADD', 'OVERRIDE'],
      ['', 'F', 'P', 'FLATS', 'flat', 'POST', 'OVERRIDE_', 'OVERRIDEX', 'MULTI', 7, undefined, null],
    );
    fc.assert(
      fc.property(
        bucketArb,
        valueArb,
        systemArb,
        priorityArb,
        extraArb,
        (bucket, value, system, priority, extra) => {
          const c = record({ dimension: 'strength', bucket, value, system, priority, ...extra });
          const code = contributionBucketCode(c);
          const verdict = diagnosis(() => diagnoseContribution(c, 'c', {}));
          expect(code >= 0).toBe(verdict === 'valid');
          if (code >= 0) expect(['FLAT', 'MULT', 'POST_ADD', 'OVERRIDE'][code]).toBe(bucket);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('accept a cap exactly when its diagnosis finds nothing wrong, and place it by its layer, mode and kind', () => {
    const modeArb = field(MODE_CODES, [
      '',
      'B',
      'BASELINF',
      'HARD',
      'HARD_MAXX',
      'hard_max',
      'OVERRIDE ',
      'ADDITIVE_',
      3,
    ]);
    const kindArb = field(['max', 'min'], ['', 'mid', 'MAX', 'maxx', 'mi', 'm', 1, undefined]);
    const scopeArb = field([...LAYERS, undefined], ['', 'TOTALS', 'total', 'GLOBAL', 5, null]);
    const realmArb = field([undefined, 'r1'], [3, null]);
    const tagsArb = field([undefined, ['x'], []], [['x', 1], 'x']);
    fc.assert(
      fc.property(
        fc.record({ mode: modeArb, kind: kindArb, scope: scopeArb, realm: realmArb, tags: tagsArb }),
        valueArb,
        systemArb,
        priorityArb,
        extraArb,
        (fields, value, system, priority, extra) => {
          const cap = record({ dimension: 'strength', ...fields, value, system, priority, ...extra });
          const place = capPlace(cap, registries);
          const verdict = diagnosis(() => diagnoseCap(cap, 'cap', {}, registries));
          expect(place >= 0).toBe(verdict === 'valid');
          if (place >= 0) {
            expect(LAYERS[place >>> PLACE_LAYER]).toBe(cap.scope ?? 'TOTAL');
            expect(MODE_CODES[(place >>> PLACE_MODE) & 7]).toBe(cap.mode);
            expect(['max', 'min'][place & 1]).toBe(cap.kind);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });
});
