/**
 * The standard workload for the demo: `../shared/workload/generate.mjs` next to the package (as the
 * benchmarks find it), streamed line by line from the generator's stdout, never held whole in memory.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { splitLines } from '../cli/jsonl-stream';
import { ActorCoreError } from '../core/errors';
import { packageRoot } from './worker-children';

export function generatorFile(): string {
  return path.resolve(packageRoot(), '../shared/workload/generate.mjs');
}

/** The generator's path, or an error saying that it is missing and where it was looked for. */
export function requireGenerator(): string {
  const file = generatorFile();
  if (!fs.existsSync(file)) {
    throw new ActorCoreError(
      'INPUT_READ_FAILED',
      `the standard workload generator is missing: ${file} does not exist. The demo seeds its actors with ` +
        'it; put the shared folder (shared/workload/generate.mjs) next to the actor-core folder',
      { file },
    );
  }
  return file;
}

/** The lines of `generate.mjs --actors <actors>`; rejects if the generator fails. */
export async function* generatedActorLines(actors: number): AsyncGenerator<string> {
  const file = requireGenerator();
  const child = spawn(process.execPath, [file, '--actors', String(actors)], {
    cwd: packageRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (err) => resolve(err.message));
    child.once('close', (code, signal) => resolve(code ?? String(signal)));
  });
  try {
    yield* splitLines(child.stdout);
    const status = await exited;
    if (status !== 0) {
      throw new ActorCoreError(
        'INPUT_READ_FAILED',
        `generate.mjs failed (${status}): ${stderr.trim().split('\n').slice(-3).join(' ')}`,
        { file },
      );
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}
