/**
 * The producer library: how other services (in process, with their own Redis connection), the API and
 * the CLI enqueue actor resolutions. Bulk requests become batch jobs; single actors become deduplicated
 * jobs, so re-enqueueing an actor that is already waiting adds no work.
 */
import { Job, Queue, QueueEvents, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { QueueSettings } from '../../config/settings';
import { checkActorId } from '../adapters/pg/actor-id';
import { storeError } from '../adapters/redis/store-error';
import { runQuery } from '../adapters/pg/pg-pool';
import { ActorCoreError } from '../core/errors';
import { queueOptions } from '../queue/queue-options';
import { randomUUID } from 'node:crypto';
import {
  actorDedupId,
  INTERACTIVE_JOB_PREFIX,
  interactiveQueueName,
  PRIORITY_VALUES,
  RESOLVE_JOB,
  type ResolveJobData,
  type ResolveJobResult,
  type ResolvePriority,
} from '../queue/resolve-jobs';

export interface ProducerOptions {
  /**
   * The caller's Redis connection. For a producer, create it to fail fast when Redis is down
   * (`enableOfflineQueue: false`, a small `maxRetriesPerRequest`): see `producerRedisOptions`.
   */
  connection: Redis;
  queue: QueueSettings;
  /** Needed by `enqueueAll` only: where the actor ids come from. */
  pool?: pg.Pool;
  /**
   * BullMQ re-emits the connection's errors on each queue, and prints them when nobody listens. The
   * caller's connection reports them already and calls fail with STORE_UNAVAILABLE, so by default
   * they are dropped here; give a listener to log them.
   */
  onQueueError?: (err: Error) => void;
}

export interface EnqueueOptions {
  /** Default `bulk` for several actors, `interactive` for one. */
  priority?: ResolvePriority;
  /** Actors per job for bulk requests; default from the queue settings. */
  batchSize?: number;
  /** Resolve even when the stored snapshot is current. */
  force?: boolean;
}

export interface EnqueueResult {
  jobIds: string[];
  actors: number;
}

export interface EnqueueAllFilter {
  /** Only actors whose stored snapshot is missing or older than the actor (e.g. after an outage). */
  stale?: boolean;
}

/** ioredis options for a producer connection: commands fail at once when Redis is unreachable. */
export const producerRedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 5000,
} as const;

const ADD_BULK_CHUNK = 1000;

export class ResolveProducer {
  /** Bulk and change jobs. */
  readonly queue: Queue<ResolveJobData, ResolveJobResult>;
  /** Interactive jobs (their own lane: see `interactiveQueueName`). */
  readonly interactiveQueue: Queue<ResolveJobData, ResolveJobResult>;
  private readonly settings: QueueSettings;
  private readonly pool: pg.Pool | undefined;
  private readonly connection: Redis;
  private readonly events = new Map<string, Promise<QueueEvents>>();
  private readonly onQueueError: (err: Error) => void;

  constructor(options: ProducerOptions) {
    this.settings = options.queue;
    this.pool = options.pool;
    this.connection = options.connection;
    const opts = queueOptions(options.queue, options.connection as ConnectionOptions);
    this.queue = new Queue<ResolveJobData, ResolveJobResult>(options.queue.name, opts);
    this.interactiveQueue = new Queue<ResolveJobData, ResolveJobResult>(
      interactiveQueueName(options.queue.name),
      opts,
    );
    this.onQueueError = options.onQueueError ?? ((): void => undefined);
    for (const queue of [this.queue, this.interactiveQueue]) queue.on('error', this.onQueueError);
  }

  /** The queue that holds a job, from its id. */
  queueOf(jobId: string): Queue<ResolveJobData, ResolveJobResult> {
    return jobId.startsWith(INTERACTIVE_JOB_PREFIX) ? this.interactiveQueue : this.queue;
  }

