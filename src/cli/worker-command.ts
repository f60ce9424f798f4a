/** `actor-core worker`: one worker process of the cluster; runs until SIGTERM/SIGINT, then drains and exits 0. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { WORKER_LANES, WORKER_MAX } from '../../config/schema';
import { loadSettings, required, type WorkerLane } from '../../config/settings';
import { createLogger } from '../logging/create-logger';
import { startWorkerProcess } from '../worker/worker-process';
import { addRegistryOptions, loadCliRegistries, type RegistryOptions } from './common-options';

/** The same bounds as the configuration's WORKER_CONCURRENCY and WORKER_THREADS. */
function upTo(flag: string, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < 1 || n > max) {
      throw new InvalidArgumentError(`${flag} must be an integer from 1 to ${max}.`);
    }
    return n;
  };
}

export function addWorkerCommand(program: Command): void {
  addRegistryOptions(
    program
      .command('worker')
      .description('run a worker process: take resolve jobs from the queue until SIGTERM/SIGINT')
      .option(
        '--concurrency <n>',
        'jobs at once (default WORKER_CONCURRENCY, 4)',
        upTo('--concurrency', WORKER_MAX.concurrency),
      )
      .option(
        '--threads <n>',
        'resolve threads (default WORKER_THREADS, the CPU count)',
        upTo('--threads', WORKER_MAX.threads),
      )
      .addOption(
        new Option('--lane <lane>', 'which queues to serve (default WORKER_LANE, all)').choices(WORKER_LANES),
      ),
  )
    .addHelpText(
      'after',
      `
Environment: DATABASE_URL and REDIS_URL (required), QUEUE_NAME, QUEUE_PREFIX, WORKER_CONCURRENCY,
WORKER_THREADS, WORKER_LANE, WORKER_WARM_UP_MS, SHUTDOWN_TIMEOUT_MS, LOCK_DURATION_MS, STALLED_INTERVAL_MS,
CACHE_TTL_SECONDS, REDIS_KEY_PREFIX, LOG_LEVEL. Logs are JSON lines on stdout.

Before it takes jobs, the worker resolves up to 1,000 stored actors for WORKER_WARM_UP_MS (default
1000; 0: off) and writes nothing: its threads then start on optimized code.

Lanes: "all" serves bulk and change jobs and, on the main thread, single-actor interactive jobs.
Where bulk runs share a machine with interactive traffic, run "--lane interactive" processes apart
from "--lane bulk" ones, and the bulk ones at a lower CPU priority (nice -n 19 actor-core worker
--lane bulk): interactive jobs then get their own event loop and the CPU first.

On SIGTERM or SIGINT the worker takes no new jobs, lets the active ones finish (at most
SHUTDOWN_TIMEOUT_MS), closes its threads and connections and exits 0. Run as many as you like, on
as many machines as you like: they share the queue.`,
    )
    .action(
      async (options: RegistryOptions & { concurrency?: number; threads?: number; lane?: WorkerLane }) => {
        const base = loadSettings();
        const settings = {
          ...base,
          worker: {
            ...base.worker,
            ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
            ...(options.threads === undefined ? {} : { threads: options.threads }),
            ...(options.lane === undefined ? {} : { lane: options.lane }),
          },
        };
        const databaseUrl = required(settings.databaseUrl, 'DATABASE_URL');
        const redisUrl = required(settings.redisUrl, 'REDIS_URL');
        const registries = loadCliRegistries(options);
        const logger = createLogger({
          level: settings.logLevel,
          component: 'worker',
          environment: settings.environment,
          fields: settings.logFields,
        });
        const worker = await startWorkerProcess({ settings, databaseUrl, redisUrl, registries, logger });
        const forced = await new Promise<boolean>((resolve) => {
          const onSignal = (signal: NodeJS.Signals): void => {
            process.off('SIGTERM', onSignal);
            process.off('SIGINT', onSignal);
            void worker.stop(signal).then(
              (result) => resolve(result.forced),
              (err: unknown) => {
                logger.error({ err: String(err) }, 'error while stopping');
                resolve(true);
              },
            );
          };
          process.on('SIGTERM', onSignal);
          process.on('SIGINT', onSignal);
        });
        await new Promise<void>((resolve) => logger.flush(() => resolve()));
        // Abandoned jobs still hold sockets and timers; the process ends here all the same (their
        // locks expire and another worker takes them over).
        if (forced) process.exit(0);
      },
    );
}
