/**
 * The actor-resolution jobs: what a job carries, what it returns, and how jobs are named, prioritised
 * and deduplicated. Producers and workers share this file and nothing else about jobs.
 */

/** The one job name of the queue. */
export const RESOLVE_JOB = 'resolve';

export interface ResolveJobData {
  /** The actors to resolve (each at its version in Postgres when the job runs). */
  actorIds: string[];
  /** Resolve even actors whose stored snapshot is already current. */
  force?: boolean;
  /** When the producer enqueued it (ms since the epoch), for enqueue-to-snapshot latency. */
  enqueuedAt: number;
}

/** What happened to one actor of a job. */
export type ActorOutcome =
  | 'written' // resolved; the snapshot is in Postgres and Redis
  | 'current' // its snapshot was already at its version and registry in Postgres (copied to Redis if missing there)
  | 'stale' // resolved, but a newer snapshot was stored meanwhile (in Postgres or Redis): kept the newer one
  | 'failed' // its outputs are invalid: permanent, error kept in resolution_errors
  | 'missing'; // no such actor

export interface ResolveJobResult {
  outcomes: Record<string, ActorOutcome>;
  counts: Record<ActorOutcome, number>;
  /** For failed actors: the error code. */
  errors: Record<string, string>;
  /** When the last write finished (ms since the epoch). */
  finishedAt: number;
}

/**
 * Interactive requests have a lane of their own: a second queue, `<name>-interactive`, which every
 * worker process serves with slots of its own, resolving on the main thread. A priority alone is not
 * enough: it orders the waiting jobs, but an interactive job would still wait for a slot held by a bulk
 * job (hundreds of ms) and then behind that job's chunks on the threads.
 */
export function interactiveQueueName(name: string): string {
  return `${name}-interactive`;
}

/** Interactive jobs get ids with this prefix, so a job id tells which queue holds it. */
export const INTERACTIVE_JOB_PREFIX = 'i.';

/** Who is waiting: an interactive request overtakes writes, which overtake bulk runs. */
export type ResolvePriority = 'interactive' | 'change' | 'bulk';

/**
 * BullMQ priorities: 0 means none, and jobs without one are taken before prioritized jobs; among
 * prioritized jobs lower numbers go first.
 */
export const PRIORITY_VALUES: Readonly<Record<ResolvePriority, number>> = {
  interactive: 0,
  change: 1,
  bulk: 10,
};

/**
 * The deduplication id of a single-actor job. While such a job waits, re-enqueueing the actor adds
 * nothing: the waiting job reads the actor's newest version when it runs. The id is a Redis key part,
 * and BullMQ job ids must not contain ':', so the actor id is hex-encoded when it has unusual characters.
 */
export function actorDedupId(actorId: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(actorId)
    ? `actor.${actorId}`
    : `actorx.${Buffer.from(actorId, 'utf8').toString('hex')}`;
}

export function emptyCounts(): Record<ActorOutcome, number> {
  return { written: 0, current: 0, stale: 0, failed: 0, missing: 0 };
}
