/** `actor-core migrate`, `seed` and `rotate-keys`: the commands that work on the Postgres database. */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { migrateDatabase, rotateActorKeys } from '../adapters/pg';
import { ActorCoreError } from '../core/errors';
import { DEFAULT_SEED_BATCH, seedActors } from '../seed/seed-actors';
import type { CliIo } from './cli-io';
import { addRegistryOptions, loadCliRegistries, type RegistryOptions } from './common-options';
import { withDatabase } from './database-context';
import { splitLines } from './source-lines';
import { progressBar } from './progress-bar';
import { inputChunks, inputName, STDIN_NAME } from './read-input';

const ENVIRONMENT_HELP = `
Environment:
  DATABASE_URL       postgres://user:password@host:5432/database (required)
  ENCRYPTION_KEY     base64 32-byte key, or a ring "kid:key,kid:key" (newest first): actors.data is
                     stored encrypted (AES-256-GCM); without it, plaintext`;

function parseBatch(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 100_000) {
    throw new InvalidArgumentError('the batch size must be an integer from 1 to 100000.');
  }
  return n;
}

/** Counts bytes as they pass, for a progress fraction of a file of known size. */
async function* countingBytes(
  source: AsyncIterable<Buffer | string>,
  onBytes: (n: number) => void,
): AsyncGenerator<Buffer | string> {
  for await (const chunk of source) {
    onBytes(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
    yield chunk;
  }
}

export function addDatabaseCommands(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description('apply the SQL migrations (safe to run twice, or from several processes at once)')
    .addHelpText('after', ENVIRONMENT_HELP)
    .action(async () => {
      await withDatabase(async ({ pool }) => {
        const result = await migrateDatabase(pool);
        io.stdout.write(
          `migrated: ${result.newlyApplied} applied now, ${result.applied} in all (schema is current)\n`,
        );
      });
    });

  addRegistryOptions(
    program
      .command('seed')
      .description('load actors and their subsystem outputs from JSON lines (the standard workload format)')
      .requiredOption('--input <file>', 'JSON lines {"actorId","version","subsystems":[...]}; "-" for stdin')
      .option('--batch <n>', `actors per batch (default ${DEFAULT_SEED_BATCH})`, parseBatch),
  )
    .addHelpText(
      'after',
      `\nEvery line is validated (a key repeated in one object is an error too); the whole load is one\ntransaction, so a bad line leaves the database unchanged and exits 2 naming the line. Run\n"actor-core migrate" first.\n${ENVIRONMENT_HELP}`,
    )
    .action(async (options: RegistryOptions & { input: string; batch?: number }) => {
      const registries = loadCliRegistries(options);
      const file = inputName(options.input);
      const size = file === STDIN_NAME ? undefined : fs.statSync(file, { throwIfNoEntry: false })?.size;
      let bytes = 0;
      const bar = progressBar(io.stderr);
      const started = Date.now();
      const chunks = countingBytes(inputChunks(options.input, io.stdin), (n) => (bytes += n));
      const result = await withDatabase(({ pool, codec }) =>
        seedActors({
          pool,
          codec,
          registries: registries.compiled,
          lines: splitLines(chunks),
          batchSize: options.batch ?? DEFAULT_SEED_BATCH,
          file,
          onProgress: (p) => bar.update(p.actors, size ? bytes / size : undefined, 'actors'),
        }),
      ).finally(() => bar.finish());
      const seconds = (Date.now() - started) / 1000;
      io.stdout.write(
        `seeded ${result.actors} actors, ${result.subsystems} subsystem outputs in ${seconds.toFixed(1)} s ` +
          `(${Math.round(result.actors / Math.max(seconds, 0.001))} actors/s)\n`,
      );
    });

  program
    .command('rotate-keys')
    .description('re-encrypt actors.data under the newest key of ENCRYPTION_KEY (and encrypt plaintext rows)')
    .option('--batch <n>', 'rows per transaction (default 500)', parseBatch)
    .addHelpText(
      'after',
      `\nKeep the retired keys in the ring until this has finished; it can be run again at any time.\n${ENVIRONMENT_HELP}`,
    )
    .action(async (options: { batch?: number }) => {
      await withDatabase(async ({ pool, codec, settings }) => {
        if (settings.encryptionKey === undefined) {
          throw new ActorCoreError(
            'INVALID_CONFIG',
            'ENCRYPTION_KEY is not set: there is no key to rotate to',
            {
              field: 'ENCRYPTION_KEY',
            },
          );
        }
        const bar = progressBar(io.stderr);
        const result = await rotateActorKeys(pool, codec, {
          batchSize: options.batch ?? 500,
          onProgress: (p) => bar.update(p.scanned, undefined, 'actors scanned'),
        }).finally(() => bar.finish());
        io.stdout.write(`rotated ${result.rotated} of ${result.scanned} actors to the newest key\n`);
      });
    });
}
