/**
 * Every metric name Actor Core exports, in one place: dashboards and alerts are written against these
 * strings, so a rename is a breaking change and shows up here, not scattered through the code.
 */

/** The six series of the production guide ("Monitoring and Observability"), with these exact names. */
export const GUIDE_METRICS = {
  requestsTotal: 'actor_core_requests_total',
  requestDuration: 'actor_core_request_duration_seconds',
  activeActors: 'actor_core_active_actors',
  cacheHits: 'actor_core_cache_hits_total',
  cacheMisses: 'actor_core_cache_misses_total',
  errorsTotal: 'actor_core_errors_total',
} as const;

/** What the worker cluster adds: queues, jobs, resolution times and the thread pool. */
export const WORKER_METRICS = {
  /** Gauge {queue, state}: BullMQ job counts, read at scrape time. */
  queueJobs: 'actor_core_queue_jobs',
  /** Histogram {queue, outcome}: wall time of one job, from taking it to its last write. */
  jobDuration: 'actor_core_job_duration_seconds',
  /** Histogram {queue, phase}: the load / aggregate / write phases of a job. */
  jobPhaseDuration: 'actor_core_job_phase_duration_seconds',
  /** Histogram: time resolving one actor inside a thread (the chunk's resolveNs over its actors). */
  actorResolveDuration: 'actor_core_actor_resolve_duration_seconds',
  /** Histogram {queue}: actors per job. */
  batchSize: 'actor_core_job_batch_size',
  /** Counter {queue, outcome}: actors by what their job did with them (written, current, …). */
  actorsTotal: 'actor_core_actors_total',
  /** Counter: read-through lookups answered by Postgres (each also counts as a cache miss). */
  cacheFills: 'actor_core_cache_fills_total',
  /** Counter: snapshots a job found current in Postgres but not in Redis, copied there from Postgres. */
  cacheRefills: 'actor_core_cache_refills_total',
  /** Gauge: piscina utilisation (0..1), queued tasks and live threads, read at scrape time. */
  poolUtilization: 'actor_core_pool_utilization',
  poolQueueSize: 'actor_core_pool_queue_size',
  poolThreads: 'actor_core_pool_threads',
} as const;
