/** Helpers for the configuration tests: the fixture folder and the problem lines of a ConfigError. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../../config/config-error';
import { CONFIG_DIR } from '../../config/load-yaml';
import { TempDir } from './cli';
import { repoRoot } from './shared';

export const configFixtures = path.join(repoRoot, 'test', 'fixtures', 'config');

export function fixture(name: string): string {
  return path.join(configFixtures, name);
}

/** The problem lines `run` throws; fails when it throws something else or nothing. */
export function configProblems(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError, got settings');
}

/** A temp config folder holding a copy of the real default.yaml, plus `files`. */
export function configDir(files: Record<string, string> = {}): TempDir {
  const dir = new TempDir();
  fs.copyFileSync(path.join(CONFIG_DIR, 'default.yaml'), path.join(dir.dir, 'default.yaml'));
  for (const [name, text] of Object.entries(files)) dir.write(name, text);
  return dir;
}
