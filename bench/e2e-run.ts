/**
 * One configuration of the end-to-end benchmark: W worker processes × T threads on a fresh queue and
 * key prefix, the bulk actors enqueued in jobs of B, and meanwhile single-actor interactive jobs spread
 * over the run. The clock runs from the first enqueue to the last completed event at the producer;
 * every job then has written its snapshots to Postgres and Redis, which is verified by counting both.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import type pg from 'pg';
import type { Settings } from '../config/settings';
import { countKeys, deleteKeys } from '../src/demo/isolated-stores';
import {
  actorLatencies,
  storedLatencies,
  JobTracker,
  readJobInfo,
  summarizeLatencies,
  tallyOutcomes,
  type JobOutcome,
  type LatencySummary,
} from '../src/demo/latency';
import { startWorkerChildren, type WorkerChildren, type WorkerLogRecord } from '../src/demo/worker-children';
import { cpuAccountingAvailable, cpuBetween, sampleCpu, type CpuGroup, type CpuSources } from './e2e-cpu';
import { summarizeStages, type InteractiveStage } from './e2e-stages';
import { runWarmPass } from './e2e-warm-pass';
import { producerRedisOptions, ResolveProducer } from '../src/producer/resolve-producer';
import type { ActorOutcome } from '../src/queue/resolve-jobs';

export interface E2eConfig {
  /** Worker processes serving bulk jobs (and, without interactive ones, every lane). */
  workers: number;
  threads: number;
  batch: number;
  concurrency: number;
  /** Processes serving only the interactive lane; with any, the others serve only bulk jobs. */
  interactiveWorkers: number;
  /** Niceness of the bulk-lane processes when the lanes are split. */
  bulkNice: number;
  /** The workers' WORKER_WARM_UP_MS (before the clock: each worker is started and warm first). */
  warmUpMs: number;
  /** Rounds of the warm pass over its actors (`E2eContext.warmBulkIds`…) before the clock; 0: none. */
  warmRounds: number;
}

export interface E2eContext {
  /** Settings with the run's URLs; queue names and prefixes are made per configuration. */
  settings: Settings & { databaseUrl: string; redisUrl: string };
  pool: pg.Pool;
  bulkIds: readonly string[];
  interactiveIds: readonly string[];
  /**
   * The warm pass's own actors (never those of the timed run), run through the pipeline before the
   * clock (e2e-warm-pass.ts): bulk, and single jobs; none: no warm pass.
   */
  warmBulkIds: readonly string[];
  warmInteractiveIds: readonly string[];
  logDir: string;
  /** Makes queue names and prefixes unique to this process. */
  tag: string;
  abort: Promise<never>;
  /** Whether the servers run on this machine (then their CPU time is counted). */
  localPostgres: boolean;
  localRedis: boolean;
}

export interface StageTimings {
  /** Bulk jobs that logged their timings. */
  jobs: number;
  /** Mean per bulk job, ms. */
  loadMs: number;
  resolveMs: number;
  writeMs: number;
  /** Mean job duration at the worker (processedOn to finishedAt), ms. */
  jobMs: number;
  /** Mean delay from a job's finishedAt (worker) to its completed event at the producer, ms. */
  eventLagMs: number;
  /** Busy job slots over the run: Σ job ms / (seconds × workers × concurrency). */
  slotUse: number;
}

