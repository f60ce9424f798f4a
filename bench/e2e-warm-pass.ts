/**
 * The e2e bench's warm pass: actors of its own through the whole pipeline (producer, queue, worker main
 * threads, Postgres, Redis, events) before the clock, so that the timed run measures processes as they
 * run in production, long after they started, and not their first jobs.
 *
 * Why: the workers' own warm-up (WORKER_WARM_UP_MS) optimizes the resolve threads, but the main
 * threads' job path (the load query's row parsing, the write statement's parameters, the Redis
 * commands, BullMQ's job handling, the logs) was still compiled by TurboFan during the timed run: with
 * `--trace-opt` on the worker processes, ~450 ms of compilation in a ~2-second run on 2 CPUs (bench/
 * performance-log.md). The producer's side (the bench's own process) warms up with it. A function that runs once per job (the load, the batch) is optimized only after a few
 * dozen jobs, so the pass goes over its actors in rounds: more rounds, fewer actors to seed. After
 * each round every snapshot, resolution error and cached value is removed, so that the next round, and
 * then the timed run, start from empty stores and take the jobs' usual path (nothing is "current").
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { deleteKeys } from '../src/demo/isolated-stores';
import type { JobTracker } from '../src/demo/latency';
import type { ResolveProducer } from '../src/producer/resolve-producer';

export interface WarmPassOptions {
  producer: ResolveProducer;
  tracker: JobTracker;
  pool: pg.Pool;
  /** The run's Redis connection (for removing the cached snapshots). */
  redis: Redis;
  /** The workers' `redisKeyPrefix`. */
  keyPrefix: string;
  bulkIds: readonly string[];
  /** Enqueued one by one, INTERACTIVE_GAP_MS apart, while the bulk jobs run. */
  interactiveIds: readonly string[];
  batch: number;
  /** Times over the actors, one after another; default 1. */
  rounds?: number;
  abort: Promise<never>;
}

export interface WarmPassResult {
  /** Actors of the pass (bulk and single), each resolved `rounds` times. */
  actors: number;
  rounds: number;
  ms: number;
}

/** Between two single jobs of a round: spread over the bulk jobs, as in the timed run. */
const INTERACTIVE_GAP_MS = 20;

export async function runWarmPass(options: WarmPassOptions): Promise<WarmPassResult> {
  const started = Date.now();
  const actors = options.bulkIds.length + options.interactiveIds.length;
  const rounds = options.rounds ?? 1;
  if (!Number.isSafeInteger(rounds) || rounds < 0) {
    throw new RangeError(`warm pass: rounds must be an integer ≥ 0, got ${rounds}`);
  }
  if (actors === 0 || rounds === 0) return { actors: 0, rounds: 0, ms: 0 };
  for (let round = 0; round < rounds; round++) {
    await warmRound(options);
    // Empty stores again, as the timed run expects them (it counts every snapshot afterwards).
    await options.pool.query('TRUNCATE snapshots, resolution_errors');
    await deleteKeys(options.redis, `${options.keyPrefix}:snapshot:*`);
  }
  return { actors, rounds, ms: Date.now() - started };
}

/** One round: the bulk jobs, and meanwhile the single ones; fails when any job failed. */
async function warmRound(options: WarmPassOptions): Promise<void> {
  const { producer, abort } = options;
  const bulk =
    options.bulkIds.length === 0
      ? { jobIds: [] }
      : await producer.enqueueResolve(options.bulkIds, { priority: 'bulk', batchSize: options.batch });
  const singles: string[] = [];
  for (const id of options.interactiveIds) {
    singles.push(...(await producer.enqueueResolve([id], { priority: 'interactive' })).jobIds);
    await sleep(INTERACTIVE_GAP_MS);
  }
  const jobIds = [...bulk.jobIds, ...singles];
  const outcomes = await options.tracker.waitFor(jobIds, { timeoutMs: 600_000, abort });
  const failed = outcomes.filter((o) => o.failedReason !== undefined);
  if (failed.length > 0) {
    throw new Error(`warm pass: ${failed.length} jobs failed, the first: ${failed[0]!.failedReason}`);
  }
}
