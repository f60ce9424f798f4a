/** The arithmetic of bench:core-ab: a pair's effect cancels the load order; the pairs give a mean and its error. */
import { pairEffect, summarizeEffects } from '../../bench/paired-effect';

describe('paired effect', () => {
  it('cancels what loading second adds, whichever build that is', () => {
    // The change saves 0.2 µs; the build loaded second pays 0.3 µs more.
    const baseFirst = { baseUs: 10, changedUs: 10 - 0.2 + 0.3 };
    const changedFirst = { baseUs: 10 + 0.3, changedUs: 10 - 0.2 };
    expect(pairEffect(baseFirst, changedFirst)).toBeCloseTo(-0.2, 12);
  });

  it('gives the mean of the pairs and its standard error', () => {
    const summary = summarizeEffects([-0.1, -0.3]);
    expect(summary.mean).toBeCloseTo(-0.2, 12);
    expect(summary.standardError).toBeCloseTo(0.1, 12); // sd √0.02 over √2
    expect(summarizeEffects([-0.1, -0.1, -0.1]).standardError).toBeCloseTo(0, 12);
  });

  it('gives no standard error for one pair, and refuses none', () => {
    expect(summarizeEffects([0.25])).toEqual({ mean: 0.25, standardError: undefined });
    expect(() => summarizeEffects([])).toThrow('no pairs to summarize');
  });
});
