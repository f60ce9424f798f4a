/** What every explain test checks: an explanation holds exactly the range and values of the snapshot. */
import type { Explanation, Snapshot } from '../../src/core';

/** explain() of `dimension` holds exactly the range and values the snapshot holds (same doubles). */
export function expectAgreement(explanation: Explanation, snapshot: Snapshot, dimension: string): void {
  const range = snapshot.CapsUsed[dimension]!;
  expect(Object.is(explanation.capsUsed.Min, range.Min)).toBe(true);
  expect(Object.is(explanation.capsUsed.Max, range.Max)).toBe(true);
  expect(explanation.seen).toBe(true);
  for (const [section, values] of [
    ['primary', snapshot.Primary],
    ['derived', snapshot.Derived],
  ] as const) {
    const explained = explanation[section];
    if (dimension in values) {
      expect(explained).toBeDefined();
      expect(Object.is(explained!.value, values[dimension])).toBe(true);
    } else {
      expect(explained).toBeUndefined();
    }
  }
}
