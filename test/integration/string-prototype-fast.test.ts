/**
 * V8 keeps `String.prototype` in fast mode until some object takes it as its prototype (a class that
 * extends String, `Object.create(String.prototype)`): then it turns it into a dictionary for good, and
 * every string method call in the process (`charCodeAt`, `startsWith`, …) costs ~3× as much. ioredis 6
 * defines such a class when it loads (`VerbatimString`), which made the core's resolve ~35 % slower in
 * every process that loaded it (the CLI, the worker's main thread, the API). These tests load each of
 * the built entry points in a process of its own and ask V8 about String.prototype and the other
 * builtin prototypes.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { assertBuilt } from '../support/cli';
import { repoRoot } from '../support/shared';

/**
 * Builtin prototypes whose methods the core and the CLI call on every item. (In Node 20, the
 * primitive wrappers' prototypes, String's and Number's, are the ones this happens to.)
 */
const PROTOTYPES = ['String', 'Array', 'Object', 'Number', 'Map', 'Set', 'Function', 'Promise'];

/** The builtin prototypes that V8 no longer keeps in fast mode in a new node process, after `setup`. */
function slowPrototypes(setup: string): string[] {
  const probe = `JSON.stringify(${JSON.stringify(PROTOTYPES)}.filter((name) => !%HasFastProperties(globalThis[name].prototype)))`;
  const result = spawnSync(
    process.execPath,
    ['--allow-natives-syntax', '-e', `${setup}; process.stdout.write(${probe})`],
    { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
  );
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) throw new Error(`node exited with ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as string[];
}

const ENTRY_POINTS = [
  'dist/src/index.js',
  'dist/src/cli/main.js',
  'dist/src/worker/worker-process.js',
  'dist/src/api/start-api-server.js',
  'dist/src/sidecar/index.js',
  'dist/src/pool/index.js',
];

describe("builtin prototypes in V8's fast mode", () => {
  beforeAll(assertBuilt);

  it('are each lost once an object takes the prototype as its own (the probe can tell)', () => {
    expect(slowPrototypes('')).toEqual([]);
    expect(slowPrototypes('class Verbatim extends String {}')).toEqual(['String']);
    expect(slowPrototypes('Object.create(String.prototype); Object.create(Number.prototype)')).toEqual([
      'String',
      'Number',
    ]);
  });

  it.each(ENTRY_POINTS)('are kept by everything %s loads', (entry) => {
    expect(slowPrototypes(`require(${JSON.stringify(path.join(repoRoot, entry))})`)).toEqual([]);
  });
});
