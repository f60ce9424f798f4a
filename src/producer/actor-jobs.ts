/**
 * Single-actor jobs, deduplicated by actor, and the id a request gets back: the id of a job that starts
 * after the request, so that waiting for it waits for data at least as new as the request's.
 *
 * BullMQ (deduplication with `keepLastIfActive`) keeps one job per dedup id: an add while that job
 * waits adds nothing and returns its id (it starts later: it covers the request); an add while it is
 * active stores the request as the job to create when the active one finishes (its "follow-up") and
 * returns the active job's id, which does not cover the request. The follow-up is created under the
 * job id the storing add asked for, and the last add during a run wins. So every request gives as job
 * id a name derived from the job it found (`actorJobId`): whichever add wins, the follow-up has the
 * id every requester of that run was given. A request then returns its own id when the follow-up was
 * stored (or already created), and the job's when it had not started yet. (A job created and started
 * between one request's read and add makes that add store a random id; that request, and any other
 * that finds the job running with another follow-up stored, adds again, storing the shared one, and
 * waitForResults waits for a follow-up id while the run goes on. Only if the run also ends in between
 * can a requester's id name a job that is never created, and waitForResults then says it does not
 * exist.)
 *
 * Forced requests have a dedup id of their own: a waiting plain job, which may find the actor current
 * and write nothing, must not swallow a request to rewrite it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { RESOLVE_JOB, actorDedupId, type ResolveJobData, type ResolveJobResult } from '../queue/resolve-jobs';

type ResolveQueue = Queue<ResolveJobData, ResolveJobResult>;

/**
 * The producer's command deadline: `promise`, or a transient STORE_UNAVAILABLE once it has taken too
 * long. Aborting `signal` drops the deadline (its timer would otherwise outlive a finished wait).
 */
export type Bounded = <T>(promise: Promise<T>, signal?: AbortSignal) => Promise<T>;

export interface ActorJobRequest {
  queue: ResolveQueue;
  /** The caller's connection (the queue's), for the reads BullMQ has no call for. */
  connection: Redis;
  /** `i.` for the interactive lane, '' for the main queue. */
  lanePrefix: string;
  actorId: string;
  data: ResolveJobData;
  priority: number;
  bounded: Bounded;
}

/** How often the dedup key may move between our read and our add before we take what the add gave. */
const ATTEMPTS = 3;

export function dedupIdOf(actorId: string, force: boolean): string {
  return force ? `force.${actorDedupId(actorId)}` : actorDedupId(actorId);
}

/**
 * A single-actor job id: `[i.]actor.<id>.n<20 hex>` (`.f` when forced), unique per job it follows (or
 * random for a first job), and parseable back to its dedup id. It matches the API's job id pattern and
 * cannot equal a write's `actor.<id>.v<version>`.
 */
export function actorJobId(
  lanePrefix: string,
  actorId: string,
  force: boolean,
  follows: string | null,
): string {
  const tag =
    follows === null
      ? randomBytes(10).toString('hex')
      : createHash('sha256').update(follows).digest('hex').slice(0, 20);
  return `${lanePrefix}${actorDedupId(actorId)}.${force ? 'f' : 'n'}${tag}`;
}

const ACTOR_JOB_ID = /^(?:i\.)?(actorx?\..+)\.([nf])[0-9a-f]{20}$/;

/** The dedup id of a single-actor job id, or undefined for any other job id. */
export function dedupIdOfJob(jobId: string): string | undefined {
  const match = ACTOR_JOB_ID.exec(jobId);
  if (match === null) return undefined;
  return match[2] === 'f' ? `force.${match[1]}` : match[1];
}

/** Enqueues one actor's job, deduplicated; returns the id of the job that covers this request. */
export async function addActorJob(request: ActorJobRequest): Promise<string> {
  const { queue, lanePrefix, actorId, data, bounded } = request;
  const force = data.force === true;
  const dedupId = dedupIdOf(actorId, force);
  for (let attempt = 1; ; attempt++) {
    const current = await bounded(queue.getDeduplicationJobId(dedupId));
    const jobId = actorJobId(lanePrefix, actorId, force, current);
    const job = await bounded(
      queue.add(RESOLVE_JOB, data, {
        ...(request.priority > 0 ? { priority: request.priority } : {}),
        jobId,
        // keepLastIfActive: a request during the run gets exactly one follow-up job.
        deduplication: { id: dedupId, keepLastIfActive: true },
      }),
    );
    const found = job.id!;
    // Ours: a new job, or the follow-up of `current`, already created.
    if (found === jobId) return jobId;
    if (found === current) {
      const covered = await bounded(coverage(request.connection, queue, dedupId, jobId, current));
      if (covered === 'follow-up') return jobId;
      if (covered === 'waiting') return found; // it starts after this request
      // `current` runs, and the follow-up stored is not ours: a requester whose read was stale
      // stored a random id. Adding again stores ours (its own next attempt stores ours too).
      if (attempt === ATTEMPTS) return jobId;
      continue;
    }
    // The dedup key moved between the read and the add; an add during a run may have stored our
    // (non-canonical) id as the follow-up: the next attempt stores the canonical one.
    if (attempt === ATTEMPTS) return found;
  }
}

/**
 * What covers a request whose add found `current`: `follow-up` when `jobId` is the follow-up stored
 * (or already created), `waiting` when `current` has not started (it covers the request), `running`
 * when it runs and the follow-up stored is another id. An active job holds its lock key.
 */
async function coverage(
  connection: Redis,
  queue: ResolveQueue,
  dedupId: string,
  jobId: string,
  current: string,
): Promise<'follow-up' | 'waiting' | 'running'> {
  // One transaction: the follow-up is created (and its stored copy deleted) in one script.
  const [jid, created, running] = await replies(
    connection
      .multi()
      .hget(queue.toKey(`dn:${dedupId}`), 'jid')
      .exists(queue.toKey(jobId))
      .exists(queue.toKey(`${current}:lock`)),
  );
  if (jid === jobId || created === 1) return 'follow-up';
  return running === 1 ? 'running' : 'waiting';
}

/**
 * Whether a single-actor job id that Redis does not hold may still be created: it is the stored
 * follow-up, or the actor's current job still runs (a requester may yet store this id as its
 * follow-up: see `addActorJob`). Once that run has ended under another follow-up, it never will.
 */
export async function followUpMayCome(
  connection: Redis,
  queue: ResolveQueue,
  dedupId: string,
  jobId: string,
): Promise<boolean> {
  const [jid, created, current] = await replies(
    connection
      .multi()
      .hget(queue.toKey(`dn:${dedupId}`), 'jid')
      .exists(queue.toKey(jobId))
      .get(queue.toKey(`de:${dedupId}`)),
  );
  if (jid === jobId || created === 1) return true;
  if (typeof current !== 'string') return false;
  return (await connection.exists(queue.toKey(`${current}:lock`))) === 1;
}

/** The replies of a transaction, or its first error. */
async function replies(multi: ReturnType<Redis['multi']>): Promise<unknown[]> {
  const results = await multi.exec();
  if (results === null) throw new Error('the transaction was aborted');
  for (const [err] of results) if (err !== null) throw err;
  return results.map(([, value]) => value);
}
