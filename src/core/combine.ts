/** Step 1 of AGGREGATION.md: the candidate value of one dimension from its sorted contributions. */
import type { CompiledRule } from './registries';
import type { Contribution } from './types';

/** Pipeline: `OVERRIDE ?? Σ FLAT × Π (1 + MULT) + Σ POST_ADD`. Expects `compareContributions` order. */
export function pipelineValue(sorted: readonly Contribution[]): number {
  let flat = 0;
  let mult = 1;
  let post = 0;
  for (let i = 0; i < sorted.length; i++) {
    const c = sorted[i]!;
    switch (c.bucket) {
      case 'FLAT':
        flat += c.value;
        break;
      case 'MULT':
        mult *= 1 + c.value;
        break;
      case 'POST_ADD':
        post += c.value;
        break;
      case 'OVERRIDE':
        return c.value; // the first OVERRIDE in sort order wins; they sort last
    }
  }
  return flat * mult + post;
}

/** Operator mode: buckets ignored, values folded in sort order. */
export function operatorValue(sorted: readonly Contribution[], operator: CompiledRule['operator']): number {
  const n = sorted.length;
  let acc: number;
  switch (operator) {
    case 'SUM':
    case 'AVERAGE':
      acc = 0;
      for (let i = 0; i < n; i++) acc += sorted[i]!.value;
      return operator === 'SUM' ? acc : acc / n;
    case 'MAX':
      acc = -Infinity;
      for (let i = 0; i < n; i++) acc = Math.max(acc, sorted[i]!.value);
      return acc;
    case 'MIN':
      acc = Infinity;
      for (let i = 0; i < n; i++) acc = Math.min(acc, sorted[i]!.value);
      return acc;
    case 'MULTIPLY':
      acc = 1;
      for (let i = 0; i < n; i++) acc *= sorted[i]!.value;
      return acc;
  }
}

export function candidateValue(sorted: readonly Contribution[], rule: CompiledRule): number {
  return rule.usePipeline ? pipelineValue(sorted) : operatorValue(sorted, rule.operator);
}

/** `clamp(x, [min, max])` with min ≤ max guaranteed by the caps step. */
export function clampTo(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}
