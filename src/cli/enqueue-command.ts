/** `actor-core enqueue`: put actor resolutions on the queue from the command line. */
import { InvalidArgumentError, type Command } from 'commander';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { loadSettings, required, type Settings } from '../../config/settings';
import { checkActorId } from '../adapters/pg/actor-id';
import { createPgPool } from '../adapters/pg/pg-pool';
import { ActorCoreError, isActorCoreError } from '../core/errors';
import { parseActorLine } from '../core/resolve-line';
import { producerRedisOptions, ResolveProducer, type EnqueueResult } from '../producer/resolve-producer';
import type { ResolveJobResult, ResolvePriority } from '../queue/resolve-jobs';
import type { CliIo } from './cli-io';
import { splitLines } from './source-lines';
import { inputChunks, inputName } from './read-input';
import { redisClientOptions } from '../adapters/redis/client-options';

interface EnqueueOptions {
  ids?: string;
  all?: boolean;
  stale?: boolean;
  skipFailed?: boolean;
  input?: string;
  priority?: ResolvePriority;
  batch?: number;
  force?: boolean;
  wait?: boolean;
  waitTimeout?: number;
}

const PRIORITIES: readonly ResolvePriority[] = ['interactive', 'change', 'bulk'];

/** How long `--wait` waits by default: long enough for a large bulk run, short of forever. */
export const DEFAULT_WAIT_SECONDS = 600;
/** The longest a Node timer runs (2^31 − 1 ms); a longer one would fire at once. */
const MAX_WAIT_SECONDS = 2_147_483;

/** Closing a queue waits on Redis: a hung server must not keep the command from exiting. */
const CLOSE_LIMIT_MS = 5000;

const HELP_AFTER = `
Sources (give exactly one):
  --ids a,b,c   empty entries (a trailing comma) are skipped; a list with no id at all is an error
  --all         every actor in Postgres (DATABASE_URL); --stale and --skip-failed only with --all
  --input FILE  one actor per line ({"actorId", ...}); a file without lines enqueues nothing (exit 0)

Priorities: interactive puts one job per actor on the interactive lane (for the few actors someone
is waiting for), so it is refused with --all; change and bulk share the bulk lane.

--wait waits for the jobs and prints what happened to the actors; after --wait-timeout seconds
(default ${DEFAULT_WAIT_SECONDS}) it gives up with exit 3: the jobs stay queued and are still resolved.

Environment: REDIS_URL (required), DATABASE_URL (for --all), QUEUE_NAME, QUEUE_PREFIX.

Exit codes:
  0  enqueued (with --wait: and every job finished)
  1  internal error
  2  bad command line, input or configuration (a wrong password, database or role), or with --wait a
     job that failed for good (JOB_FAILED, with its reason): one line on stderr
  3  Redis or Postgres unavailable, or --wait gave up (WAIT_TIMEOUT): nothing wrong with the request,
     try again later`;

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

function parseWaitSeconds(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_WAIT_SECONDS)
    throw new InvalidArgumentError(
      `--wait-timeout must be a whole number of seconds from 1 to ${MAX_WAIT_SECONDS}.`,
    );
  return n;
}

/** Refuses flags that would be ignored or that do not fit the source, before anything is opened. */
function checkFlags(options: EnqueueOptions, command: Command): void {
  const sources = [options.ids !== undefined, options.all === true, options.input !== undefined];
  if (sources.filter(Boolean).length !== 1) {
    throw new ActorCoreError('INVALID_CONFIG', 'give exactly one of --ids, --all, --input', {
      field: 'enqueue',
    });
  }
  const usage = (message: string): never => command.error(`error: ${message}`, { exitCode: 2 });
  if (options.stale === true && options.all !== true)
    usage('--stale applies only with --all (it selects the stale actors of Postgres)');
  if (options.skipFailed === true && options.all !== true)
    usage('--skip-failed applies only with --all (it leaves out actors of Postgres)');
  if (options.all === true && options.priority === 'interactive') {
    usage(
      '--priority interactive cannot be used with --all: it makes one job per actor on the lane kept ' +
        'for actors someone is waiting for; use change or bulk',
    );
  }
  if (options.waitTimeout !== undefined && options.wait !== true)
    usage('--wait-timeout applies only with --wait');
}

/** The ids of `--ids`, each checked as the stores check it; an empty list is a usage error. */
function idsFromList(list: string, command: Command): string[] {
  const ids = list
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (ids.length === 0) command.error('error: --ids names no actor (give a,b,c)', { exitCode: 2 });
  ids.forEach((id, i) => checkActorId(id, `--ids entry ${i + 1}`));
  return ids;
}

async function idsFromInput(source: string, io: CliIo): Promise<string[]> {
  const ids: string[] = [];
  let line = 0;
  for await (const text of splitLines(inputChunks(source, io.stdin))) {
    line++;
    if (text.trim() === '') continue;
    try {
      ids.push(checkActorId(parseActorLine(text, line).actorId));
    } catch (err) {
      throw isActorCoreError(err) ? err.locate({ file: inputName(source), line }) : err;
    }
  }
  return ids;
}

