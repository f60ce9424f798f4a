/**
 * A worker process: a BullMQ Worker on the resolve queue whose jobs run `resolveBatch` with a piscina
 * pool of resolve threads, Postgres and Redis. The main thread only does I/O and string slicing, so
 * job locks keep renewing under full load. `stop()` (wired to SIGTERM/SIGINT by the CLI) stops taking
 * jobs, lets the active ones finish within the shutdown timeout, then closes everything.
 */
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Settings } from '../../config/settings';
import { createPgPool } from '../adapters/pg/pg-pool';
import { SnapshotRepository } from '../adapters/pg/snapshot-repository';
import { SnapshotCache } from '../adapters/redis/snapshot-cache';
import { isActorCoreError } from '../core/errors';
import type { Logger } from '../logging/create-logger';
import { createResolvePool, type ResolvePool } from '../pool/create-resolve-pool';
import { workerOptions } from '../queue/queue-options';
import { interactiveQueueName, type ResolveJobData, type ResolveJobResult } from '../queue/resolve-jobs';
import { runStoreTask } from '../pool/run-store-task';
import type { LoadedRegistries } from '../registry';
import { resolveBatch } from './resolve-batch';

export interface WorkerProcessOptions {
  settings: Settings;
  databaseUrl: string;
  redisUrl: string;
  registries: LoadedRegistries;
  logger: Logger;
  /** Actors per thread task; default 50 (a task must be ≥ 1 ms of work to pay for itself). */
  chunkSize?: number;
}

export interface StopResult {
  /** True when active jobs outlived the shutdown timeout: the caller should exit the process. */
  forced: boolean;
}

/** Interactive jobs a worker process runs at once, besides its bulk slots. */
export const INTERACTIVE_CONCURRENCY = 4;

export interface WorkerProcess {
  readonly worker: Worker<ResolveJobData, ResolveJobResult>;
  /** The interactive lane: single actors, resolved on the main thread (about 0.1 ms each). */
  readonly interactiveWorker: Worker<ResolveJobData, ResolveJobResult>;
  readonly resolvePool: ResolvePool;
  /** Graceful stop within the shutdown timeout; then everything is closed (or abandoned). Idempotent. */
  stop(reason?: string): Promise<StopResult>;
}

