/** Prometheus metrics: the registry factory, the names, the request middleware. */
export {
  ACTOR_BUCKETS,
  BATCH_BUCKETS,
  createMetrics,
  errorCodeLabel,
  JOB_BUCKETS,
  REQUEST_BUCKETS,
} from './create-metrics';
export type { JobPhase, JobRecord, Metrics, MetricsOptions } from './create-metrics';
export { GUIDE_METRICS, WORKER_METRICS } from './metric-names';
export { requestMetrics, requestObserver, UNMATCHED_ROUTE, type ObserveRequest } from './request-metrics';
export type { JobCountsSource, PoolStatsSource } from './scrape-sources';
export { SlidingWindowCount } from './sliding-window-count';
