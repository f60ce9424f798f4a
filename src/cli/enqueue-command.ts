/** `actor-core enqueue`: put actor resolutions on the queue from the command line. */
import { InvalidArgumentError, type Command } from 'commander';
import { Redis } from 'ioredis';
import { loadSettings, required } from '../../config/settings';
import { createPgPool } from '../adapters/pg/pg-pool';
import { ActorCoreError } from '../core/errors';
import { parseActorLine } from '../core/resolve-line';
import { producerRedisOptions, ResolveProducer, type EnqueueResult } from '../producer/resolve-producer';
import type { ResolvePriority } from '../queue/resolve-jobs';
import type { CliIo } from './cli-io';
import { splitLines } from './source-lines';
import { inputChunks, inputName } from './read-input';
import { redisClientOptions } from '../adapters/redis/client-options';

interface EnqueueOptions {
  ids?: string;
  all?: boolean;
  stale?: boolean;
  input?: string;
  priority?: ResolvePriority;
  batch?: number;
  force?: boolean;
  wait?: boolean;
}

const PRIORITIES: readonly ResolvePriority[] = ['interactive', 'change', 'bulk'];

function parsePriority(text: string): ResolvePriority {
  if (!(PRIORITIES as readonly string[]).includes(text)) {
    throw new InvalidArgumentError(`the priority must be one of ${PRIORITIES.join(', ')}.`);
  }
  return text as ResolvePriority;
}

function parseBatch(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 10_000)
    throw new InvalidArgumentError('--batch must be 1 to 10000.');
  return n;
}

async function idsFromInput(source: string, io: CliIo): Promise<string[]> {
  const ids: string[] = [];
  let line = 0;
  for await (const text of splitLines(inputChunks(source, io.stdin))) {
    line++;
    if (text.trim() === '') continue;
    try {
      ids.push(parseActorLine(text, line).actorId);
    } catch (err) {
      throw err instanceof ActorCoreError ? err.locate({ file: inputName(source) }) : err;
    }
  }
  return ids;
}

export function addEnqueueCommand(program: Command, io: CliIo): void {
  program
    .command('enqueue')
    .description('enqueue actor resolutions: --ids a,b,c | --all [--stale] | --input FILE.jsonl')
    .option('--ids <list>', 'comma-separated actor ids')
    .option('--all', 'every actor in Postgres')
    .option('--stale', 'with --all: only actors whose snapshot is missing or older than the actor')
    .option(
      '--input <file>',
      'the actorIds of a JSON lines file (the standard workload format); "-" for stdin',
    )
    .option(
      '--priority <p>',
      'interactive | change | bulk (default: interactive for one actor, else bulk)',
      parsePriority,
    )
    .option('--batch <n>', 'actors per job (default JOB_BATCH_SIZE, 500)', parseBatch)
    .option('--force', 'resolve even actors whose snapshot is current')
    .option('--wait', 'wait for the jobs to finish and print what happened to the actors')
    .addHelpText(
      'after',
      '\nEnvironment: REDIS_URL (required), DATABASE_URL (for --all), QUEUE_NAME, QUEUE_PREFIX.',
    )
    .action(async (options: EnqueueOptions) => {
      const sources = [options.ids !== undefined, options.all === true, options.input !== undefined];
      if (sources.filter(Boolean).length !== 1) {
        throw new ActorCoreError('INVALID_CONFIG', 'give exactly one of --ids, --all, --input', {
          field: 'enqueue',
        });
      }
      const settings = loadSettings();
      const connection = new Redis(
        required(settings.redisUrl, 'REDIS_URL'),
        redisClientOptions(producerRedisOptions, settings.redisClient),
      );
      connection.on('error', () => undefined); // reported through the failing command instead
      const pool = options.all
        ? createPgPool({ url: required(settings.databaseUrl, 'DATABASE_URL'), max: 2 })
        : undefined;
      const producer = new ResolveProducer({ connection, queue: settings.queue, ...(pool ? { pool } : {}) });
      try {
        const enqueueOptions = {
          ...(options.priority ? { priority: options.priority } : {}),
          ...(options.batch ? { batchSize: options.batch } : {}),
          ...(options.force ? { force: true } : {}),
        };
        let result: EnqueueResult;
        if (options.all)
          result = await producer.enqueueAll({ stale: options.stale === true }, enqueueOptions);
        else {
          const ids =
            options.ids !== undefined
              ? options.ids
                  .split(',')
                  .map((id) => id.trim())
                  .filter((id) => id !== '')
              : await idsFromInput(options.input!, io);
          result = await producer.enqueueResolve(ids, enqueueOptions);
        }
        io.stdout.write(`enqueued ${result.actors} actors in ${result.jobIds.length} jobs\n`);
        if (options.wait) {
          const results = await producer.waitForResults(result.jobIds, 600_000);
          const totals: Record<string, number> = {};
          for (const r of results)
            for (const [k, v] of Object.entries(r.counts)) totals[k] = (totals[k] ?? 0) + v;
          io.stdout.write(
            `${Object.entries(totals)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}\n`,
          );
        }
      } finally {
        await producer.close();
        await pool?.end();
        connection.disconnect();
      }
    });
}
