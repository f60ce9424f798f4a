/**
 * The arithmetic of `bench:core-ab`: a change's effect on the resolve, from pairs of runs that
 * alternate the two builds block by block in one process, each build loaded first in one run of the
 * pair. Averaging a pair's two differences cancels what the load order adds (the first build's code
 * and tables settle first); the spread of the pairs' effects gives the standard error.
 */

/** One run's mean resolve time per actor of each build, in µs. */
export interface RunResult {
  baseUs: number;
  changedUs: number;
}

/** The effect of the change in one pair (changed − base, µs per actor): the mean of its two runs. */
export function pairEffect(baseFirst: RunResult, changedFirst: RunResult): number {
  return (baseFirst.changedUs - baseFirst.baseUs + (changedFirst.changedUs - changedFirst.baseUs)) / 2;
}

export interface EffectSummary {
  /** The mean effect, µs per actor: negative when the change is faster. */
  mean: number;
  /** The standard error of that mean; undefined with fewer than two pairs. */
  standardError: number | undefined;
}

export function summarizeEffects(effects: readonly number[]): EffectSummary {
  if (effects.length === 0) throw new Error('no pairs to summarize');
  const mean = effects.reduce((sum, e) => sum + e, 0) / effects.length;
  if (effects.length < 2) return { mean, standardError: undefined };
  const variance = effects.reduce((sum, e) => sum + (e - mean) ** 2, 0) / (effects.length - 1);
  return { mean, standardError: Math.sqrt(variance / effects.length) };
}
