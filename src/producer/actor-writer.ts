/**
 * Writes that change an actor's stats, followed by its resolution: every subsystem write or delete
 * bumps the actor's version (in Postgres) and then enqueues a job for that actor at that version (its
 * id names both, so the same version is never enqueued twice). In a burst of writes every job resolves
 * the newest state, and the ones after it find the snapshot current and do nothing. If the enqueue
 * fails after the write committed, the error reaches the caller, and `enqueue --all --stale` (or
 * `ResolveProducer.enqueueAll({ stale: true })`) catches up.
 */
import type { ActorRepository } from '../adapters/pg/actor-repository';
import { ActorCoreError, isActorCoreError } from '../core/errors';
import type { ResolvePriority } from '../queue/resolve-jobs';
import type { ResolveProducer } from './resolve-producer';

export interface WriteResult {
  /** The actor's version after the write. */
  version: number;
  /** The job that resolves this version (or a later one): wait for it with `waitForResults`. */
  jobId: string;
}

/**
 * The write committed, but the job that resolves it could not be enqueued (Redis down or hung): a
 * retryable STORE_UNAVAILABLE that says the data is stored, at which version. Retrying the write
 * stores it again and enqueues it; `enqueue --all --stale` catches up otherwise.
 */
export class StoredNotEnqueuedError extends ActorCoreError {
  constructor(
    override readonly actorId: string,
    readonly storedVersion: number,
    /** What was stored: a `put` is stored again by a retry, a `delete` finds nothing left to delete. */
    readonly operation: 'put' | 'delete',
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'STORE_UNAVAILABLE',
      `stored ${actorId} at version ${storedVersion}, but enqueueing its resolution failed: ${reason}`,
      { actorId },
      false,
    );
    this.name = 'StoredNotEnqueuedError';
    this.cause = cause;
  }
}

export class ActorWriter {
  constructor(
    private readonly actors: ActorRepository,
    private readonly producer: ResolveProducer,
    private readonly priority: ResolvePriority = 'change',
  ) {}

  async putSubsystem(actorId: string, output: unknown): Promise<WriteResult> {
    const version = await this.actors.putSubsystem(actorId, output);
    return { version, jobId: await this.enqueue(actorId, version, 'put') };
  }

  /** Undefined when the actor had no such output (nothing changed, nothing enqueued). */
  async deleteSubsystem(actorId: string, systemId: string): Promise<WriteResult | undefined> {
    const version = await this.actors.deleteSubsystem(actorId, systemId);
    if (version === undefined) return undefined;
    return { version, jobId: await this.enqueue(actorId, version, 'delete') };
  }

  private async enqueue(actorId: string, version: number, operation: 'put' | 'delete'): Promise<string> {
    try {
      return await this.producer.enqueueAtVersion(actorId, version, { priority: this.priority });
    } catch (err) {
      // Only a store failure: anything else (a bug) passes as it is.
      if (isActorCoreError(err) && err.code === 'STORE_UNAVAILABLE') {
        throw new StoredNotEnqueuedError(actorId, version, operation, err);
      }
      throw err;
    }
  }
}
