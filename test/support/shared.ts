/** Paths into ../shared (the spec, golden vectors and workload), read at test time, never copied. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../..');
export const sharedDir = path.resolve(repoRoot, '../shared');
export const goldenDir = path.join(sharedDir, 'golden');

// One clear line instead of a missing file deep in a test: the clone must sit beside shared/.
if (!fs.existsSync(path.join(sharedDir, 'spec', 'AGGREGATION.md'))) {
  throw new Error(
    `the tests read the spec, golden vectors and workload from ${sharedDir}, which is missing: ` +
      'clone Actor Core beside shared/ (as ../shared)',
  );
}

export interface GoldenCase {
  name: string;
  dir: string;
  subsystems: unknown;
  expected: unknown;
  capLayers: unknown | undefined;
}

export function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export function goldenCases(): GoldenCase[] {
  return fs
    .readdirSync(goldenDir)
    .filter((name) => name.startsWith('case') && fs.statSync(path.join(goldenDir, name)).isDirectory())
    .sort()
    .map((name) => {
      const dir = path.join(goldenDir, name);
      const capFile = path.join(dir, 'cap_layer_registry.json');
      return {
        name,
        dir,
        subsystems: readJson(path.join(dir, 'subsystems.json')),
        expected: readJson(path.join(dir, 'expected.json')),
        capLayers: fs.existsSync(capFile) ? readJson(capFile) : undefined,
      };
    });
}

/** JSON equality with key order ignored and a relative tolerance of 1e-9 on numbers (golden README). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]))
    );
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every(
        (k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson((a as never)[k], (b as never)[k]),
      )
    );
  }
  return a === b;
}
