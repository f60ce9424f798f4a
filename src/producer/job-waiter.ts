/**
 * Waiting for jobs to finish. One events reader per queue (a QueueEvents on a blocking connection of
 * its own, opened on first use) serves every wait through one listener per event, so that concurrent
 * waits add no listeners. Events only reach a reader whose stream read has begun, and a job may have
 * finished before the wait: the jobs' states are also read at once and then every second, so a wait
 * never depends on the reader being connected, and its timeout covers connecting too.
 */
import { setMaxListeners } from 'node:events';
import { Job, QueueEvents, type ConnectionOptions, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ActorCoreError } from '../core/errors';
import type { ResolveJobData, ResolveJobResult } from '../queue/resolve-jobs';
import { dedupIdOfJob, followUpMayCome, type Bounded } from './actor-jobs';
import { jobFailedError, jobNotFoundError, redisFailure, waitTimeoutError } from './producer-errors';

type ResolveQueue = Queue<ResolveJobData, ResolveJobResult>;

export interface JobWaiterOptions {
  /** The caller's connection: the readers connect with its options. */
  connection: Redis;
  prefix: string;
  /** The queue that holds a job, from its id. */
  queueOf: (jobId: string) => ResolveQueue;
  onQueueError: (err: Error) => void;
  /** The producer's deadline for one Redis command. */
  bounded: Bounded;
  /** Why the caller's connection is not ready, or undefined when it is. */
  unavailable: () => ActorCoreError | undefined;
}

interface Reader {
  events: QueueEvents;
  ready: Promise<QueueEvents>;
  isReady: boolean;
}

const POLL_MS = 1000;

/** One `wait` call: its jobs, what they returned, and how it ends. */
class Wait {
  readonly pending: Set<string>;
  readonly results = new Map<string, ResolveJobResult>();
  done = false;
  /** Aborted when the wait ends: reads still in flight drop their deadlines. */
  readonly ended = new AbortController();
  /** The last failure to read the states, while none has succeeded (Redis unreachable). */
  unreadable: ActorCoreError | undefined;
  everRead = false;

  constructor(
    ids: string[],
    private readonly settle: (err: Error | undefined) => void,
  ) {
    this.pending = new Set(ids);
    // Each poll's reads listen on the signal, one per pending job, and stop listening when they end:
    // a wait on more than 10 jobs is no leak, and must not print Node's warning in the caller's process.
    setMaxListeners(0, this.ended.signal);
  }

  complete(jobId: string, result: ResolveJobResult): void {
    if (this.done || !this.pending.delete(jobId)) return;
    this.results.set(jobId, result);
    if (this.pending.size === 0) this.finish(undefined);
  }

  finish(err: Error | undefined): void {
    if (this.done) return;
    this.done = true;
    this.ended.abort(new Error('the wait has ended'));
    this.settle(err);
  }
}

export class JobWaiter {
  private readonly readers = new Map<string, Reader>();
  private readonly waits = new Map<string, Set<Wait>>();
  private closed = false;

  constructor(private readonly options: JobWaiterOptions) {}

  /** The events reader of a queue, opened on first use; resolves once it is connected. */
  reader(queueName: string): Promise<QueueEvents> {
    return this.open(queueName).ready;
  }

  /** The results of these jobs, in this order; rejects with the first that failed for good, or on timeout. */
  async wait(
    jobIds: readonly string[],
    queueNames: readonly string[],
    timeoutMs: number,
  ): Promise<ResolveJobResult[]> {
    const unique = [...new Set(jobIds)];
    if (unique.length === 0) return [];
    for (const name of queueNames) this.open(name);
    let timer: NodeJS.Timeout | undefined;
    let poller: NodeJS.Timeout | undefined;
    let wait!: Wait;
    const ended = new Promise<void>((resolve, reject) => {
      wait = new Wait(unique, (err) => (err === undefined ? resolve() : reject(err)));
    });
    for (const id of unique) {
      let set = this.waits.get(id);
      if (set === undefined) this.waits.set(id, (set = new Set()));
      set.add(wait);
    }
    try {
      timer = setTimeout(() => wait.finish(this.timeoutError(wait, timeoutMs)), timeoutMs);
      let reading = false;
      const poll = (): void => {
        if (reading || wait.done) return;
        reading = true;
        void this.readStates(wait).finally(() => (reading = false));
      };
      poll();
      poller = setInterval(poll, POLL_MS);
      await ended;
      return jobIds.map((id) => wait.results.get(id)!);
    } finally {
      clearTimeout(timer);
      clearInterval(poller);
      for (const id of unique) {
        const set = this.waits.get(id);
        set?.delete(wait);
        if (set?.size === 0) this.waits.delete(id);
      }
    }
  }

