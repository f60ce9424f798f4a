/**
 * The package's types as a strict TypeScript consumer compiles them: every module the declaration
 * files reachable from `types` import must have its types installed with the package (the module's
 * own, or its `@types/…` among `dependencies`). Otherwise `tsc` fails in the consumer's build inside
 * our files (TS7016, `@types/pg` when it was a devDependency) unless they turn off `skipLibCheck`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertBuilt } from '../support/cli';
import { repoRoot } from '../support/shared';

interface PackageJson {
  types?: string;
  typings?: string;
  exports?: unknown;
  dependencies?: Record<string, string>;
}

function readPackage(dir: string): PackageJson {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** The bare module names the declaration files reachable from `entry` import, with one file each. */
function importedModules(entry: string): Map<string, string> {
  const modules = new Map<string, string>();
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from\s+|import\()\s*['"]([^'"]+)['"]/g)) {
      const specifier = match[1]!;
      if (specifier.startsWith('.')) {
        const base = path.resolve(path.dirname(file), specifier);
        const found = [`${base}.d.ts`, path.join(base, 'index.d.ts')].find((f) => fs.existsSync(f));
        expect({ file, specifier, found: found !== undefined }).toEqual({ file, specifier, found: true });
        pending.push(found!);
      } else if (!specifier.startsWith('node:')) {
        const name = specifier
          .split('/')
          .slice(0, specifier.startsWith('@') ? 2 : 1)
          .join('/');
        if (!modules.has(name)) modules.set(name, path.relative(repoRoot, file));
      }
    }
  }
  return modules;
}

function shipsTypes(name: string): boolean {
  const own = readPackage(path.join(repoRoot, 'node_modules', name));
  return (
    own.types !== undefined ||
    own.typings !== undefined ||
    JSON.stringify(own.exports ?? {}).includes('"types"')
  );
}

it('installs the types of every module its public declarations import', () => {
  assertBuilt();
  const pkg = readPackage(repoRoot);
  const dependencies = pkg.dependencies ?? {};
  const modules = importedModules(path.join(repoRoot, pkg.types!));
  expect(modules.size).toBeGreaterThan(3); // pg, ioredis, bullmq, … : the walk found them
  const untyped = [...modules]
    .filter(([name]) => !(name in dependencies && shipsTypes(name)))
    .filter(([name]) => !(`@types/${name.replace(/^@([^/]+)\//, '$1__')}` in dependencies))
    .map(([name, file]) => `${name} (imported by ${file})`);
  expect(untyped).toEqual([]);
});

it('serves the engine alone as actor-core/core: no dependency loaded, the same functions as the main entry', () => {
  assertBuilt();
  const script = `
    const before = new Set(Object.keys(require.cache));
    const core = require('actor-core/core');
    const loaded = Object.keys(require.cache).filter((f) => !before.has(f));
    const main = require('actor-core');
    const names = ['compileRegistries', 'resolveSnapshot', 'explain', 'applyContext', 'ActorCoreError'];
    process.stdout.write(JSON.stringify({
      fromDependencies: loaded.filter((f) => f.includes('node_modules')),
      same: names.filter((n) => typeof core[n] === 'function' && core[n] === main[n]),
    }));`;
  // A package may require itself by its name through its "exports": as a consumer would.
  const run = spawnSync(process.execPath, ['-e', script], { cwd: repoRoot, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(JSON.parse(run.stdout)).toEqual({
    fromDependencies: [],
    same: ['compileRegistries', 'resolveSnapshot', 'explain', 'applyContext', 'ActorCoreError'],
  });
});
