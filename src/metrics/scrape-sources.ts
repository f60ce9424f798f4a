/**
 * What the registry reads at scrape time instead of on every event: BullMQ job counts (one Redis round
 * trip per queue, so only when Prometheus asks) and the piscina pool's state. The shapes are structural
 * so that tests, the API (a producer's queues) and the worker (its own) can all pass what they have.
 */

/** A BullMQ `Queue` (only its name and `getJobCounts()` are used). */
export interface JobCountsSource {
  readonly name: string;
  getJobCounts(): Promise<Record<string, number>>;
}

/** A piscina pool (`ResolvePool.piscina`). */
export interface PoolStatsSource {
  /** Share of the pool's capacity used since it started, 0..1. */
  readonly utilization: number;
  /** Tasks waiting for a thread. */
  readonly queueSize: number;
  readonly threads: readonly unknown[];
}

/** `work`, or undefined after `ms` (a dead Redis must not hold the scrape; the caller gets no series). */
export async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Job counts of each queue by state; a queue that fails or times out is left out. */
export async function readJobCounts(
  queues: readonly JobCountsSource[],
  timeoutMs: number,
): Promise<{ queue: string; counts: Record<string, number> }[]> {
  const read = await Promise.all(
    queues.map(async (queue) => ({
      queue: queue.name,
      counts: await withTimeout(queue.getJobCounts(), timeoutMs),
    })),
  );
  return read.filter((r): r is { queue: string; counts: Record<string, number> } => r.counts !== undefined);
}
