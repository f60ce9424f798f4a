/**
 * The core against a literal reading of AGGREGATION.md (test/support/spec-oracle.ts), which shares no
 * code with it: the same snapshot, compared as JSON with key order ignored as the page says, on random
 * inputs that leave no choice to the implementation (no two items tied in every sort key) and on the
 * published golden vectors. Ties are the business of properties.test.ts and spec-cases.test.ts.
 */
import fc from 'fast-check';
import { compileRegistries, resolveSnapshot, type SubsystemOutput } from '../../src/core';
import { DEFAULT_POOL, DENSE_POOL, validInputArb } from '../support/arbitraries';
import { goldenCases, readJson, goldenDir } from '../support/shared';
import { specSnapshot } from '../support/spec-oracle';
import * as path from 'node:path';

/** JSON with every object's keys sorted: equal for two snapshots that differ only in key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/**
 * The outputs without the items whose order the page does not decide: a contribution tied with an
 * earlier one of its group in bucket, priority and system; a cap tied with an earlier one of its
 * dimension, layer and side in priority and system; the context of a subsystem whose `meta.system`
 * an earlier context already came from.
 */
function withoutUndecidedTies(outputs: readonly SubsystemOutput[]): SubsystemOutput[] {
  const seen = new Set<string>();
  /** Whether `key` is seen for the first time (and remembers it). */
  const first = (key: string): boolean => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  return outputs.map((output) => {
    const kept: SubsystemOutput = {
      ...output,
      primary: output.primary.filter((c) =>
        first(`primary|${c.dimension}|${c.bucket}|${c.priority ?? 0}|${c.system}`),
      ),
      derived: output.derived.filter((c) =>
        first(`derived|${c.dimension}|${c.bucket}|${c.priority ?? 0}|${c.system}`),
      ),
      caps: output.caps.filter((c) =>
        first(`cap|${c.dimension}|${c.scope ?? 'TOTAL'}|${c.kind}|${c.priority ?? 0}|${c.system}`),
      ),
    };
    if (output.context !== undefined && !first(`context|${output.meta.system}`)) delete kept.context;
    return kept;
  });
}

describe('the core against a literal reading of the spec', () => {
  it('the reading gives every published golden snapshot', () => {
    const registry = readJson(path.join(goldenDir, 'registry.json')) as Parameters<typeof specSnapshot>[1];
    for (const c of goldenCases()) {
      const outputs = c.subsystems as SubsystemOutput[];
      const capLayers = c.capLayers as Parameters<typeof specSnapshot>[2];
      expect(canonicalJson(specSnapshot(outputs, registry, capLayers))).toBe(canonicalJson(c.expected));
    }
  });

  it.each([
    ['varied inputs', DEFAULT_POOL],
    ['inputs crowded on one dimension', DENSE_POOL],
  ])('gives the same snapshot on %s without undecided ties', (_name, pool) => {
    fc.assert(
      fc.property(validInputArb({ pool }), ({ combiner, capLayers, outputs }) => {
        const decided = withoutUndecidedTies(outputs);
        const snapshot = resolveSnapshot(decided, compileRegistries(combiner, capLayers), 3);
        expect(canonicalJson(snapshot)).toBe(canonicalJson(specSnapshot(decided, combiner, capLayers, 3)));
      }),
      { numRuns: 1000 },
    );
  });
});
