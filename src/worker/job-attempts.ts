/**
 * Whether BullMQ runs a job again after the attempt that is failing now: the same test as BullMQ's
 * Job.shouldRetryJob (`attemptsMade + 1 < opts.attempts`; attemptsMade counts the attempts that failed
 * before this one), for the worker's log line. An UnrecoverableError is never retried.
 */
import type { Job } from 'bullmq';

export function willRetry(job: Pick<Job, 'attemptsMade' | 'opts'>): boolean {
  const attempts = job.opts.attempts ?? 1;
  return job.attemptsMade + 1 < attempts;
}
