/**
 * Where the server binaries are. PATH is looked up by a shell (`command -v`) in the environment the
 * servers will get, so this module never reads process.env itself; Debian's PostgreSQL server binaries
 * are not on PATH at all (only the pg_ctlcluster wrappers are), so their folders are searched too.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Debian and Ubuntu keep each major version's server binaries in `<root>/<version>/bin`. */
export const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';

/** The absolute path of `name` on the PATH of `env` (default: this process's environment), if any. */
export function findOnPath(name: string, env?: NodeJS.ProcessEnv): string | undefined {
  const result = spawnSync('/bin/sh', ['-c', 'command -v -- "$0"', name], { env, encoding: 'utf8' });
  const found = result.status === 0 ? result.stdout.trim() : '';
  return path.isAbsolute(found) && isExecutable(found) ? found : undefined;
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Whether `dir` holds the two binaries a private PostgreSQL server needs. */
export function isPostgresBinDir(dir: string): boolean {
  return isExecutable(path.join(dir, 'initdb')) && isExecutable(path.join(dir, 'postgres'));
}

/**
 * The folder of `initdb` and `postgres`: the highest version under /usr/lib/postgresql, else the folder
 * of `initdb` on PATH (symlinks resolved, since `postgres` must sit next to the real `initdb`).
 */
export function findPostgresBinDir(env?: NodeJS.ProcessEnv, root = DEBIAN_POSTGRES_ROOT): string | undefined {
  let versions: string[] = [];
  try {
    versions = fs.readdirSync(root).filter((name) => /^\d+(\.\d+)?$/.test(name));
  } catch {
    // no Debian layout
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = path.join(root, version, 'bin');
    if (isPostgresBinDir(dir)) return dir;
  }
  const initdb = findOnPath('initdb', env);
  if (initdb === undefined) return undefined;
  for (const candidate of [path.dirname(initdb), path.dirname(fs.realpathSync(initdb))]) {
    if (isPostgresBinDir(candidate)) return candidate;
  }
  return undefined;
}

/** The major version of the server in `binDir` (`postgres (PostgreSQL) 15.18 …` → 15). */
export function postgresMajorVersion(binDir: string): number | undefined {
  const result = spawnSync(path.join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' });
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(result.stdout ?? '');
  return match === null ? undefined : Number(match[1]);
}
