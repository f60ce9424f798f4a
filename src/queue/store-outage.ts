/**
 * How a job rides out a lost Postgres or Redis connection (STORE_UNAVAILABLE). Failing it would spend
 * one of its attempts each time, and every worker fails fast through the whole backlog while the store
 * is down: a few seconds of outage would fail jobs for good. Instead the job is parked (moved to
 * `delayed`, which BullMQ does not count as an attempt) for a delay doubling from the queue's backoff up
 * to `maxDelayMs`, with jitter so that parked jobs do not come back all at once. An outage that lasts
 * past `maxParkedRuns` parkings is treated as a failure again, so a store that never returns (a wrong
 * password, a dropped database) still ends in `failed` after the usual attempts.
 */
export const STORE_OUTAGE = {
  /** Longest single parking. */
  maxDelayMs: 30_000,
  /** Parkings per job before STORE_UNAVAILABLE counts as an attempt (at 30 s each, about 50 minutes). */
  maxParkedRuns: 100,
} as const;

/** What BullMQ knows of a job's runs. */
export interface JobRuns {
  /** Times the job was moved to active (parkings, retries and stalls included). */
  attemptsStarted: number;
  /** Runs that failed and counted. */
  attemptsMade: number;
  /** Times it was recovered as stalled. */
  stalledCounter: number;
}

/** Runs that ended in a parking, as far as the counters tell (the current run not included). */
export function parkedRuns(job: JobRuns): number {
  return Math.max(0, job.attemptsStarted - 1 - job.attemptsMade - job.stalledCounter);
}

/**
 * How long to park a job that lost its store, or undefined when it has been parked often enough and
 * should fail (and be retried) as any other transient failure. `random` is in [0, 1).
 */
export function storeOutageDelay(
  job: JobRuns,
  backoffMs: number,
  random: () => number = Math.random,
): number | undefined {
  const parked = parkedRuns(job);
  if (parked >= STORE_OUTAGE.maxParkedRuns) return undefined;
  const full = Math.min(STORE_OUTAGE.maxDelayMs, backoffMs * 2 ** Math.min(parked, 20));
  // Half fixed, half random: never sooner than half the delay, never later than the whole of it.
  return Math.round(full / 2 + (full / 2) * random());
}
