/**
 * A worker process: a BullMQ Worker on the resolve queue whose jobs run `resolveBatch` with a piscina
 * pool of resolve threads, Postgres and Redis. The main thread only does I/O and string slicing, so
 * job locks keep renewing under full load. `stop()` (wired to SIGTERM/SIGINT by the CLI) stops taking
 * jobs, lets the active ones finish within the shutdown timeout, then closes everything.
 *
 * Observability: the process's metrics registry (jobs, phases, per-actor resolution, batch sizes, errors,
 * queue job counts, pool state, process metrics), a `job` span around each job (its phases are child
 * spans, see resolve-batch.ts; exported only with OTEL_ENABLED), and the sidecar on
 * WORKER_SIDECAR_PORT serving /health, /ready (503 once stopping) and /metrics.
 */
import { DelayedError, Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Settings } from '../../config/settings';
import { createPgPool } from '../adapters/pg/pg-pool';
import { SnapshotRepository } from '../adapters/pg/snapshot-repository';
import { SnapshotCache } from '../adapters/redis/snapshot-cache';
import { redisClientOptions } from '../adapters/redis/client-options';
import { isActorCoreError } from '../core/errors';
import type { Logger } from '../logging/create-logger';
import { createMetrics, type Metrics } from '../metrics/create-metrics';
import { createResolvePool, type ResolvePool } from '../pool/create-resolve-pool';
import { workerOptions } from '../queue/queue-options';
import { storeOutageDelay } from '../queue/store-outage';
import { interactiveQueueName, type ResolveJobData, type ResolveJobResult } from '../queue/resolve-jobs';
import { runStoreTask } from '../pool/run-store-task';
import type { StoreTask } from '../pool/messages';
import type { LoadedRegistries } from '../registry';
import { annotate, inSpan } from '../tracing/spans';
import { willRetry } from './job-attempts';
import { resolveBatch, type BatchTimings } from './resolve-batch';
import { warmUpWorker } from './warm-up';
import { startJobTracing, startWorkerSidecar } from './worker-observability';

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
  /** The bulk and change jobs' Worker; undefined in an `interactive`-lane process. */
  readonly worker: Worker<ResolveJobData, ResolveJobResult> | undefined;
  /**
   * The interactive lane: single actors, resolved on the main thread (about 0.1 ms each); undefined in
   * a `bulk`-lane process.
   */
  readonly interactiveWorker: Worker<ResolveJobData, ResolveJobResult> | undefined;
  readonly resolvePool: ResolvePool;
  /** This process's Prometheus registry and instruments (served by the sidecar at /metrics). */
  readonly metrics: Metrics;
  /** The sidecar's port; undefined when WORKER_SIDECAR_PORT is 0 or the port could not be bound. */
  readonly sidecarPort: number | undefined;
  /** True from the moment stop() begins: /ready answers 503. */
  isDraining(): boolean;
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

/** The code counted in actor_core_errors_total for a failed job. */
function errorCodeOf(err: unknown): string {
  return isActorCoreError(err) ? err.code : 'INTERNAL';
}

/** A worker's cache command (a guarded write of up to 100 snapshots) never takes this long. */
const CACHE_COMMAND_TIMEOUT_MS = 10_000;

