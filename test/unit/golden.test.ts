import * as path from 'node:path';
import { compileRegistries, resolveSnapshot } from '../../src/core';
import { goldenCases, goldenDir, readJson, sameJson } from '../support/shared';

const registry = readJson(path.join(goldenDir, 'registry.json'));
const cases = goldenCases();

describe('published golden vectors', () => {
  it('finds the published cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(7);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s resolves to its expected snapshot', (_name, c) => {
    const registries = compileRegistries(registry, c.capLayers);
    const snapshot = resolveSnapshot(c.subsystems, registries, 1);
    if (!sameJson(snapshot, c.expected)) expect(snapshot).toEqual(c.expected); // shows the diff
    expect(sameJson(snapshot, c.expected)).toBe(true);
  });
});