  /**
   * Ends every wait with `err` and closes the readers without waiting for Redis to answer (a socket a
   * hung server does not close is dropped after ioredis's disconnect timeout, 2 s).
   */
  async close(err: Error): Promise<void> {
    this.closed = true;
    for (const set of this.waits.values()) for (const wait of set) wait.finish(err);
    await Promise.all(
      [...this.readers.values()].map(async (reader) => {
        if (reader.isReady) {
          await reader.events.close().catch(() => undefined);
          return;
        }
        // Not connected yet: QueueEvents.close() would first wait for the connection (forever while
        // ioredis keeps reconnecting), so the connection is closed at once instead; the reader was
        // never started, so nothing else runs.
        await reader.events
          .getBackend()
          .close(true)
          .catch(() => undefined);
      }),
    );
    this.readers.clear();
  }

  private open(queueName: string): Reader {
    const reader = this.readers.get(queueName);
    if (reader !== undefined) return reader;
    const events = new QueueEvents(queueName, {
      // Options, not an instance: QueueEvents then owns (and closes) its blocking connection (XREAD).
      connection: {
        ...this.options.connection.options,
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        // XREAD BLOCK waits on purpose: a command timeout must not cut it (BullMQ bounds it itself).
        commandTimeout: undefined,
      } as unknown as ConnectionOptions,
      prefix: this.options.prefix,
      // Started once connected (see close).
      autorun: false,
    });
    events.on('error', this.options.onQueueError);
    events.on('completed', ({ jobId, returnvalue }) => {
      for (const wait of this.waits.get(jobId) ?? []) wait.complete(jobId, parseResult(returnvalue));
    });
    events.on('failed', ({ jobId, failedReason }) => {
      for (const wait of this.waits.get(jobId) ?? []) wait.finish(jobFailedError(jobId, failedReason));
    });
    const created: Reader = {
      events,
      isReady: false,
      ready: events.waitUntilReady().then(() => {
        if (this.closed) throw new Error('the producer was closed while its events reader connected');
        created.isReady = true;
        events.run().catch((err: unknown) => this.options.onQueueError(err as Error));
        return events;
      }),
    };
    created.ready.catch(() => undefined); // awaited by callers of reader(), if any
    this.readers.set(queueName, created);
    return created;
  }

  /** Settles the jobs of `wait` that have finished (found by reading their state). */
  private async readStates(wait: Wait): Promise<void> {
    const { bounded, connection, queueOf } = this.options;
    // BullMQ would wait for the connection to be ready: the timeout error says why it is not.
    if (connection.status !== 'ready') return;
    const signal = wait.ended.signal;
    await Promise.all(
      [...wait.pending].map(async (id) => {
        try {
          const job = await bounded(Job.fromId<ResolveJobData, ResolveJobResult>(queueOf(id), id), signal);
          wait.everRead = true;
          if (job === undefined) {
            if (!(await this.followUpPending(id, signal))) wait.finish(jobNotFoundError(id));
          } else if (job.finishedOn === undefined) return;
          else if (job.failedReason === undefined) wait.complete(id, job.returnvalue);
          else if ((await bounded(job.getState(), signal)) === 'failed')
            wait.finish(jobFailedError(id, job.failedReason));
        } catch (err) {
          if (!wait.everRead && !wait.done)
            wait.unreadable = redisFailure(err, `reading the state of job ${id}`);
        }
      }),
    );
  }

  /** A single-actor job that is not created yet: its request came during the run it follows. */
  private async followUpPending(jobId: string, signal: AbortSignal): Promise<boolean> {
    const dedupId = dedupIdOfJob(jobId);
    if (dedupId === undefined) return false;
    const { bounded, connection, queueOf } = this.options;
    return bounded(followUpMayCome(connection, queueOf(jobId), dedupId, jobId), signal);
  }

  private timeoutError(wait: Wait, timeoutMs: number): ActorCoreError {
    // Never able to read a state: say why (Redis unreachable or hung: a transient STORE_UNAVAILABLE).
    if (!wait.everRead) {
      const unreadable =
        this.options.unavailable() ??
        wait.unreadable ??
        new ActorCoreError('STORE_UNAVAILABLE', 'Redis answered none of the reads', {}, false);
      const error = new ActorCoreError(
        unreadable.code,
        `jobs not finished after ${timeoutMs} ms, and their state could not be read: ${unreadable.message}`,
        unreadable.location(),
        unreadable.permanent,
      );
      error.cause = unreadable;
      return error;
    }
    return waitTimeoutError(timeoutMs, [...wait.pending]);
  }
}

/** Event payloads carry the return value as JSON text. */
function parseResult(value: unknown): ResolveJobResult {
  return (typeof value === 'string' ? JSON.parse(value) : value) as ResolveJobResult;
}
