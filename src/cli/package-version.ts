/** The version in actor-core's package.json, found from both src/cli and dist/src/cli. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function packageVersion(): string {
  for (const up of ['../..', '../../..']) {
    const file = path.resolve(__dirname, up, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'actor-core' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not this folder; try the next one up
    }
  }
  return 'unknown';
}
