/**
 * "Current in Postgres" proves nothing about Redis. The run that wrote Postgres may have lost Redis
 * before its cache write; Redis may have lost that write itself (a crash with `appendfsync everysec`,
 * a failover to a replica that lagged) together with the job's own state, so that the job comes back
 * as a first run and nothing marks it as a re-run; or the cached value may have expired. So the
 * actors a job finds current are looked up in Redis (the first bytes of each value, not the
 * snapshots), and those Redis does not hold at their version and registry get Postgres' snapshot,
 * by the guarded set: a newer version cached meanwhile stays.
 */
import type { CurrentActor } from '../adapters/pg/actor-loader';
import type { SnapshotSource } from '../adapters/snapshot-record';
import type { SnapshotCache } from '../adapters/redis/snapshot-cache';

export interface RefillDependencies {
  snapshots: SnapshotSource;
  cache: Pick<SnapshotCache, 'cachedHeads' | 'setMany'>;
  /** The registryVersion the actors were found current with. */
  registryVersion: string;
}

/** Copies to Redis the snapshots of `current` actors it lacks; returns how many were written. */
export async function refillCurrentSnapshots(
  deps: RefillDependencies,
  current: readonly CurrentActor[],
): Promise<number> {
  if (current.length === 0) return 0;
  const heads = await deps.cache.cachedHeads(current.map((actor) => actor.actorId));
  const lacking = new Map<string, number>();
  for (const { actorId, version } of current) {
    const head = heads.get(actorId);
    const held =
      head !== undefined &&
      (head.version > version || (head.version === version && head.registryVersion === deps.registryVersion));
    if (!held) lacking.set(actorId, version);
  }
  if (lacking.size === 0) return 0;
  // Postgres' record, if it is still the one found current (a newer one written since is as good).
  const records = (await deps.snapshots.loadSnapshots([...lacking.keys()])).filter((record) => {
    const found = lacking.get(record.actorId);
    return found !== undefined && record.version >= found && record.registryVersion === deps.registryVersion;
  });
  const results = await deps.cache.setMany(records);
  return results.filter((result) => result.outcome === 'written').length;
}
