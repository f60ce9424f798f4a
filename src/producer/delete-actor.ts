/**
 * Deleting an actor from both stores. `ActorRepository.deleteActor` removes its rows from Postgres (its
 * outputs and snapshot by cascade; its version is kept, so that it continues above it if created again)
 * but cannot reach Redis, where the API reads first: the deleted actor would still be served from its
 * cached snapshot until that expires. This deletes the rows, then the cached snapshot.
 */
import type { ActorRepository } from '../adapters/pg/actor-repository';
import type { SnapshotCache } from '../adapters/redis/snapshot-cache';

export interface ActorStores {
  actors: Pick<ActorRepository, 'deleteActor'>;
  cache: Pick<SnapshotCache, 'delete'>;
}

/**
 * True when the actor existed. The cached snapshot is deleted either way (a leftover of an earlier
 * delete); if that fails, the error says so, and running it again finishes the job.
 */
export async function deleteActorEverywhere(stores: ActorStores, actorId: string): Promise<boolean> {
  const existed = await stores.actors.deleteActor(actorId);
  await stores.cache.delete(actorId);
  return existed;
}