/** Whether `work` settled within `ms` (its outcome is not awaited any further). */
async function withinTime(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const DEFAULT_CHUNK_SIZE = 50;

function checkJobData(data: unknown): ResolveJobData {
  const d = data as Partial<ResolveJobData> | null;
  if (
    typeof d !== 'object' ||
    d === null ||
    !Array.isArray(d.actorIds) ||
    !d.actorIds.every((id) => typeof id === 'string')
  ) {
    // No retry can fix a malformed job.
    throw new UnrecoverableError(
      'job data must be {actorIds: string[], enqueuedAt: number, force?: boolean}',
    );
  }
  return d as ResolveJobData;
}

export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const { settings, logger } = options;
  const pool = createPgPool({
    url: options.databaseUrl,
    max: Math.max(settings.databasePoolMax, settings.worker.concurrency * 2),
    applicationName: 'actor-core-worker',
    onIdleError: (err) => logger.warn({ err }, 'idle Postgres connection failed'),
  });
  // Cache writes: fail fast so that a job fails (and is retried) instead of hanging on a dead Redis.
  const cacheRedis = new Redis(options.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
  cacheRedis.on('error', (err) => logger.warn({ err: err.message }, 'Redis (cache) connection error'));
  const resolvePool = createResolvePool({ registries: options.registries, threads: settings.worker.threads });
  const deps = {
    pool,
    snapshots: new SnapshotRepository(pool),
    cache: new SnapshotCache({
      redis: cacheRedis,
      keyPrefix: settings.redisKeyPrefix,
      ttlSeconds: settings.cacheTtlSeconds,
    }),
    resolveChunk: (lines: string) => resolvePool.resolveForStore(lines),
    registryVersion: options.registries.registryVersion,
    chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
  };

  // One actor costs ~0.1 ms to resolve: done on the main thread, it never queues behind bulk chunks.
  const interactiveDeps = {
    ...deps,
    resolveChunk: async (lines: string) => runStoreTask({ lines }, options.registries.compiled),
  };

  const processWith =
    (batchDeps: typeof deps) =>
    async (job: Job<ResolveJobData, ResolveJobResult>): Promise<ResolveJobResult> => {
      const data = checkJobData(job.data);
      const log = logger.child({ jobId: job.id, actors: data.actorIds.length });
      // A re-run (retry, or taken over from a dead worker) may follow a run that wrote Postgres but not
      // Redis: "current in Postgres" then proves nothing about Redis, so everything is resolved again.
      const rerun = job.attemptsStarted > 1 || job.stalledCounter > 0;
      try {
        const result = await resolveBatch(batchDeps, rerun ? { ...data, force: true } : data, job.id, (t) =>
          log.debug(t, 'batch timings'),
        );
        log.info({ counts: result.counts, ms: result.finishedAt - job.processedOn! }, 'job done');
        for (const [actorId, code] of Object.entries(result.errors)) {
          log.warn({ actorId, code }, 'actor failed permanently: invalid subsystem outputs');
        }
        return result;
      } catch (err) {
        if (isActorCoreError(err) && err.permanent) {
          log.error({ err: err.toJSON() }, 'job failed permanently');
          throw new UnrecoverableError(err.describe());
        }
        log.warn(
          { err: isActorCoreError(err) ? err.toJSON() : String(err), attempt: job.attemptsMade + 1 },
          'job failed, will retry',
        );
        throw err;
      }
    };

  // Options, not an instance: BullMQ makes its own connections (a worker blocks on one).
  const connection = { url: options.redisUrl } as ConnectionOptions;
  const worker = new Worker<ResolveJobData, ResolveJobResult>(
    settings.queue.name,
    processWith(deps),
    workerOptions(settings.queue, settings.worker, connection),
  );
  const interactiveWorker = new Worker<ResolveJobData, ResolveJobResult>(
    interactiveQueueName(settings.queue.name),
    processWith(interactiveDeps),
    workerOptions(settings.queue, { ...settings.worker, concurrency: INTERACTIVE_CONCURRENCY }, connection),
  );
  for (const w of [worker, interactiveWorker]) {
    w.on('error', (err) => logger.error({ err: err.message }, 'worker error'));
    w.on('stalled', (jobId) => logger.warn({ jobId }, 'job stalled: another worker will take it over'));
  }
  await Promise.all([worker.waitUntilReady(), interactiveWorker.waitUntilReady()]);
  logger.info(
    {
      queue: settings.queue.name,
      concurrency: settings.worker.concurrency,
      threads: resolvePool.settings.threads,
      registryVersion: options.registries.registryVersion,
    },
    'worker started',
  );

  let stopping: Promise<StopResult> | undefined;
  const stop = (reason = 'stop requested'): Promise<StopResult> =>
    (stopping ??= (async () => {
      const timeoutMs = settings.worker.shutdownTimeoutMs;
      logger.info({ reason, timeoutMs }, 'stopping: no new jobs');
      const finished = await withinTime(Promise.all([worker.close(), interactiveWorker.close()]), timeoutMs);
      if (!finished) {
        // The stuck jobs keep their locks until these expire; the stalled check then hands them to
        // another worker. Nothing here waits for them any longer.
        logger.warn(
          { timeoutMs },
          'active jobs did not finish in time: leaving them to be retried as stalled',
        );
      }
      await withinTime(resolvePool.close(), finished ? timeoutMs : 1000);
      await withinTime(pool.end(), finished ? timeoutMs : 1000);
      cacheRedis.disconnect();
      logger.info({ forced: !finished }, 'stopped');
      return { forced: !finished };
    })());

  return { worker, interactiveWorker, resolvePool, stop };
}
