/**
 * Writes that change an actor's stats, followed by its resolution: every subsystem write or delete
 * bumps the actor's version (in Postgres) and then enqueues the actor, deduplicated by actor, so a burst
 * of writes to one actor costs one resolution at its newest version (plus at most one follow-up if a
 * write lands while it runs). If the enqueue fails after the write committed, the error reaches the
 * caller, and `enqueue --all --stale` (or `ResolveProducer.enqueueAll({ stale: true })`) catches up.
 */
import type { ActorRepository } from '../adapters/pg/actor-repository';
import type { ResolvePriority } from '../queue/resolve-jobs';
import type { ResolveProducer } from './resolve-producer';

export interface WriteResult {
  /** The actor's version after the write. */
  version: number;
  /** The job that will resolve it (an existing waiting job when deduplicated). */
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
    return { version, jobId: await this.enqueue(actorId) };
  }

  /** Undefined when the actor had no such output (nothing changed, nothing enqueued). */
  async deleteSubsystem(actorId: string, systemId: string): Promise<WriteResult | undefined> {
    const version = await this.actors.deleteSubsystem(actorId, systemId);
    if (version === undefined) return undefined;
    return { version, jobId: await this.enqueue(actorId) };
  }

  private async enqueue(actorId: string): Promise<string> {
    const { jobIds } = await this.producer.enqueueResolve([actorId], { priority: this.priority });
    return jobIds[0]!;
  }
}
