/**
 * `npm run build` compiles only what is out of date (TypeScript's build mode). It runs again where
 * nobody asked for a build: `npx actor-core` installs the project into npx's cache on its first run,
 * and that runs `prepare` once more. Compiling everything again there took ~8 s and ~640 MB, so
 * the first `npx actor-core resolve --jsonl` after `npm ci` measured the compiler's memory, not its own.
 * This test never compiles: a stale dist/ is reported, not rebuilt under the other tests' feet.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertBuilt } from '../support/cli';
import { repoRoot } from '../support/shared';

const dist = path.join(repoRoot, 'dist');
const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  if (result.error !== undefined) throw result.error;
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  return result.stdout;
}

/** Every file under `dir` with its modification time. */
function modificationTimes(dir: string): Map<string, number> {
  const times = new Map<string, number>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    times.set(path.relative(dir, file), fs.statSync(file).mtimeMs);
  }
  return times;
}

beforeAll(() => {
  assertBuilt();
  const dry = run(process.execPath, [tsc, '-b', 'tsconfig.build.json', '--dry', '--verbose']);
  if (!dry.includes('is up to date'))
    throw new Error(`dist/ is older than the sources: run "npm run build" first\n${dry}`);
});

it('a build over an up-to-date dist/ rewrites nothing, so the prepare run by npx is a no-op', () => {
  const before = modificationTimes(dist);
  expect(before.size).toBeGreaterThan(100);
  const output = run('npm', ['run', 'build', '--silent', '--', '--verbose']);
  expect(output).toContain("Project 'tsconfig.build.json' is up to date");
  expect(modificationTimes(dist)).toEqual(before);
});

it('keeps its build record out of dist/, which npm packs and the image copies', () => {
  expect([...modificationTimes(dist).keys()].filter((file) => file.endsWith('.tsbuildinfo'))).toEqual([]);
});
