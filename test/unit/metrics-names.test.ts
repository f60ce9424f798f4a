/** The metrics registry: the guide's six names and labels, the worker series, scrape-time sources. */
import { register as globalRegistry } from 'prom-client';
import {
  createMetrics,
  errorCodeLabel,
  GUIDE_METRICS,
  SlidingWindowCount,
  WORKER_METRICS,
  type JobCountsSource,
} from '../../src/metrics';
import type { ResolveJobResult } from '../../src/queue/resolve-jobs';
import { sampleValue as sample } from '../support/prometheus-text';

type MetricJson = Awaited<
  ReturnType<ReturnType<typeof createMetrics>['registry']['getMetricsAsJSON']>
>[number];

async function metricsByName(metrics: ReturnType<typeof createMetrics>): Promise<Map<string, MetricJson>> {
  return new Map((await metrics.registry.getMetricsAsJSON()).map((m) => [m.name, m]));
}

function result(
  counts: Partial<ResolveJobResult['counts']>,
  errors: Record<string, string> = {},
): ResolveJobResult {
  return {
    outcomes: {},
    counts: { written: 0, current: 0, stale: 0, failed: 0, missing: 0, ...counts },
    errors,
    finishedAt: Date.now(),
  };
}

describe('createMetrics', () => {
  it('exports the guide’s six series with exactly these names, types and labels', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const byName = await metricsByName(metrics);
    const expected: Record<string, { type: string; labels: string[] }> = {
      actor_core_requests_total: { type: 'counter', labels: ['method', 'route', 'status'] },
      actor_core_request_duration_seconds: { type: 'histogram', labels: ['method', 'route'] },
      actor_core_active_actors: { type: 'gauge', labels: [] },
      actor_core_cache_hits_total: { type: 'counter', labels: [] },
      actor_core_cache_misses_total: { type: 'counter', labels: [] },
      actor_core_errors_total: { type: 'counter', labels: ['code'] },
    };
    expect(Object.values(GUIDE_METRICS).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, { type, labels }] of Object.entries(expected)) {
      const metric = byName.get(name);
      expect(metric?.type).toBe(type);
      const labelNames = (metrics.registry.getSingleMetric(name) as unknown as { labelNames: string[] })
        .labelNames;
      expect([...labelNames].sort()).toEqual([...labels].sort());
    }
  });

  it('exports the worker series and the default process metrics', async () => {
    const metrics = createMetrics();
    const names = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    for (const name of Object.values(WORKER_METRICS)) expect(names).toContain(name);
    expect(names).toContain('process_cpu_user_seconds_total');
    expect(names).toContain('nodejs_eventloop_lag_seconds');
    expect(names).toContain('nodejs_heap_size_used_bytes');
  });

  it('uses a registry of its own, never prom-client’s global one, so instances never clash', async () => {
    const a = createMetrics();
    const b = createMetrics();
    expect(a.registry).not.toBe(b.registry);
    expect(a.registry).not.toBe(globalRegistry);
    expect(await globalRegistry.getMetricsAsJSON()).toEqual([]);
    a.cacheHits.inc();
    expect(sample(await b.text(), 'actor_core_cache_hits_total')).toBe(0);
    expect(sample(await a.text(), 'actor_core_cache_hits_total')).toBe(1);
  });

  it('counts read-through lookups: a fill is a miss (and a fill)', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    for (const outcome of ['hit', 'hit', 'fill', 'miss'] as const) metrics.onCacheLookup(outcome);
    const text = await metrics.text();
    expect(sample(text, 'actor_core_cache_hits_total')).toBe(2);
    expect(sample(text, 'actor_core_cache_misses_total')).toBe(2);
    expect(sample(text, 'actor_core_cache_fills_total')).toBe(1);
  });

  it('records a finished job: duration, batch size, outcomes, per-actor errors, active actors', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.recordJob({
      queue: 'q',
      actors: 5,
      seconds: 0.2,
      result: result({ written: 3, current: 1, failed: 1 }, { bad: 'UNKNOWN_BUCKET' }),
    });
    metrics.recordJob({ queue: 'q', actors: 2, seconds: 1.5, errorCode: 'STORE_UNAVAILABLE' });
    metrics.recordPhase('q', 'load', 12);
    const text = await metrics.text();
    const completed = { queue: 'q', outcome: 'completed' };
    expect(sample(text, 'actor_core_job_duration_seconds_count', completed)).toBe(1);
    expect(sample(text, 'actor_core_job_duration_seconds_sum', completed)).toBeCloseTo(0.2);
    expect(sample(text, 'actor_core_job_duration_seconds_count', { queue: 'q', outcome: 'failed' })).toBe(1);
    expect(sample(text, 'actor_core_job_batch_size_count', { queue: 'q' })).toBe(2);
    expect(sample(text, 'actor_core_job_batch_size_bucket', { queue: 'q', le: '5' })).toBe(2);
    expect(sample(text, 'actor_core_actors_total', { queue: 'q', outcome: 'written' })).toBe(3);
    expect(sample(text, 'actor_core_actors_total', { queue: 'q', outcome: 'failed' })).toBe(1);
    expect(sample(text, 'actor_core_errors_total', { code: 'UNKNOWN_BUCKET' })).toBe(1);
    expect(sample(text, 'actor_core_errors_total', { code: 'STORE_UNAVAILABLE' })).toBe(1);
    expect(sample(text, 'actor_core_active_actors')).toBe(5);
    expect(
      sample(text, 'actor_core_job_phase_duration_seconds_sum', { queue: 'q', phase: 'load' }),
    ).toBeCloseTo(0.012);
  });

  it('spreads a thread chunk’s resolveNs over its actors: exact count and sum', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.recordChunk(50, 2_500_000); // 2.5 ms for 50 actors: 50 µs each
    metrics.recordChunk(0, 1000); // nothing to spread
    const text = await metrics.text();
    expect(sample(text, 'actor_core_actor_resolve_duration_seconds_count')).toBe(50);
    expect(sample(text, 'actor_core_actor_resolve_duration_seconds_sum')).toBeCloseTo(0.0025, 9);
    expect(sample(text, 'actor_core_actor_resolve_duration_seconds_bucket', { le: '0.00005' })).toBe(50);
  });

  it('reads job counts and the pool at scrape time; a queue that fails or hangs just has no series', async () => {
    const good: JobCountsSource = { name: 'bulk', getJobCounts: async () => ({ waiting: 3, active: 1 }) };
    const broken: JobCountsSource = { name: 'broken', getJobCounts: () => Promise.reject(new Error('down')) };
    const hanging: JobCountsSource = { name: 'hanging', getJobCounts: () => new Promise(() => undefined) };
    const metrics = createMetrics({
      defaultMetrics: false,
      queues: [good, broken, hanging],
      scrapeTimeoutMs: 50,
    });
    metrics.observePool({ utilization: 0.25, queueSize: 4, threads: [1, 2] });
    const text = await metrics.text();
    expect(sample(text, 'actor_core_queue_jobs', { queue: 'bulk', state: 'waiting' })).toBe(3);
    expect(sample(text, 'actor_core_queue_jobs', { queue: 'bulk', state: 'active' })).toBe(1);
    expect(text).not.toMatch(/queue="(broken|hanging)"/);
    expect(sample(text, 'actor_core_pool_utilization')).toBe(0.25);
    expect(sample(text, 'actor_core_pool_queue_size')).toBe(4);
    expect(sample(text, 'actor_core_pool_threads')).toBe(2);
  });

  it('keeps error codes bounded as label values', () => {
    expect(errorCodeLabel('STORE_UNAVAILABLE')).toBe('STORE_UNAVAILABLE');
    expect(errorCodeLabel('something the user typed')).toBe('OTHER');
    expect(errorCodeLabel(undefined)).toBe('OTHER');
  });
});

describe('SlidingWindowCount', () => {
  it('counts the events of the last window and forgets older ones', () => {
    let now = 1_000_000;
    const window = new SlidingWindowCount(60_000, 60, () => now);
    window.add(5);
    now += 30_000;
    window.add(2);
    expect(window.total()).toBe(7);
    now += 31_000; // the first add is 61 s old
    expect(window.total()).toBe(2);
    now += 60_000;
    expect(window.total()).toBe(0);
  });
});