/** Resolves when `work` settles or after `ms`, whichever is first; never rejects. */
function bounded(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    work.then(
      () => (clearTimeout(timer), resolve()),
      () => (clearTimeout(timer), resolve()),
    );
  });
}

/**
 * Runs `work` with a producer on a new Redis connection (and a pg pool for --all), and closes each of
 * them afterwards whatever happened, each even when the one before it failed: anything left open
 * keeps the process from exiting.
 */
async function withProducer<T>(
  settings: Settings,
  redisUrl: string,
  databaseUrl: string | undefined,
  work: (producer: ResolveProducer) => Promise<T>,
): Promise<T> {
  const connection = new Redis(redisUrl, redisClientOptions(producerRedisOptions, settings.redisClient));
  connection.on('error', () => undefined); // reported through the failing command instead
  let pool: pg.Pool | undefined;
  let producer: ResolveProducer | undefined;
  try {
    if (databaseUrl !== undefined) pool = createPgPool({ url: databaseUrl, max: 2 });
    producer = new ResolveProducer({ connection, queue: settings.queue, ...(pool ? { pool } : {}) });
    return await work(producer);
  } finally {
    if (producer !== undefined) await bounded(producer.close(), CLOSE_LIMIT_MS);
    if (pool !== undefined) await bounded(pool.end(), CLOSE_LIMIT_MS);
    connection.disconnect();
  }
}

/** The jobs' results; giving up after `seconds` is a retryable error (exit 3) that says so. */
async function waitForJobs(
  producer: ResolveProducer,
  jobIds: readonly string[],
  seconds: number,
  queueName: string,
): Promise<ResolveJobResult[]> {
  try {
    return await producer.waitForResults(jobIds, seconds * 1000);
  } catch (err) {
    if (!isActorCoreError(err) || err.code !== 'WAIT_TIMEOUT') throw err;
    throw new ActorCoreError(
      'WAIT_TIMEOUT',
      `gave up waiting after ${seconds} s (--wait-timeout); the jobs stay queued and still run ` +
        `(is a worker running on queue ${queueName}?): ${err.message}`,
      { field: '--wait-timeout' },
      false,
    );
  }
}

export function addEnqueueCommand(program: Command, io: CliIo): void {
  program
    .command('enqueue')
    .description(
      'enqueue actor resolutions: --ids a,b,c | --all [--stale] [--skip-failed] | --input FILE.jsonl',
    )
    .option('--ids <list>', 'comma-separated actor ids')
    .option('--all', 'every actor in Postgres')
    .option('--stale', 'with --all: only actors whose snapshot is missing or older than the actor')
    .option(
      '--skip-failed',
      'with --all: not the actors whose current version failed validation (they would fail again)',
    )
    .option(
      '--input <file>',
      'the actorIds of a JSON lines file (the standard workload format); "-" for stdin',
    )
    .option(
      '--priority <p>',
      'interactive | change | bulk (default: interactive for one actor, else bulk; not interactive with --all)',
      parsePriority,
    )
    .option('--batch <n>', 'actors per job (default JOB_BATCH_SIZE, 500)', parseBatch)
    .option('--force', 'resolve even actors whose snapshot is current')
    .option('--wait', 'wait for the jobs to finish and print what happened to the actors')
    .option(
      '--wait-timeout <seconds>',
      `with --wait: give up after this long (default ${DEFAULT_WAIT_SECONDS}); exit 3, the jobs stay queued`,
      parseWaitSeconds,
    )
    .addHelpText('after', HELP_AFTER)
    .action(async (options: EnqueueOptions, command: Command) => {
      // Everything that can be refused is refused before any connection is opened.
      checkFlags(options, command);
      const settings = loadSettings();
      const redisUrl = required(settings.redisUrl, 'REDIS_URL');
      const databaseUrl = options.all === true ? required(settings.databaseUrl, 'DATABASE_URL') : undefined;
      const ids =
        options.all === true
          ? []
          : options.ids !== undefined
            ? idsFromList(options.ids, command)
            : await idsFromInput(options.input!, io);
      await withProducer(settings, redisUrl, databaseUrl, async (producer) => {
        const enqueueOptions = {
          ...(options.priority ? { priority: options.priority } : {}),
          ...(options.batch ? { batchSize: options.batch } : {}),
          ...(options.force ? { force: true } : {}),
        };
        const result: EnqueueResult =
          options.all === true
            ? await producer.enqueueAll(
                { stale: options.stale === true, skipFailed: options.skipFailed === true },
                enqueueOptions,
              )
            : await producer.enqueueResolve(ids, enqueueOptions);
        io.stdout.write(`enqueued ${result.actors} actors in ${result.jobIds.length} jobs\n`);
        if (options.wait !== true) return;
        const seconds = options.waitTimeout ?? DEFAULT_WAIT_SECONDS;
        const results = await waitForJobs(producer, result.jobIds, seconds, settings.queue.name);
        const totals: Record<string, number> = {};
        for (const r of results)
          for (const [k, v] of Object.entries(r.counts)) totals[k] = (totals[k] ?? 0) + v;
        io.stdout.write(
          `${Object.entries(totals)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}\n`,
        );
      });
    });
}
