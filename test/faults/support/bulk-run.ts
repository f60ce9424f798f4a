/**
 * One bulk run of the fault suite: every seeded actor enqueued (jobs of JOB_BATCH_SIZE) on a queue and
 * key prefix of its own, taken by real `actor-core worker` processes with short lock and stalled
 * intervals. The run watches its workers (one that exits unasked is a failure), waits until the queue
 * is empty and every snapshot in Postgres is at its actor's version, and reads back what each job went
 * through (attempts, stalls, finish times) from the jobs themselves.
 */
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { ActorRepository } from '../../../src/adapters/pg';
import { loadSettings, type Settings } from '../../../config/settings';
import { producerRedisOptions, ResolveProducer } from '../../../src/producer';
import type { ResolveJobData, ResolveJobResult } from '../../../src/queue/resolve-jobs';
import { parkedRuns } from '../../../src/queue/store-outage';
import { sleep, startWorkerProcess, within, type WorkerHandle } from '../../support/cluster';
import { uniquePrefix } from '../../support/databases';
import { ActorUpdater } from './actor-updater';
import type { FaultStores } from './fault-stores';
import { deleteKeys } from '../../../src/demo/isolated-stores';

export interface BulkRunOptions {
  label: string;
  workers: number;
  batchSize: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

export interface JobStats {
  bulkJobs: number;
  changeJobs: number;
  /** Jobs that ended failed (after their last attempt): none may. */
  failedJobs: number;
  failedReasons: string[];
  /** Jobs that failed at least once and were retried (attemptsMade > 1). */
  retriedJobs: number;
  /** The most attempts any job needed (JOB_ATTEMPTS is the limit: the margin left). */
  maxAttemptsMade: number;
  /** Jobs taken over after their worker lost them (stalledCounter > 0). */
  stalledJobs: number;
  /** Jobs parked at least once because their store was down (no attempt spent). */
  parkedJobs: number;
  /** Parkings as the workers logged them. */
  parkings: number;
  /** Failed attempts as the workers logged them ("job failed, will retry"). */
  failedAttempts: number;
  /** Distinct error messages of those attempts (the first few). */
  failedAttemptErrors: string[];
  /** "worker error" lines (BullMQ's own connection errors, e.g. while Redis is down). */
  workerErrors: number;
  /**
   * Finish times (ms since the epoch, the workers' clock): the first of the jobs started (last attempt)
   * after `at`, the last of all jobs, the last of the retried or stalled ones.
   */
  firstFinishedAfter: (at: number) => number | undefined;
  lastFinished: number;
  lastAffectedFinished: number | undefined;
  /** Jobs the producer or the updater was given an id for that exist but are not completed. */
  notCompleted: string[];
  /** Jobs the producer or the updater was given an id for that no longer exist (lost by Redis). */
  lost: string[];
}

type ResolveJob = Job<ResolveJobData, ResolveJobResult>;

/** Jobs failed for good: the run cannot finish, and the product did not ride through the fault. */
class JobsFailedForGood extends Error {}

const DONE_POLL_MS = 250;

export class BulkRun {
  readonly settings: Settings;
  readonly env: Readonly<Record<string, string>>;
  readonly workers: WorkerHandle[] = [];
  readonly producer: ResolveProducer;
  readonly updater: ActorUpdater;
  /** The test's reads and cleanup: waits through an outage instead of failing. */
  readonly monitor: Redis;
  private readonly producerConnection: Redis;
  private readonly monitorQueue: Queue<ResolveJobData, ResolveJobResult>;
  private readonly killed = new Set<number>();
  private readonly bulkJobIds = new Set<string>();
  /** When the enqueue began (ms since the epoch). */
  enqueuedAt = 0;

  private constructor(
    readonly stores: FaultStores,
    readonly options: BulkRunOptions,
  ) {
    const keyPrefix = uniquePrefix(options.label);
    this.env = {
      DATABASE_URL: stores.postgres.url,
      REDIS_URL: stores.redis.url,
      QUEUE_NAME: keyPrefix.replace(/:/g, '.'),
      REDIS_KEY_PREFIX: keyPrefix,
      JOB_BATCH_SIZE: String(options.batchSize),
      LOCK_DURATION_MS: String(options.lockDurationMs),
      STALLED_INTERVAL_MS: String(options.stalledIntervalMs),
      SHUTDOWN_TIMEOUT_MS: '15000',
      // Two workers on one machine: no sidecar port to fight over.
      WORKER_SIDECAR_PORT: '0',
      LOG_LEVEL: 'info',
    };
    this.settings = loadSettings({ ...process.env, ...this.env });
    this.producerConnection = new Redis(stores.redis.url, producerRedisOptions);
    this.producerConnection.on('error', () => undefined); // reported by the calls that fail
    this.producer = new ResolveProducer({ connection: this.producerConnection, queue: this.settings.queue });
    // Connection errors during an outage are expected; the calls that fail report them.
    this.monitor = new Redis(stores.redis.url, { maxRetriesPerRequest: null });
    this.monitor.on('error', () => undefined);
    this.monitorQueue = new Queue(this.settings.queue.name, {
      connection: this.monitor,
      prefix: this.settings.queue.prefix,
    });
    this.monitorQueue.on('error', () => undefined);
    const actors = new ActorRepository({ pool: stores.pool, registries: stores.registries.compiled });
    this.updater = new ActorUpdater(actors, this.producer, stores.ids, options.label.length * 7919);
  }

