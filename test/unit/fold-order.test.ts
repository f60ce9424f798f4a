/**
 * When a section's fold may skip the sort (combine.ts `needsOrder`): only where no order can change the
 * bits. Each `false` below is backed by the shuffle-invariance properties in properties.test.ts.
 */
import { countBuckets, needsOrder } from '../../src/core/combine';
import { compileRegistries, type Bucket, type CompiledRule } from '../../src/core';

const WIDE = { min: -1e18, max: 1e18 };
const registries = compileRegistries({
  dimensions: {
    piped: { use_pipeline: true, clamp_default: WIDE },
    summed: { use_pipeline: false, operator: 'SUM', clamp_default: WIDE },
    multiplied: { use_pipeline: false, operator: 'MULTIPLY', clamp_default: WIDE },
    largest: { use_pipeline: false, operator: 'MAX', clamp_default: WIDE },
  },
});

function rule(name: string): CompiledRule {
  return registries.slotRules[registries.slotIndex.get(name)]!;
}

function needs(name: string, terms: readonly [Bucket, number][]): boolean {
  const contributions = terms.map(([bucket, value]) => ({ dimension: name, bucket, value, system: 's' }));
  return needsOrder(terms.length, countBuckets(contributions), rule(name));
}

describe('needsOrder', () => {
  it('never sorts two terms or fewer', () => {
    expect(
      needs('piped', [
        ['FLAT', 0.1],
        ['FLAT', 0.2],
      ]),
    ).toBe(false);
    expect(
      needs('multiplied', [
        ['FLAT', 0.1],
        ['MULT', 0.2],
      ]),
    ).toBe(false);
  });

  it('sorts three fractional FLAT terms (0.1 + 0.2 + 0.3 depends on order)', () => {
    expect(
      needs('piped', [
        ['FLAT', 0.1],
        ['FLAT', 0.2],
        ['FLAT', 0.3],
      ]),
    ).toBe(true);
  });

  it('skips the sort for int32 FLAT and POST_ADD sums, which are exact in every order', () => {
    expect(
      needs('piped', [
        ['FLAT', 7],
        ['FLAT', -5],
        ['FLAT', -0],
        ['POST_ADD', 3],
      ]),
    ).toBe(false);
    expect(
      needs('piped', [
        ['POST_ADD', 7],
        ['POST_ADD', 2 ** 31 - 1],
        ['POST_ADD', -(2 ** 31)],
      ]),
    ).toBe(false);
  });

  it('sorts integers beyond int32 (1e16 + 1 + 1 rounds)', () => {
    expect(
      needs('piped', [
        ['FLAT', 1e16],
        ['FLAT', 1],
        ['FLAT', 1],
      ]),
    ).toBe(true);
  });

  it('sorts three MULT terms even when they are integers (products round)', () => {
    expect(
      needs('piped', [
        ['MULT', 1],
        ['MULT', 2],
        ['MULT', 3],
      ]),
    ).toBe(true);
  });

  it('looks at each bucket apart: a fraction in MULT does not force a sort of int FLATs', () => {
    expect(
      needs('piped', [
        ['FLAT', 1],
        ['FLAT', 2],
        ['FLAT', 3],
        ['MULT', 0.5],
      ]),
    ).toBe(false);
    expect(
      needs('piped', [
        ['FLAT', 1],
        ['FLAT', 2],
        ['FLAT', 3.5],
        ['MULT', 0.5],
      ]),
    ).toBe(true);
  });

  it('in operator mode, sums int32 terms unsorted but sorts once any term has a fraction', () => {
    expect(
      needs('summed', [
        ['FLAT', 1],
        ['MULT', 2],
        ['OVERRIDE', 3],
      ]),
    ).toBe(false);
    expect(
      needs('summed', [
        ['FLAT', 1],
        ['MULT', 2],
        ['OVERRIDE', 0.5],
      ]),
    ).toBe(true);
  });

  it('always sorts a MULTIPLY group and never a MAX group', () => {
    expect(
      needs('multiplied', [
        ['FLAT', 1],
        ['FLAT', 2],
        ['FLAT', 3],
      ]),
    ).toBe(true);
    expect(
      needs('largest', [
        ['FLAT', 0.1],
        ['FLAT', 0.2],
        ['FLAT', 0.3],
      ]),
    ).toBe(false);
  });
});