export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const { settings, logger } = options;
  const tracing = await startJobTracing(settings, logger);
  const metrics = createMetrics();
  const pool = createPgPool({
    url: options.databaseUrl,
    max: Math.max(settings.databasePoolMax, settings.worker.concurrency * 2),
    applicationName: 'actor-core-worker',
    ...settings.databasePool,
    onIdleError: (err) => logger.warn({ err }, 'idle Postgres connection failed'),
  });
  // Cache writes: fail fast so that a job fails (and is retried) instead of hanging on a dead Redis,
  // or on a silent one (a partition): a command gets 10 s, then the job is parked like for an outage.
  // The configuration's Redis client settings, when given, win over these.
  const cacheRedis = new Redis(
    options.redisUrl,
    redisClientOptions(
      { maxRetriesPerRequest: 2, enableOfflineQueue: true, commandTimeout: CACHE_COMMAND_TIMEOUT_MS },
      settings.redisClient,
    ),
  );
  cacheRedis.on('error', (err) => logger.warn({ err: err.message }, 'Redis (cache) connection error'));
  // The interactive lane resolves on the main thread; an interactive-only process keeps one idle thread.
  const resolvePool = createResolvePool({
    registries: options.registries,
    threads: settings.worker.lane === 'interactive' ? 1 : settings.worker.threads,
  });
  metrics.observePool(resolvePool.piscina);
  const deps = {
    pool,
    snapshots: new SnapshotRepository(pool),
    cache: new SnapshotCache({
      redis: cacheRedis,
      keyPrefix: settings.redisKeyPrefix,
      ttlSeconds: settings.cacheTtlSeconds,
      onLookup: metrics.onCacheLookup,
    }),
    resolveChunk: (task: StoreTask) => resolvePool.resolveForStore(task),
    registryVersion: options.registries.registryVersion,
    chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
    onChunk: metrics.recordChunk,
    onRefill: metrics.recordCacheRefills,
  };

  // One actor costs ~0.1 ms to resolve: done on the main thread, it never queues behind bulk chunks.
  const interactiveDeps = {
    ...deps,
    resolveChunk: async (task: StoreTask) => runStoreTask(task, options.registries.compiled),
  };

  // Before any job: optimized code on every thread that resolves (see warm-up.ts).
  const lane = settings.worker.lane;
  await warmUpWorker(
    pool,
    [
      ...(lane === 'interactive' ? [] : [{ ...deps, concurrency: resolvePool.settings.threads }]),
      ...(lane === 'bulk' ? [] : [{ ...interactiveDeps, concurrency: 1 }]),
    ],
    {
      budgetMs: settings.worker.warmUpMs,
      chunkSize: deps.chunkSize,
      // One connection per job in flight: a job runs its Postgres statements one after another.
      connections: Math.min(
        pool.options.max,
        (lane === 'interactive' ? 0 : settings.worker.concurrency) +
          (lane === 'bulk' ? 0 : INTERACTIVE_CONCURRENCY),
      ),
    },
    logger,
  );

  const recordPhases = (queue: string, t: BatchTimings): void => {
    metrics.recordPhase(queue, 'load', t.loadMs);
    metrics.recordPhase(queue, 'aggregate', t.resolveMs);
    metrics.recordPhase(queue, 'write', t.writeMs);
  };

  /**
   * A lost store parks the job instead of spending an attempt (src/queue/store-outage.ts): returns
   * nothing when it was not parked (its park budget is spent, or Redis is down too), so that the job
   * fails as usual; throws DelayedError, which tells BullMQ the job was moved, when it was.
   */
  const parkJob = async (job: Job, token: string | undefined, err: Error, log: Logger): Promise<void> => {
    const delayMs = storeOutageDelay(job, settings.queue.backoffMs);
    if (delayMs === undefined || token === undefined) return;
    try {
      await job.moveToDelayed(Date.now() + delayMs, token);
    } catch {
      return; // Redis is unreachable as well: the job fails, or its lock expires and it is re-run
    }
    log.warn(
      { err: isActorCoreError(err) ? err.toJSON() : String(err), delayMs, run: job.attemptsStarted },
      'store unavailable: job parked without spending an attempt',
    );
    throw new DelayedError();
  };

  const processWith =
    (batchDeps: typeof deps, queue: string) =>
    (job: Job<ResolveJobData, ResolveJobResult>, token?: string): Promise<ResolveJobResult> =>
      inSpan('job', async (span) => {
        const started = process.hrtime.bigint();
        const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
        let data: ResolveJobData;
        try {
          data = checkJobData(job.data);
        } catch (err) {
          metrics.recordJob({ queue, actors: 0, seconds: seconds(), errorCode: 'INVALID_JOB' });
          throw err;
        }
        const actors = data.actorIds.length;
        const log = logger.child({ jobId: job.id, actors });
        // A re-run (retry, parking, or taken over from a dead worker) may follow a run that wrote Postgres
        // but not Redis. It needs nothing special: resolveBatch checks Redis for every actor it finds
        // current in Postgres (refill-cache.ts), because BullMQ's counters can lose a run too.
        const rerun = job.attemptsStarted > 1 || job.stalledCounter > 0;
        annotate(span, () => ({
          'messaging.system': 'bullmq',
          'messaging.destination.name': queue,
          'messaging.message.id': job.id ?? '',
          'actor_core.job.attempt': job.attemptsStarted,
          'actor_core.job.rerun': rerun,
          'actor_core.actors': actors,
        }));
        try {
          const result = await resolveBatch(batchDeps, data, job.id, (t) => {
            log.debug(t, 'batch timings');
            recordPhases(queue, t);
          });
          log.info({ counts: result.counts, ms: result.finishedAt - job.processedOn! }, 'job done');
          for (const [actorId, code] of Object.entries(result.errors)) {
            const why = code === 'INVALID_ACTOR_ID' ? 'not a valid actor id' : 'invalid subsystem outputs';
            log.warn({ actorId, code }, `actor failed permanently: ${why}`);
          }
          metrics.recordJob({ queue, actors, seconds: seconds(), result });
          annotate(span, () => ({
            'actor_core.actors.written': result.counts.written,
            'actor_core.actors.current': result.counts.current,
            'actor_core.actors.failed': result.counts.failed,
          }));
          return result;
        } catch (err) {
          metrics.recordJob({ queue, actors, seconds: seconds(), errorCode: errorCodeOf(err) });
          if (isActorCoreError(err) && err.permanent) {
            log.error({ err: err.toJSON() }, 'job failed permanently');
            throw new UnrecoverableError(err.describe());
          }
          if (isActorCoreError(err) && err.code === 'STORE_UNAVAILABLE') {
            await parkJob(job, token, err, log);
          }
          const failure = {
            err: isActorCoreError(err) ? err.toJSON() : String(err),
            attempt: job.attemptsMade + 1,
            attempts: job.opts.attempts ?? 1,
          };
          if (willRetry(job)) log.warn(failure, 'job failed, will retry');
          else log.error(failure, 'job failed permanently');
          throw err;
        }
      });

  // Options, not an instance: BullMQ makes its own connections (a worker blocks on one).
  const connection = { url: options.redisUrl } as ConnectionOptions;
  const interactiveName = interactiveQueueName(settings.queue.name);
  // A lane the process does not serve gets no BullMQ Worker at all: it never takes such a job.
  const worker =
    lane === 'interactive'
      ? undefined
      : new Worker<ResolveJobData, ResolveJobResult>(
          settings.queue.name,
          processWith(deps, settings.queue.name),
          workerOptions(settings.queue, settings.worker, connection),
        );
  const interactiveWorker =
    lane === 'bulk'
      ? undefined
      : new Worker<ResolveJobData, ResolveJobResult>(
          interactiveName,
          processWith(interactiveDeps, interactiveName),
          workerOptions(
            settings.queue,
            { ...settings.worker, concurrency: INTERACTIVE_CONCURRENCY },
            connection,
          ),
        );
  const workers = [worker, interactiveWorker].filter((w) => w !== undefined);
  for (const w of workers) {
    w.on('error', (err) => logger.error({ err: err.message }, 'worker error'));
    w.on('stalled', (jobId) => logger.warn({ jobId }, 'job stalled: another worker will take it over'));
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));

  // Job counts for /metrics, read at scrape time (the Workers above have no getJobCounts), on a
  // connection of their own: a Queue defines BullMQ's ~60 scripts on its client, and ioredis copies
  // every script defined on a client onto each pipeline it opens: on the shared client, opening each
  // of the cache's pipelines (one or more per job) cost ~10× more.
  const countsRedis = cacheRedis.duplicate();
  countsRedis.on('error', (err) => logger.warn({ err: err.message }, 'Redis (job counts) connection error'));
  const countedQueues = [settings.queue.name, interactiveName].map((name) => {
    const queue = new Queue(name, { connection: countsRedis, prefix: settings.queue.prefix });
    queue.on('error', () => undefined); // already reported by its connection's own listener
    return queue;
  });
  metrics.observeQueues(countedQueues);
  let draining = false;
  const sidecar = await startWorkerSidecar(settings, logger, {
    pool,
    cacheRedis,
    metrics,
    isDraining: () => draining,
  });
  logger.info(
    {
      queue: settings.queue.name,
      lane,
      concurrency: settings.worker.concurrency,
      threads: resolvePool.settings.threads,
      registryVersion: options.registries.registryVersion,
      sidecarPort: sidecar?.port,
    },
    'worker started',
  );

  let stopping: Promise<StopResult> | undefined;
  const stop = (reason = 'stop requested'): Promise<StopResult> =>
    (stopping ??= (async () => {
      draining = true;
      const timeoutMs = settings.worker.shutdownTimeoutMs;
      logger.info({ reason, timeoutMs }, 'stopping: no new jobs');
      const finished = await withinTime(Promise.all(workers.map((w) => w.close())), timeoutMs);
      if (!finished) {
        // The stuck jobs keep their locks until these expire; the stalled check then hands them to
        // another worker. Nothing here waits for them any longer.
        logger.warn(
          { timeoutMs },
          'active jobs did not finish in time: leaving them to be retried as stalled',
        );
      }
      await withinTime(resolvePool.close(), finished ? timeoutMs : 1000);
      await withinTime(Promise.all(countedQueues.map((q) => q.close())), 1000);
      await withinTime(pool.end(), finished ? timeoutMs : 1000);
      cacheRedis.disconnect();
      countsRedis.disconnect();
      // Last: the probes see 503 (draining) until the very end, and the last spans are flushed.
      await withinTime(sidecar?.close() ?? Promise.resolve(), 1000);
      await withinTime(tracing?.shutdown() ?? Promise.resolve(), 2000);
      logger.info({ forced: !finished }, 'stopped');
      return { forced: !finished };
    })());

  return {
    worker,
    interactiveWorker,
    resolvePool,
    metrics,
    sidecarPort: sidecar?.port,
    isDraining: () => draining,
    stop,
  };
}