  /** Resets the snapshots (the seeded actors stay), then starts the workers of a new queue. */
  static async open(stores: FaultStores, options: BulkRunOptions): Promise<BulkRun> {
    await stores.pool.query('TRUNCATE snapshots, resolution_errors');
    const run = new BulkRun(stores, options);
    try {
      await run.producer.queue.waitUntilReady();
      const started = await Promise.all(
        Array.from({ length: options.workers }, () =>
          startWorkerProcess(run.env, { threads: 1, concurrency: 2 }),
        ),
      );
      run.workers.push(...started);
    } catch (err) {
      await run.close();
      throw err;
    }
    return run;
  }

  get keyPrefix(): string {
    return this.settings.redisKeyPrefix;
  }

  /** Enqueues every seeded actor as bulk jobs. */
  async enqueueAll(): Promise<void> {
    this.enqueuedAt = Date.now();
    const { jobIds } = await this.producer.enqueueResolve(this.stores.ids, {
      batchSize: this.options.batchSize,
    });
    for (const id of jobIds) this.bulkJobIds.add(id);
  }

  /** The share of bulk jobs the workers have logged as done. */
  bulkProgress(): number {
    let done = 0;
    for (const worker of this.workers) {
      for (const line of worker.lines('job done')) if (this.bulkJobIds.has(String(line.jobId))) done++;
    }
    return this.bulkJobIds.size === 0 ? 0 : done / this.bulkJobIds.size;
  }

