/**
 * The producer library: how other services (in process, with their own Redis connection), the API and
 * the CLI enqueue actor resolutions. Bulk requests become batch jobs; single actors become deduplicated
 * jobs, so re-enqueueing an actor that is already waiting adds no work.
 *
 * Every call is bounded in time: it waits for a connecting connection at most its connect timeout, and
 * for each command at most `commandTimeoutMs`, then fails with a transient STORE_UNAVAILABLE.
 */
import { Queue, type ConnectionOptions, type QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { QueueSettings } from '../../config/settings';
import { checkActorId } from '../adapters/pg/actor-id';
import { runQuery } from '../adapters/pg/pg-pool';
import { describeValue } from '../core/check';
import { ActorCoreError } from '../core/errors';
import { queueOptions } from '../queue/queue-options';
import {
  INTERACTIVE_JOB_PREFIX,
  interactiveQueueName,
  PRIORITY_VALUES,
  RESOLVE_JOB,
  actorDedupId,
  type ResolveJobData,
  type ResolveJobResult,
} from '../queue/resolve-jobs';
import { addActorJob, type Bounded } from './actor-jobs';
import { ConnectionGate } from './connection-gate';
import { JobWaiter } from './job-waiter';
import { EnqueueIncompleteError, ProducerClosedError, redisFailure } from './producer-errors';
import {
  checkActorIds,
  checkEnqueueAllFilter,
  checkEnqueueOptions,
  checkJobIds,
  checkMs,
  checkProducerOptions,
  type EnqueueAllFilter,
  type EnqueueOptions,
  type EnqueueResult,
  type ProducerOptions,
} from './producer-options';

export {
  PRODUCER_COMMAND_TIMEOUT_MS,
  producerRedisOptions,
  type EnqueueAllFilter,
  type EnqueueOptions,
  type EnqueueResult,
  type ProducerOptions,
} from './producer-options';

/** Adds sent to Redis at once: a failure stops the call after the batch it happened in. */
const ADD_CHUNK = 1000;

/** One job to add, and the actors it carries. */
interface PlannedJob {
  actorIds: string[];
  add: () => Promise<string>;
}

export class ResolveProducer {
  /** Bulk and change jobs. */
  readonly queue: Queue<ResolveJobData, ResolveJobResult>;
  /** Interactive jobs (their own lane: see `interactiveQueueName`). */
  readonly interactiveQueue: Queue<ResolveJobData, ResolveJobResult>;
  private readonly settings: QueueSettings;
  private readonly pool: pg.Pool | undefined;
  private readonly connection: Redis;
  private readonly commandTimeoutMs: number;
  private readonly gate: ConnectionGate;
  private readonly waiter: JobWaiter;
  private closing: Promise<void> | undefined;

  constructor(options: ProducerOptions) {
    const checked = checkProducerOptions(options);
    this.settings = checked.queue;
    this.pool = checked.pool;
    this.connection = checked.connection;
    this.commandTimeoutMs = checked.commandTimeoutMs;
    const opts = queueOptions(checked.queue, checked.connection as ConnectionOptions);
    this.queue = new Queue<ResolveJobData, ResolveJobResult>(checked.queue.name, opts);
    this.interactiveQueue = new Queue<ResolveJobData, ResolveJobResult>(
      interactiveQueueName(checked.queue.name),
      opts,
    );
    for (const queue of [this.queue, this.interactiveQueue]) queue.on('error', checked.onQueueError);
    this.gate = new ConnectionGate(checked.connection);
    this.waiter = new JobWaiter({
      connection: checked.connection,
      prefix: checked.queue.prefix,
      queueOf: (jobId) => this.queueOf(jobId),
      onQueueError: checked.onQueueError,
      bounded: this.bounded,
      unavailable: () => (this.connection.status === 'ready' ? undefined : this.gate.unavailable()),
    });
  }

  /** The queue that holds a job, from its id. */
  queueOf(jobId: string): Queue<ResolveJobData, ResolveJobResult> {
    return jobId.startsWith(INTERACTIVE_JOB_PREFIX) ? this.interactiveQueue : this.queue;
  }

  /**
   * Enqueues the resolution of these actors; returns the ids of the jobs that carry them. A single-actor
   * job id is that of a job that starts after this call (see actor-jobs.ts). If Redis fails part-way,
   * the EnqueueIncompleteError says which actors were enqueued.
   */
  async enqueueResolve(actorIds: readonly string[], options: EnqueueOptions = {}): Promise<EnqueueResult> {
    this.assertOpen('enqueueResolve');
    const unique = [...new Set(checkActorIds(actorIds))];
    const { priority, batchSize, force } = checkEnqueueOptions(options);
    if (unique.length === 0) return { jobIds: [], actors: 0 };
    const lane = priority ?? (unique.length === 1 ? 'interactive' : 'bulk');
    await this.gate.ready();
    const enqueuedAt = Date.now();
    const jobs: PlannedJob[] =
      lane === 'bulk'
        ? chunk(unique, batchSize ?? this.settings.batchSize).map((ids) => ({
            actorIds: ids,
            add: async () => {
              const data = jobData(ids, enqueuedAt, force);
              return (
                await this.bounded(this.queue.add(RESOLVE_JOB, data, { priority: PRIORITY_VALUES.bulk }))
              ).id!;
            },
          }))
        : unique.map((id) => ({
            actorIds: [id],
            add: () =>
              addActorJob({
                queue: lane === 'interactive' ? this.interactiveQueue : this.queue,
                connection: this.connection,
                lanePrefix: lane === 'interactive' ? INTERACTIVE_JOB_PREFIX : '',
                actorId: id,
                data: jobData([id], enqueuedAt, force),
                priority: PRIORITY_VALUES[lane],
                bounded: this.bounded,
              }),
          }));
    return this.addAll(jobs, unique.length);
  }

  /**
   * Enqueues the actor's resolution at a version it has just reached (after a write): the job id names
   * actor and version, so enqueueing the same version again adds nothing while that job exists, and
   * the returned id is the job that resolves this version (or a later one).
   */
  async enqueueAtVersion(actorId: string, version: number, options: EnqueueOptions = {}): Promise<string> {
    this.assertOpen('enqueueAtVersion');
    checkActorId(actorId);
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
      throw new ActorCoreError(
        'INVALID_VERSION',
        `version must be an integer from 1 to 2^53 − 1, got ${describeValue(version)}`,
        { field: 'version', actorId },
      );
    }
    const checked = checkEnqueueOptions(options);
    const lane = checked.priority ?? 'change';
    const priority = PRIORITY_VALUES[lane];
    await this.gate.ready();
    const target = lane === 'interactive' ? this.interactiveQueue : this.queue;
    const prefix = lane === 'interactive' ? INTERACTIVE_JOB_PREFIX : '';
    // A connection lost mid-command is STORE_UNAVAILABLE (transient), like one lost before it.
    const job = await this.bounded(
      target.add(RESOLVE_JOB, jobData([actorId], Date.now(), checked.force), {
        ...(priority > 0 ? { priority } : {}),
        jobId: `${prefix}${actorDedupId(actorId)}.v${version}`,
      }),
    ).catch((err: unknown) =>
      Promise.reject(redisFailure(err, `enqueueing actor ${actorId} at version ${version}`, { actorId })),
    );
    return job.id!;
  }

  /**
   * Enqueues every actor in Postgres (or only the stale ones, or not those whose current version
   * failed validation), in id order, page by page.
   */
  async enqueueAll(filter: EnqueueAllFilter = {}, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    this.assertOpen('enqueueAll');
    const { stale, skipFailed } = checkEnqueueAllFilter(filter);
    const checked = checkEnqueueOptions(options);
    if (this.pool === undefined) {
      throw new ActorCoreError('INVALID_CONFIG', 'enqueueAll needs a Postgres pool (ProducerOptions.pool)', {
        field: 'pool',
      });
    }
    const page = (checked.batchSize ?? this.settings.batchSize) * 20;
    const total: EnqueueResult = { jobIds: [], actors: 0 };
    let after = '';
    for (;;) {
      const result = await runQuery<{ id: string }>(
        this.pool,
        'listing actors to enqueue',
        `SELECT a.id FROM actors a
         WHERE a.id > $1 AND (NOT $3 OR NOT EXISTS (
           SELECT 1 FROM snapshots s WHERE s.actor_id = a.id AND s.version >= a.version))
         AND (NOT $4 OR NOT EXISTS (
           SELECT 1 FROM resolution_errors e WHERE e.actor_id = a.id AND e.version >= a.version))
         ORDER BY a.id LIMIT $2`,
        [after, page, stale, skipFailed],
      );
      const ids = result.rows.map((row) => row.id);
      if (ids.length === 0) break;
      const added = await this.enqueueResolve(ids, {
        ...options,
        priority: checked.priority ?? 'bulk',
      }).catch((err: unknown) =>
        Promise.reject(err instanceof EnqueueIncompleteError ? withEarlierPages(err, total) : err),
      );
      total.jobIds.push(...added.jobIds);
      total.actors += added.actors;
      after = ids[ids.length - 1]!;
      if (ids.length < page) break;
    }
    return total;
  }

  /**
   * Waits for these jobs to finish and returns their results in the same order (an id given twice gets
   * the same result); rejects with the first job that failed for good, or after `timeoutMs` (which
   * covers connecting to Redis). One events reader per queue serves any number of waits.
   */
  async waitForResults(jobIds: readonly string[], timeoutMs = 60_000): Promise<ResolveJobResult[]> {
    this.assertOpen('waitForResults');
    const ids = checkJobIds(jobIds);
    const ms = checkMs(timeoutMs, 'timeoutMs');
    const queues = [...new Set(ids.map((id) => this.queueOf(id).name))];
    return this.waiter.wait(ids, queues, ms);
  }

  /** The events (completed, failed, …) of the bulk queue, or of the interactive one, once connected. */
  queueEvents(lane: 'bulk' | 'interactive' = 'bulk'): Promise<QueueEvents> {
    this.assertOpen('queueEvents');
    if (lane !== 'bulk' && lane !== 'interactive') {
      throw new ActorCoreError(
        'INVALID_TYPE',
        `lane must be bulk or interactive, got ${describeValue(lane)}`,
        {
          field: 'lane',
        },
      );
    }
    return this.waiter.reader(lane === 'interactive' ? this.interactiveQueue.name : this.queue.name);
  }

  /** The events of both queues. */
  allQueueEvents(): Promise<QueueEvents[]> {
    return Promise.all([this.queueEvents('bulk'), this.queueEvents('interactive')]);
  }

  /**
   * Closes the queues and the events readers, without waiting for Redis; the caller's connection stays
   * open. Calls still waiting fail, and later calls fail with ProducerClosedError.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.gate.dispose(new ProducerClosedError('waiting for Redis'));
      await this.waiter.close(new ProducerClosedError('waitForResults'));
      await this.queue.close();
      await this.interactiveQueue.close();
    })();
    return this.closing;
  }

  private assertOpen(call: string): void {
    if (this.closing !== undefined) throw new ProducerClosedError(call);
  }

  /** Adds the jobs, 1000 at a time; stops after the batch in which one failed, saying what was added. */
  private async addAll(jobs: PlannedJob[], actors: number): Promise<EnqueueResult> {
    const jobIds: string[] = [];
    let enqueued = 0;
    for (let start = 0; start < jobs.length; start += ADD_CHUNK) {
      const part = jobs.slice(start, start + ADD_CHUNK);
      const outcomes = await Promise.allSettled(part.map((job) => job.add()));
      let failure: unknown;
      const missing: string[] = [];
      outcomes.forEach((outcome, i) => {
        if (outcome.status === 'fulfilled') {
          jobIds.push(outcome.value);
          enqueued += part[i]!.actorIds.length;
        } else {
          failure ??= outcome.reason;
          missing.push(...part[i]!.actorIds);
        }
      });
      if (failure !== undefined) {
        for (const job of jobs.slice(start + ADD_CHUNK)) missing.push(...job.actorIds);
        const cause = redisFailure(failure, `enqueueing ${actors} actors`);
        throw new EnqueueIncompleteError(actors, enqueued, jobIds, missing, cause);
      }
    }
    return { jobIds, actors };
  }

  /** See Bounded. */
  private readonly bounded: Bounded = <T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> => {
    const ms = this.commandTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new ActorCoreError('STORE_UNAVAILABLE', `Redis did not answer within ${ms} ms`, {}, false)),
        ms,
      );
      onAbort = (): void => reject(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return Promise.race([promise, deadline]).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort!);
    });
  };
}

/** An enqueueAll page's failure, counting the pages enqueued before it. */
function withEarlierPages(err: EnqueueIncompleteError, earlier: EnqueueResult): EnqueueIncompleteError {
  if (earlier.actors === 0) return err;
  return new EnqueueIncompleteError(
    earlier.actors + err.actors,
    earlier.actors + err.enqueuedActors,
    [...earlier.jobIds, ...err.enqueuedJobIds],
    err.notEnqueuedActorIds,
    err.cause as ActorCoreError,
  );
}

function jobData(actorIds: string[], enqueuedAt: number, force: boolean): ResolveJobData {
  return force ? { actorIds, enqueuedAt, force } : { actorIds, enqueuedAt };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
