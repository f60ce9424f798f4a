/**
 * The process's Prometheus metrics: one prom-client Registry per `createMetrics` call (never the global
 * default registry, so two components or two tests in one process never share or clash), holding the
 * guide's six series, the worker cluster's (jobs, phases, per-actor resolution, batch sizes, queue job
 * counts, pool state) and prom-client's default process metrics.
 *
 * `actor_core_active_actors` is the number of actors this process handled (resolved, or found current)
 * in the last `activeWindowSeconds` (default 300), counted per handling, not per distinct id: counting
 * rows in Postgres would cost a scan per scrape and say nothing about load, while this is O(1) per job
 * and sums across processes (sum by instance) into the cluster's active actors.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LookupOutcome } from '../adapters/redis/snapshot-cache';
import type { ActorOutcome, ResolveJobResult } from '../queue/resolve-jobs';
import { GUIDE_METRICS, WORKER_METRICS } from './metric-names';
import { readJobCounts, type JobCountsSource, type PoolStatsSource } from './scrape-sources';
import { SlidingWindowCount } from './sliding-window-count';

export interface MetricsOptions {
  /** Queues whose job counts are read at scrape time (also settable later with `observeQueues`). */
  queues?: readonly JobCountsSource[];
  /** The thread pool whose state is read at scrape time (also settable later with `observePool`). */
  pool?: PoolStatsSource;
  /** prom-client's process metrics (CPU, memory, event loop lag, GC, handles); default true. */
  defaultMetrics?: boolean;
  /** Labels added to every series, e.g. `{ component: 'worker' }`. */
  defaultLabels?: Record<string, string>;
  /** Window of `actor_core_active_actors`; default 300 s. */
  activeWindowSeconds?: number;
  /** Longest a scrape waits for a queue's job counts; default 1000 ms. */
  scrapeTimeoutMs?: number;
  /** Clock of the active-actors window (tests). */
  now?: () => number;
}

/** The three timed phases of a job (the spans of the same names). */
export type JobPhase = 'load' | 'aggregate' | 'write';

/** What one finished job tells the metrics. */
export interface JobRecord {
  queue: string;
  /** Actors the job asked for. */
  actors: number;
  seconds: number;
  /** The job's result; undefined when the job failed. */
  result?: ResolveJobResult;
  /** The failure's code (ActorCoreError code, or INTERNAL); only when the job failed. */
  errorCode?: string;
}

/**
 * Prometheus' DefBuckets, as the guide's histogram uses, with sub-millisecond buckets in front: the
 * guide promises sub-millisecond responses, and the snapshot route answers in ~0.15 ms (p50) to
 * ~0.35 ms (p99) server-side, all of which DefBuckets (5 ms and up) would put in its first bucket.
 */
export const REQUEST_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** A job of 500 actors takes tens to hundreds of ms; a stuck one up to the lock duration. */
export const JOB_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** One actor on a resolve thread (unpack, resolve, serialize): ~50–85 µs on the reference VM (README). */
export const ACTOR_BUCKETS = [5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3];
/** Interactive jobs hold 1 actor, bulk jobs JOB_BATCH_SIZE (500 by default, at most 10,000). */
export const BATCH_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];

const OUTCOMES: readonly ActorOutcome[] = ['written', 'current', 'stale', 'failed', 'missing'];

/** Error codes are label values: anything that is not a short upper-case code becomes OTHER. */
export function errorCodeLabel(code: unknown): string {
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : 'OTHER';
}

