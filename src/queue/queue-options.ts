/**
 * BullMQ options for the resolve queue, from the queue settings, in one place: the producer and the
 * workers must agree on name and prefix, and the retention limits keep Redis memory flat over a day.
 */
import type { DefaultJobOptions, QueueOptions, WorkerOptions } from 'bullmq';
import type { QueueSettings, WorkerSettings } from '../../config/settings';

/** Completed jobs kept for an hour (at most 10,000), failed ones for a week (at most 10,000). */
export const RETENTION = {
  completed: { age: 3600, count: 10_000 },
  failed: { age: 7 * 24 * 3600, count: 10_000 },
  /** Approximate cap of the queue's events stream (XADD MAXLEN ~). */
  events: 10_000,
} as const;

export function defaultJobOptions(queue: QueueSettings): DefaultJobOptions {
  return {
    attempts: queue.attempts,
    // Exponential backoff with jitter, so that workers retrying after an outage do not stampede.
    backoff: { type: 'exponential', delay: queue.backoffMs, jitter: 0.5 },
    removeOnComplete: { ...RETENTION.completed },
    removeOnFail: { ...RETENTION.failed },
  };
}

export function queueOptions(queue: QueueSettings, connection: QueueOptions['connection']): QueueOptions {
  return {
    connection,
    prefix: queue.prefix,
    defaultJobOptions: defaultJobOptions(queue),
    streams: { events: { maxLen: RETENTION.events } },
  };
}

export function workerOptions(
  queue: QueueSettings,
  worker: WorkerSettings,
  connection: WorkerOptions['connection'],
): WorkerOptions {
  return {
    connection,
    prefix: queue.prefix,
    concurrency: worker.concurrency,
    lockDuration: worker.lockDurationMs,
    stalledInterval: worker.stalledIntervalMs,
    // A job whose worker died twice is more likely the cause than the victim.
    maxStalledCount: 2,
    removeOnComplete: { ...RETENTION.completed },
    removeOnFail: { ...RETENTION.failed },
  };
}