export interface E2eResult extends E2eConfig {
  /** The warm pass as run: its actors (bulk and single), each resolved in every round, and its length. */
  warmPassActors: number;
  warmPassMs: number;
  actors: number;
  interactive: number;
  /** Of them, enqueued while bulk jobs were still pending. */
  interactiveDuringBulk: number;
  bulkJobs: number;
  seconds: number;
  actorsPerSecond: number;
  latency: LatencySummary;
  /** Enqueue → completed event at the producer. */
  interactiveLatency: LatencySummary;
  /** Enqueue → the job's writes finished (the snapshot is in both stores). */
  interactiveStoredLatency: LatencySummary;
  /**
   * Each interactive job's enqueue → stored, ms, ascending: a run's p99 of ~50 jobs is its slowest job,
   * so runs' samples are pooled for a p99 over more jobs.
   */
  interactiveStoredMs: number[];
  counts: Record<ActorOutcome, number>;
  failedJobs: number;
  pgSnapshots: number;
  redisSnapshots: number;
  timings: StageTimings;
  /** Per stage of the interactive jobs (see e2e-stages.ts). */
  interactiveStages: Record<InteractiveStage, LatencySummary>;
  /** CPU seconds per process group during the run (Linux; servers only when started here). */
  cpu: Record<CpuGroup, number> | undefined;
  queueName: string;
  queuePrefix: string;
  keyPrefix: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Settings of one configuration: its own queue and key prefix, debug logs (for the stage timings). */
export function configSettings(ctx: E2eContext, config: E2eConfig, index: number): E2eContext['settings'] {
  const s = ctx.settings;
  return {
    ...s,
    logLevel: 'debug',
    redisKeyPrefix: `bench-e2e-${ctx.tag}-${index}`,
    queue: {
      ...s.queue,
      name: `bench-e2e-${ctx.tag}-${index}`,
      prefix: `{bench-e2e-${ctx.tag}}`,
      batchSize: config.batch,
    },
    worker: {
      ...s.worker,
      threads: config.threads,
      concurrency: config.concurrency,
      warmUpMs: config.warmUpMs,
      shutdownTimeoutMs: Math.min(s.worker.shutdownTimeoutMs, 10_000),
    },
  };
}

export async function runE2eConfig(ctx: E2eContext, config: E2eConfig, index: number): Promise<E2eResult> {
  const settings = configSettings(ctx, config, index);
  const N = ctx.bulkIds.length;
  const K = ctx.interactiveIds.length;
  await ctx.pool.query('TRUNCATE snapshots, resolution_errors');

  const records = new Map<string, { timings?: WorkerLogRecord; done?: WorkerLogRecord }>();
  const logFile = path.join(ctx.logDir, `workers-${index}.log`);
  fs.writeFileSync(logFile, '');
  const connection = new Redis(settings.redisUrl, producerRedisOptions);
  connection.on('error', () => undefined);
  const producer = new ResolveProducer({ connection, queue: settings.queue });
  let workers: WorkerChildren | undefined;
  let tracker: JobTracker | undefined;
  let stopped = false;
  let interactive: Promise<void> = Promise.resolve();
  try {
    workers = await startWorkerChildren({
      count: config.workers,
      settings,
      logFile,
      ...(config.interactiveWorkers > 0
        ? { lanes: { interactive: config.interactiveWorkers, bulkNice: config.bulkNice } }
        : {}),
      abort: ctx.abort,
      onRecord: (record) => {
        if (record.jobId === undefined) return;
        if (record.msg !== 'batch timings' && record.msg !== 'job done') return;
        const entry = records.get(record.jobId) ?? {};
        if (record.msg === 'batch timings') entry.timings = record;
        else entry.done = record;
        records.set(record.jobId, entry);
      },
    });
    // Actors done so far (the few interactive ones included), for spreading the interactive jobs.
    let doneActors = 0;
    const track = new JobTracker(
      (id) => producer.queueOf(id),
      await producer.allQueueEvents(),
      (outcome: JobOutcome) => {
        if (outcome.result === undefined) return;
        for (const n of Object.values(outcome.result.counts)) doneActors += n;
      },
    );
    tracker = track;
    const workerDied = workers.anyExited.then((why) => Promise.reject(new Error(why)));
    workerDied.catch(() => undefined);
    const abort = Promise.race([ctx.abort, workerDied]);
    await sleep(200); // the events listener starts reading a moment after it is ready
    const warm = await runWarmPass({
      producer,
      tracker: track,
      pool: ctx.pool,
      redis: connection,
      keyPrefix: settings.redisKeyPrefix,
      bulkIds: ctx.warmBulkIds,
      interactiveIds: ctx.warmInteractiveIds,
      batch: config.batch,
      rounds: config.warmRounds,
      abort,
    });
    doneActors = 0; // the interactive jobs are spread by the timed run's progress alone
    const cpuSources: CpuSources = {
      workerPids: workers.pids,
      ...(ctx.localPostgres ? { pool: ctx.pool } : {}),
      ...(ctx.localRedis ? { redis: connection } : {}),
    };
    const cpu0 = cpuAccountingAvailable() ? await sampleCpu(cpuSources) : undefined;

    const t0 = Date.now();
    let bulkPending = true;
    // Interactive jobs: job i goes at (i + ½)/K of the run's expected length, re-estimated from progress.
    const priorMs = (N / 3000) * 1000;
    const interactiveJobIds: string[] = [];
    let interactiveDuringBulk = 0;
    interactive = (async () => {
      for (let i = 0; i < K && !stopped; i++) {
        while (!stopped) {
          const elapsed = Date.now() - t0;
          const fraction = doneActors / N;
          const expected = fraction > 0.05 ? elapsed / fraction : Math.max(priorMs, elapsed * 1.5);
          if (!bulkPending || elapsed >= ((i + 0.5) / K) * expected) break;
          await sleep(10);
        }
        if (stopped) break;
        if (bulkPending) interactiveDuringBulk++;
        const { jobIds } = await producer.enqueueResolve([ctx.interactiveIds[i]!], {
          priority: 'interactive',
        });
        interactiveJobIds.push(...jobIds);
      }
    })();
    interactive.catch(() => undefined); // awaited below; meanwhile a failure must not go unhandled
    const enqueued = await producer.enqueueResolve(ctx.bulkIds, {
      priority: 'bulk',
      batchSize: config.batch,
    });
    const timeoutMs = 600_000 + N * 10;
    const bulkOutcomes = await track.waitFor(enqueued.jobIds, { timeoutMs, abort });
    bulkPending = false;
    await interactive;
    const interactiveOutcomes = await track.waitFor(interactiveJobIds, { timeoutMs: 60_000, abort });
    const cpu = cpu0 === undefined ? undefined : cpuBetween(cpu0, await sampleCpu(cpuSources));
    const totals = tallyOutcomes([...bulkOutcomes, ...interactiveOutcomes]);
    const seconds = Math.max(totals.lastAt - t0, 1) / 1000;

    const latency = summarizeLatencies(
      actorLatencies(await readJobInfo((id) => producer.queueOf(id), enqueued.jobIds), track),
    );
    const interactiveInfo = await readJobInfo((id) => producer.queueOf(id), interactiveJobIds);
    const interactiveLatency = summarizeLatencies(actorLatencies(interactiveInfo, track));
    const interactiveStored = storedLatencies(interactiveInfo, track);
    const interactiveStoredLatency = summarizeLatencies(interactiveStored);
    const interactiveStoredMs = interactiveStored.map((ms) => Math.round(ms * 10) / 10).sort((a, b) => a - b);
    const pgCount = await ctx.pool.query<{ n: string }>('SELECT count(*) AS n FROM snapshots');
    const redisSnapshots = await countKeys(connection, `${settings.redisKeyPrefix}:snapshot:*`);

    const bulk = enqueued.jobIds.map((id) => ({ id, entry: records.get(id), outcome: track.outcome(id) }));
    const timed = bulk.filter((b) => b.entry?.timings !== undefined);
    const num = (record: WorkerLogRecord | undefined, field: string): number => Number(record?.[field]);
    const jobMs = bulk.filter((b) => b.entry?.done !== undefined).map((b) => num(b.entry!.done, 'ms'));
    const timings: StageTimings = {
      jobs: timed.length,
      loadMs: mean(timed.map((b) => num(b.entry!.timings, 'loadMs'))),
      resolveMs: mean(timed.map((b) => num(b.entry!.timings, 'resolveMs'))),
      writeMs: mean(timed.map((b) => num(b.entry!.timings, 'writeMs'))),
      jobMs: mean(jobMs),
      eventLagMs: mean(
        bulk
          .filter((b) => b.outcome?.result !== undefined && b.outcome.fromState !== true)
          .map((b) => b.outcome!.at - b.outcome!.result!.finishedAt),
      ),
      slotUse: jobMs.reduce((a, b) => a + b, 0) / (seconds * 1000 * config.workers * config.concurrency),
    };
    const interactiveStages = summarizeStages(
      interactiveInfo.map((info) => {
        const entry = records.get(info.jobId);
        const outcome = track.outcome(info.jobId);
        const finishedAt = outcome?.result?.finishedAt;
        return {
          info,
          ...(entry?.timings === undefined
            ? {}
            : {
                timings: {
                  loadMs: num(entry.timings, 'loadMs'),
                  resolveMs: num(entry.timings, 'resolveMs'),
                  writeMs: num(entry.timings, 'writeMs'),
                  writePgMs: num(entry.timings, 'writePgMs'),
                },
              }),
          ...(entry?.done === undefined ? {} : { jobMs: num(entry.done, 'ms') }),
          ...(outcome === undefined || finishedAt === undefined
            ? {}
            : { completed: { at: outcome.at, finishedAt } }),
        };
      }),
    );
    return {
      ...config,
      warmPassActors: warm.actors,
      warmPassMs: warm.ms,
      actors: N,
      interactive: K,
      interactiveDuringBulk,
      bulkJobs: enqueued.jobIds.length,
      seconds,
      actorsPerSecond: (N + K) / seconds,
      latency,
      interactiveLatency,
      interactiveStoredLatency,
      interactiveStoredMs,
      counts: totals.counts,
      failedJobs: totals.failedJobs,
      pgSnapshots: Number(pgCount.rows[0]!.n),
      redisSnapshots,
      timings,
      interactiveStages,
      cpu,
      queueName: settings.queue.name,
      queuePrefix: settings.queue.prefix,
      keyPrefix: settings.redisKeyPrefix,
    };
  } finally {
    stopped = true;
    await interactive.catch(() => undefined);
    tracker?.dispose();
    await producer.close();
    await workers?.stop();
    await deleteKeys(connection, `${settings.queue.prefix}:${settings.queue.name}:*`);
    await deleteKeys(connection, `${settings.redisKeyPrefix}:*`);
    connection.disconnect();
  }
}