export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  if (options.defaultLabels !== undefined) registry.setDefaultLabels(options.defaultLabels);
  const registers = [registry];
  let queues: readonly JobCountsSource[] = options.queues ?? [];
  let pool: PoolStatsSource | undefined = options.pool;
  const scrapeTimeoutMs = options.scrapeTimeoutMs ?? 1000;
  const active = new SlidingWindowCount((options.activeWindowSeconds ?? 300) * 1000, 60, options.now);

  const requestsTotal = new Counter({
    name: GUIDE_METRICS.requestsTotal,
    help: 'Total number of requests processed',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const requestDuration = new Histogram({
    name: GUIDE_METRICS.requestDuration,
    help: 'Request duration in seconds',
    labelNames: ['method', 'route'] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const activeActors = new Gauge({
    name: GUIDE_METRICS.activeActors,
    help: 'Number of active actors: actors this process handled (resolved or found current) in the last window',
    registers,
    collect() {
      this.set(active.total());
    },
  });
  const cacheHits = new Counter({
    name: GUIDE_METRICS.cacheHits,
    help: 'Total number of cache hits (read-through lookups answered by Redis)',
    registers,
  });
  const cacheMisses = new Counter({
    name: GUIDE_METRICS.cacheMisses,
    help: 'Total number of cache misses (lookups Redis could not answer, filled from Postgres or not found)',
    registers,
  });
  const errorsTotal = new Counter({
    name: GUIDE_METRICS.errorsTotal,
    help: 'Total number of errors, by error code',
    labelNames: ['code'] as const,
    registers,
  });
  const cacheFills = new Counter({
    name: WORKER_METRICS.cacheFills,
    help: 'Read-through lookups Redis missed and Postgres answered (each is also a cache miss)',
    registers,
  });
  const cacheRefills = new Counter({
    name: WORKER_METRICS.cacheRefills,
    help: 'Snapshots a job found current in Postgres but missing or older in Redis, copied there from Postgres',
    registers,
  });
  const jobDuration = new Histogram({
    name: WORKER_METRICS.jobDuration,
    help: 'Duration of one resolve job in seconds, by queue and outcome (completed or failed)',
    labelNames: ['queue', 'outcome'] as const,
    buckets: JOB_BUCKETS,
    registers,
  });
  const jobPhaseDuration = new Histogram({
    name: WORKER_METRICS.jobPhaseDuration,
    help: 'Duration of a job phase in seconds: load (Postgres), aggregate (threads), write (Postgres + Redis)',
    labelNames: ['queue', 'phase'] as const,
    buckets: JOB_BUCKETS,
    registers,
  });
  const actorResolveDuration = new Histogram({
    name: WORKER_METRICS.actorResolveDuration,
    help: 'Time resolving one actor inside a resolve thread in seconds (its chunk time over its actors)',
    buckets: ACTOR_BUCKETS,
    registers,
  });
  const batchSize = new Histogram({
    name: WORKER_METRICS.batchSize,
    help: 'Actors per resolve job',
    labelNames: ['queue'] as const,
    buckets: BATCH_BUCKETS,
    registers,
  });
  const actorsTotal = new Counter({
    name: WORKER_METRICS.actorsTotal,
    help: 'Actors of finished jobs, by queue and outcome (written, current, stale, failed, missing)',
    labelNames: ['queue', 'outcome'] as const,
    registers,
  });
  const queueJobs = new Gauge({
    name: WORKER_METRICS.queueJobs,
    help: 'BullMQ jobs by queue and state, read at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      const read = await readJobCounts(queues, scrapeTimeoutMs);
      // Reset first: a queue that could not be read has no series rather than stale ones.
      this.reset();
      for (const { queue, counts } of read) {
        for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
      }
    },
  });
  /** A gauge read from the resolve pool at scrape time (nothing until a pool is observed). */
  const poolGauge = (name: string, help: string, read: (source: PoolStatsSource) => number): Gauge =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        if (pool !== undefined) this.set(read(pool));
      },
    });
  const poolUtilization = poolGauge(
    WORKER_METRICS.poolUtilization,
    'Utilisation of the resolve thread pool since it started (0..1, piscina.utilization)',
    (p) => p.utilization,
  );
  const poolQueueSize = poolGauge(
    WORKER_METRICS.poolQueueSize,
    'Resolve tasks waiting for a thread',
    (p) => p.queueSize,
  );
  const poolThreads = poolGauge(WORKER_METRICS.poolThreads, 'Live resolve threads', (p) => p.threads.length);
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  return {
    registry,
    requestsTotal,
    requestDuration,
    activeActors,
    cacheHits,
    cacheMisses,
    cacheFills,
    cacheRefills,
    errorsTotal,
    jobDuration,
    jobPhaseDuration,
    actorResolveDuration,
    batchSize,
    actorsTotal,
    queueJobs,
    poolUtilization,
    poolQueueSize,
    poolThreads,

    /** The exposition text and its content type, for a /metrics handler. */
    contentType: registry.contentType,
    text: (): Promise<string> => registry.metrics(),

    /** Read these queues' job counts at scrape time (replaces the previous ones). */
    observeQueues(next: readonly JobCountsSource[]): void {
      queues = next;
    },
    observePool(next: PoolStatsSource | undefined): void {
      pool = next;
    },

    /** For `SnapshotCache`'s `onLookup`: a fill (Redis missed, Postgres answered) is a miss too. */
    onCacheLookup(outcome: LookupOutcome): void {
      if (outcome === 'hit') cacheHits.inc();
      else {
        cacheMisses.inc();
        if (outcome === 'fill') cacheFills.inc();
      }
    },

    /** For `resolveBatch`'s `onRefill`. */
    recordCacheRefills(n: number): void {
      cacheRefills.inc(n);
    },

    recordError(code: unknown, n = 1): void {
      errorsTotal.inc({ code: errorCodeLabel(code) }, n);
    },

    /** Actors handled outside jobs (e.g. API reads), for `actor_core_active_actors`. */
    recordActiveActors(n: number): void {
      active.add(n);
    },

    /** One thread chunk: `resolveNs` spread over its `actors` (the histogram's sum stays exact). */
    recordChunk(actors: number, resolveNs: number): void {
      if (actors <= 0) return;
      const perActor = resolveNs / actors / 1e9;
      for (let i = 0; i < actors; i++) actorResolveDuration.observe(perActor);
    },

    recordPhase(queue: string, phase: JobPhase, ms: number): void {
      jobPhaseDuration.observe({ queue, phase }, ms / 1000);
    },

    /** A finished job: duration, batch size, per-actor outcomes and errors. */
    recordJob(job: JobRecord): void {
      const { queue, result } = job;
      jobDuration.observe({ queue, outcome: result === undefined ? 'failed' : 'completed' }, job.seconds);
      batchSize.observe({ queue }, job.actors);
      if (result === undefined) {
        errorsTotal.inc({ code: errorCodeLabel(job.errorCode ?? 'INTERNAL') });
        return;
      }
      for (const outcome of OUTCOMES) {
        const n = result.counts[outcome];
        if (n > 0) actorsTotal.inc({ queue, outcome }, n);
      }
      active.add(result.counts.written + result.counts.current + result.counts.stale + result.counts.failed);
      for (const code of Object.values(result.errors)) errorsTotal.inc({ code: errorCodeLabel(code) });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