  async waitForProgress(fraction: number, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.bulkProgress() < fraction) {
      this.assertWorkersAlive();
      if (Date.now() > deadline) throw new Error(`bulk run not ${fraction * 100} % done in ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /** Bulk and change jobs Redis holds as completed. */
  async completedJobs(): Promise<number> {
    return (await this.monitorQueue.getJobCounts('completed')).completed!;
  }

  /** SIGKILLs worker `index` (no drain, no lock release: its jobs must be taken over as stalled). */
  async killWorker(index: number): Promise<void> {
    const worker = this.workers[index]!;
    this.killed.add(worker.pid);
    await worker.signal('SIGKILL');
  }

  /** Fails, with the worker's last output, if a worker exited that the test did not kill. */
  assertWorkersAlive(): void {
    for (const worker of this.workers) {
      if (worker.exitStatus === undefined || this.killed.has(worker.pid)) continue;
      const last = worker.logs.slice(-5).map((line) => JSON.stringify(line));
      throw new Error(
        `worker ${worker.pid} exited on its own (${JSON.stringify(worker.exitStatus)}) during the run; ` +
          `last log lines:\n${last.join('\n')}\nstderr: ${worker.otherOutput.join('').slice(-2000)}`,
      );
    }
  }

  /**
   * Waits until nothing is waiting, delayed or active and every actor's Postgres snapshot is at its
   * version. A store that is down only delays the check; a job failed for good ends it at once.
   */
  async waitUntilDone(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'not checked yet';
    for (;;) {
      this.assertWorkersAlive();
      try {
        const counts = await this.monitorQueue.getJobCounts(
          'wait',
          'active',
          'delayed',
          'prioritized',
          'failed',
        );
        if (counts.failed! > 0) {
          const failed = await this.monitorQueue.getFailed(0, 4);
          const reasons = failed.map((j) => `${j.id}: ${j.failedReason}`).join('; ');
          throw new JobsFailedForGood(`${counts.failed} jobs failed for good: ${reasons}`);
        }
        const pending = counts.wait! + counts.active! + counts.delayed! + counts.prioritized!;
        const stale = await this.stores.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM actors a LEFT JOIN snapshots s ON s.actor_id = a.id
           WHERE s.version IS DISTINCT FROM a.version`,
        );
        const behind = Number(stale.rows[0]!.n);
        if (pending === 0 && behind === 0) return;
        last = `${pending} jobs pending, ${behind} actors without a current Postgres snapshot`;
      } catch (err) {
        if (err instanceof JobsFailedForGood) throw err;
        last = `check failed: ${String(err)}`; // a store is down: try again
      }
      if (Date.now() > deadline) throw new Error(`run not done after ${timeoutMs} ms: ${last}`);
      await sleep(DONE_POLL_MS);
    }
  }

  /** What the jobs went through, read from the jobs (completed and failed) and the workers' logs. */
  async jobStats(): Promise<JobStats> {
    const jobs = (await this.monitorQueue.getJobs(['completed', 'failed'], 0, -1)) as ResolveJob[];
    const failed = (await this.monitorQueue.getJobs(['failed'], 0, -1)) as ResolveJob[];
    const completed = new Set(
      ((await this.monitorQueue.getJobs(['completed'], 0, -1)) as ResolveJob[]).map((job) => job.id!),
    );
    const expected = [...this.bulkJobIds, ...this.updater.jobIds];
    const missing = [...new Set(expected)].filter((id) => !completed.has(id));
    const lost: string[] = [];
    for (const id of missing) if ((await this.monitorQueue.getJob(id)) === undefined) lost.push(id);
    const finished = jobs.map((job) => job.finishedOn ?? 0).filter((at) => at > 0);
    const affected = jobs.filter(
      (job) => job.attemptsMade > 1 || job.stalledCounter > 0 || parkedRuns(job) > 0,
    );
    const attemptLines = this.workers.flatMap((worker) => worker.lines('job failed, will retry'));
    const errors = new Set(attemptLines.map((line) => JSON.stringify(line.err).slice(0, 300)));
    return {
      bulkJobs: this.bulkJobIds.size,
      changeJobs: new Set(this.updater.jobIds).size,
      failedJobs: failed.length,
      failedReasons: failed.slice(0, 5).map((job) => `${job.id}: ${job.failedReason}`),
      retriedJobs: jobs.filter((job) => job.attemptsMade > 1).length,
      maxAttemptsMade: Math.max(0, ...jobs.map((job) => job.attemptsMade)),
      stalledJobs: jobs.filter((job) => job.stalledCounter > 0).length,
      parkedJobs: jobs.filter((job) => parkedRuns(job) > 0).length,
      parkings: this.workers.reduce(
        (n, worker) => n + worker.lines('store unavailable: job parked without spending an attempt').length,
        0,
      ),
      failedAttempts: attemptLines.length,
      failedAttemptErrors: [...errors].slice(0, 5),
      workerErrors: this.workers.reduce((n, worker) => n + worker.lines('worker error').length, 0),
      firstFinishedAfter: (at) => {
        // Started after `at`: a job whose finish the worker stamped just before Redis died is no recovery.
        const after = jobs.filter((job) => (job.processedOn ?? 0) > at).map((job) => job.finishedOn ?? 0);
        return after.length === 0 ? undefined : Math.min(...after);
      },
      lastFinished: Math.max(...finished),
      lastAffectedFinished:
        affected.length === 0 ? undefined : Math.max(...affected.map((job) => job.finishedOn ?? 0)),
      notCompleted: missing.filter((id) => !lost.includes(id)),
      lost,
    };
  }

  /** SIGTERMs the workers still running: each must drain and exit 0. Returns their exit statuses. */
  async stopWorkers(): Promise<Array<{ pid: number; code: number | null; signal: string | null }>> {
    const alive = this.workers.filter((worker) => worker.exitStatus === undefined);
    const statuses = await Promise.all(alive.map((worker) => worker.stop(30_000)));
    return alive.map((worker, i) => ({ pid: worker.pid, ...statuses[i]! }));
  }

  /** Kills what still runs, closes the connections and deletes the run's keys (even after a failure). */
  async close(): Promise<void> {
    await Promise.all(
      this.workers.filter((w) => w.exitStatus === undefined).map((w) => w.signal('SIGKILL', 10_000)),
    );
    await this.updater.stop().catch(() => undefined);
    await this.producer.close().catch(() => undefined);
    await this.monitorQueue.close().catch(() => undefined);
    try {
      // Bounded: after a failed restart there may be no Redis to clean.
      await within(
        30_000,
        "deleting the run's Redis keys",
        (async () => {
          await deleteKeys(this.monitor, `${this.keyPrefix}:*`);
          await deleteKeys(this.monitor, `${this.settings.queue.prefix}:${this.settings.queue.name}*`);
        })(),
      );
    } finally {
      this.producerConnection.disconnect();
      this.monitor.disconnect();
    }
  }
}