  /** Enqueues the resolution of these actors; returns the ids of the jobs that carry them. */
  async enqueueResolve(actorIds: readonly string[], options: EnqueueOptions = {}): Promise<EnqueueResult> {
    actorIds.forEach((id, i) => checkActorId(id, `actorIds[${i}]`));
    const unique = [...new Set(actorIds)];
    if (unique.length === 0) return { jobIds: [], actors: 0 };
    const priority = options.priority ?? (unique.length === 1 ? 'interactive' : 'bulk');
    const batchSize = options.batchSize ?? this.settings.batchSize;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new ActorCoreError('INVALID_CONFIG', `batchSize must be an integer ≥ 1, got ${batchSize}`, {
        field: 'batchSize',
      });
    }
    const enqueuedAt = Date.now();
    const base: JobsOptions = PRIORITY_VALUES[priority] > 0 ? { priority: PRIORITY_VALUES[priority] } : {};
    const jobs =
      priority === 'bulk'
        ? chunk(unique, batchSize).map((ids) => ({
            name: RESOLVE_JOB,
            data: jobData(ids, enqueuedAt, options.force),
            opts: base,
          }))
        : unique.map((id) => ({
            name: RESOLVE_JOB,
            data: jobData([id], enqueuedAt, options.force),
            // keepLastIfActive: a write during the resolution gets exactly one follow-up job.
            opts: { ...base, deduplication: { id: actorDedupId(id), keepLastIfActive: true } },
          }));
    await this.connected();
    const target = priority === 'interactive' ? this.interactiveQueue : this.queue;
    if (priority === 'interactive') {
      for (const job of jobs) (job.opts as JobsOptions).jobId = `${INTERACTIVE_JOB_PREFIX}${randomUUID()}`;
    }
    const jobIds: string[] = [];
    for (const part of chunk(jobs, ADD_BULK_CHUNK)) {
      const added = await target
        .addBulk(part)
        .catch((err: unknown) => Promise.reject(storeError(err, `enqueueing ${part.length} jobs`)));
      for (const job of added) jobIds.push(job.id!);
    }
    return { jobIds, actors: unique.length };
  }

  /**
   * Enqueues the actor's resolution at a version it has just reached (after a write): the job id names
   * actor and version, so enqueueing the same version again adds nothing while that job exists, and
   * the returned id is the job that resolves this version (or a later one).
   */
  async enqueueAtVersion(actorId: string, version: number, options: EnqueueOptions = {}): Promise<string> {
    checkActorId(actorId);
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new ActorCoreError(
        'INVALID_VERSION',
        `version must be an integer from 1 to 2^53 − 1, got ${version}`,
        {
          field: 'version',
          actorId,
        },
      );
    }
    const lane = options.priority ?? 'change';
    const priority = PRIORITY_VALUES[lane];
    await this.connected();
    const target = lane === 'interactive' ? this.interactiveQueue : this.queue;
    const prefix = lane === 'interactive' ? INTERACTIVE_JOB_PREFIX : '';
    // A connection lost mid-command is STORE_UNAVAILABLE (transient), like one lost before it.
    const job = await target
      .add(RESOLVE_JOB, jobData([actorId], Date.now(), options.force), {
        ...(priority > 0 ? { priority } : {}),
        jobId: `${prefix}${actorDedupId(actorId)}.v${version}`,
      })
      .catch((err: unknown) =>
        Promise.reject(storeError(err, `enqueueing actor ${actorId} at version ${version}`, { actorId })),
      );
    return job.id!;
  }

  /**
   * Fails fast instead of waiting for a Redis that is not there: BullMQ would wait for the connection
   * to become ready (forever, while ioredis keeps reconnecting), so the fail-fast options never apply.
   */
  private async connected(): Promise<void> {
    const connection = this.connection;
    if (connection.status === 'ready') return;
    const unavailable = (): ActorCoreError =>
      new ActorCoreError(
        'STORE_UNAVAILABLE',
        `Redis is unavailable (connection ${connection.status})`,
        {},
        false,
      );
    if (connection.status === 'wait') void connection.connect().catch(() => undefined);
    else if (connection.status !== 'connecting' && connection.status !== 'connect') throw unavailable();
    const limit = connection.options.connectTimeout ?? 10_000;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        clearTimeout(timer);
        connection.off('ready', onReady);
        connection.off('reconnecting', onDown);
        connection.off('end', onDown);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onReady = (): void => done();
      const onDown = (): void => done(unavailable());
      const timer = setTimeout(onDown, limit);
      connection.once('ready', onReady);
      connection.once('reconnecting', onDown);
      connection.once('end', onDown);
    });
  }

  /** Enqueues every actor in Postgres (or only the stale ones), in id order, page by page. */
  async enqueueAll(filter: EnqueueAllFilter = {}, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    if (this.pool === undefined) {
      throw new ActorCoreError('INVALID_CONFIG', 'enqueueAll needs a Postgres pool (ProducerOptions.pool)', {
        field: 'pool',
      });
    }
    const page = Math.max(options.batchSize ?? this.settings.batchSize, 1) * 20;
    const stale = filter.stale === true;
    const total: EnqueueResult = { jobIds: [], actors: 0 };
    let after = '';
    for (;;) {
      const result = await runQuery<{ id: string }>(
        this.pool,
        'listing actors to enqueue',
        `SELECT a.id FROM actors a
         WHERE a.id > $1 AND (NOT $3 OR NOT EXISTS (
           SELECT 1 FROM snapshots s WHERE s.actor_id = a.id AND s.version >= a.version))
         ORDER BY a.id LIMIT $2`,
        [after, page, stale],
      );
      const ids = result.rows.map((row) => row.id);
      if (ids.length === 0) break;
      const added = await this.enqueueResolve(ids, { ...options, priority: options.priority ?? 'bulk' });
      total.jobIds.push(...added.jobIds);
      total.actors += added.actors;
      after = ids[ids.length - 1]!;
      if (ids.length < page) break;
    }
    return total;
  }

  /**
   * Waits for these jobs to finish and returns their results in the same order; rejects with the first
   * job that failed for good, or on timeout. One events listener serves any number of jobs.
   */
  async waitForResults(jobIds: readonly string[], timeoutMs = 60_000): Promise<ResolveJobResult[]> {
    const sources = await this.allQueueEvents();
    const pending = new Map<string, { resolve: (r: ResolveJobResult) => void; reject: (e: Error) => void }>();
    const results = jobIds.map((id) => {
      const result = new Promise<ResolveJobResult>((resolve, reject) =>
        pending.set(id, {
          resolve: (r) => (pending.delete(id), resolve(r)),
          reject: (e) => (pending.delete(id), reject(e)),
        }),
      );
      result.catch(() => undefined); // awaited below; a failure settled early must not go unhandled meanwhile
      return result;
    });
    const onCompleted = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }): void => {
      pending.get(jobId)?.resolve(parseResult(returnvalue));
    };
    const onFailed = ({ jobId, failedReason }: { jobId: string; failedReason: string }): void => {
      pending.get(jobId)?.reject(new Error(`job ${jobId} failed: ${failedReason}`));
    };
    for (const events of sources) {
      events.on('completed', onCompleted);
      events.on('failed', onFailed);
    }
    // Events only reach a listener whose stream read had begun: one that finished in between is found
    // by reading the job's state, now and then again every second while anything is pending.
    const readStates = async (): Promise<void> => {
      await Promise.all(
        [...pending.keys()].map(async (id) => {
          const job = await Job.fromId<ResolveJobData, ResolveJobResult>(this.queueOf(id), id);
          if (job === undefined)
            pending.get(id)?.reject(new Error(`job ${id} does not exist (or was removed)`));
          else if (job.finishedOn === undefined) return;
          else if (job.failedReason === undefined) pending.get(id)?.resolve(job.returnvalue);
          else if ((await job.getState()) === 'failed')
            pending.get(id)?.reject(new Error(`job ${id} failed: ${job.failedReason}`));
        }),
      );
    };
    let timer: NodeJS.Timeout | undefined;
    let poller: NodeJS.Timeout | undefined;
    try {
      await readStates();
      poller = setInterval(() => void readStates().catch(() => undefined), 1000);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`jobs not finished after ${timeoutMs} ms`)), timeoutMs);
      });
      return await Promise.race([Promise.all(results), timeout]);
    } finally {
      clearTimeout(timer);
      clearInterval(poller);
      for (const events of sources) {
        events.off('completed', onCompleted);
        events.off('failed', onFailed);
      }
    }
  }

  /** The events (completed, failed, …) of the bulk queue, or of the interactive one. */
  queueEvents(lane: 'bulk' | 'interactive' = 'bulk'): Promise<QueueEvents> {
    const name = lane === 'interactive' ? interactiveQueueName(this.settings.name) : this.settings.name;
    let events = this.events.get(name);
    if (events === undefined) {
      const created = new QueueEvents(name, {
        // Options, not an instance: QueueEvents then owns (and closes) its blocking connection (XREAD).
        connection: {
          ...this.connection.options,
          enableOfflineQueue: true,
          maxRetriesPerRequest: null,
          // XREAD BLOCK waits on purpose: a caller's command timeout (the API's) must not cut it.
          commandTimeout: undefined,
        } as unknown as ConnectionOptions,
        prefix: this.settings.prefix,
      });
      created.on('error', this.onQueueError);
      events = created.waitUntilReady().then(() => created);
      this.events.set(name, events);
    }
    return events;
  }

  /** The events of both queues. */
  allQueueEvents(): Promise<QueueEvents[]> {
    return Promise.all([this.queueEvents('bulk'), this.queueEvents('interactive')]);
  }

  /** Closes the queues (and the events listeners); the caller's connection stays open. */
  async close(): Promise<void> {
    for (const events of this.events.values()) await (await events).close();
    await this.queue.close();
    await this.interactiveQueue.close();
  }
}

/** Event payloads carry the return value as JSON text. */
function parseResult(value: unknown): ResolveJobResult {
  return (typeof value === 'string' ? JSON.parse(value) : value) as ResolveJobResult;
}

function jobData(actorIds: string[], enqueuedAt: number, force: boolean | undefined): ResolveJobData {
  return force === true ? { actorIds, enqueuedAt, force } : { actorIds, enqueuedAt };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
