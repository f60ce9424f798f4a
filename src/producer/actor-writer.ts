/**
 * Writes that change an actor's stats, followed by its resolution: every subsystem write or delete
 * bumps the actor's version (in Postgres) and then enqueues a job for that actor at that version (its
 * id names both, so the same version is never enqueued twice). In a burst of writes every job resolves
 * the newest state, and the ones after it find the snapshot current and do nothing. If the enqueue
 * fails after the write committed, the error reaches the caller, and `enqueue --all --stale` (or
 * `ResolveProducer.enqueueAll({ stale: true })`) catches up.
 */
import type { ActorRepository } from '../adapters/pg/actor-repository';
import type { ResolvePriority } from '../queue/resolve-jobs';
import type { ResolveProducer } from './resolve-producer';

export interface WriteResult {
  /** The actor's version after the write. */
  version: number;
  /** The job that resolves this version (or a later one): wait for it with `waitForResults`. */
  jobId: string;
}

export class ActorWriter {
  constructor(
    private readonly actors: ActorRepository,
    private readonly producer: ResolveProducer,
    private readonly priority: ResolvePriority = 'change',
  ) {}

  async putSubsystem(actorId: string, output: unknown): Promise<WriteResult> {
    const version = await this.actors.putSubsystem(actorId, output);
    return {
      version,
      jobId: await this.producer.enqueueAtVersion(actorId, version, { priority: this.priority }),
    };
  }

  /** Undefined when the actor had no such output (nothing changed, nothing enqueued). */
  async deleteSubsystem(actorId: string, systemId: string): Promise<WriteResult | undefined> {
    const version = await this.actors.deleteSubsystem(actorId, systemId);
    if (version === undefined) return undefined;
    return {
      version,
      jobId: await this.producer.enqueueAtVersion(actorId, version, { priority: this.priority }),
    };
  }
}
