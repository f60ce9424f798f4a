/**
 * The standard workload for the demo: `../shared/workload/generate.mjs` next to the package (as the
 * benchmarks find it), streamed line by line from the generator's stdout, never held whole in memory.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { splitLines } from '../cli/source-lines';
import { ActorCoreError } from '../core/errors';
import { makeTempDir } from '../local-services/temp-dir';
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

/**
 * The lines of `generate.mjs --actors <actors>`; rejects if the generator fails. The generator writes
 * without waiting for its reader, so through a pipe it would hold everything we have not read yet
 * (100,000 actors is 1.1 GB: ENOBUFS); it writes into a temporary file instead, read as a stream.
 */
export async function* generatedActorLines(actors: number): AsyncGenerator<string> {
  const file = requireGenerator();
  const temp = makeTempDir('workload');
  try {
    const output = path.join(temp.dir, 'actors.jsonl');
    const fd = fs.openSync(output, 'w');
    let status: number | string;
    let stderr = '';
    try {
      const child = spawn(process.execPath, [file, '--actors', String(actors)], {
        cwd: packageRoot(),
        stdio: ['ignore', fd, 'pipe'],
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        if (stderr.length < 4000) stderr += chunk.toString('utf8');
      });
      status = await new Promise<number | string>((resolve) => {
        child.once('error', (err) => resolve(err.message));
        child.once('close', (code, signal) => resolve(code ?? String(signal)));
      });
    } finally {
      fs.closeSync(fd);
    }
    if (status !== 0) {
      throw new ActorCoreError(
        'INPUT_READ_FAILED',
        `generate.mjs failed (${status}): ${stderr.trim().split('\n').slice(-3).join(' ')}`,
        { file },
      );
    }
    const input = fs.createReadStream(output);
    try {
      yield* splitLines(input);
    } finally {
      input.destroy();
    }
  } finally {
    temp.remove();
  }
}
