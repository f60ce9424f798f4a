/**
 * V8 keeps `String.prototype` in fast mode until some object takes it as its prototype (a class that
 * extends String, `Object.create(String.prototype)`): then it turns it into a dictionary for good, and
 * every string method call in the process (`charCodeAt`, `startsWith`, …) costs ~3× as much. ioredis 6
 * defines such a class when it loads (`VerbatimString`), which made the core's resolve ~35 % slower in
 * every process that loaded it (the CLI, the worker's main thread, the API). These tests load each of
 * the built entry points in a process of its own and ask V8.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { assertBuilt } from '../support/cli';
import { repoRoot } from '../support/shared';

/** `%HasFastProperties(String.prototype)` in a new node process, after running `setup`. */
function stringPrototypeIsFast(setup: string): boolean {
  const result = spawnSync(
    process.execPath,
    [
      '--allow-natives-syntax',
      '-e',
      `${setup}; process.stdout.write(String(%HasFastProperties(String.prototype)))`,
    ],
    { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
  );
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) throw new Error(`node exited with ${result.status}: ${result.stderr}`);
  return result.stdout === 'true';
}

const ENTRY_POINTS = [
  'dist/src/index.js',
  'dist/src/cli/main.js',
  'dist/src/worker/worker-process.js',
  'dist/src/api/start-api-server.js',
  'dist/src/sidecar/index.js',
  'dist/src/pool/index.js',
];

describe("String.prototype in V8's fast mode", () => {
  beforeAll(assertBuilt);

  it('is lost once an object takes String.prototype as its prototype (the probe can tell)', () => {
    expect(stringPrototypeIsFast('')).toBe(true);
    expect(stringPrototypeIsFast('class Verbatim extends String {}')).toBe(false);
    expect(stringPrototypeIsFast('Object.create(String.prototype)')).toBe(false);
  });

  it.each(ENTRY_POINTS)('is kept by everything %s loads', (entry) => {
    expect(stringPrototypeIsFast(`require(${JSON.stringify(path.join(repoRoot, entry))})`)).toBe(true);
  });
});
