/**
 * The workers' bulk read: N actors with all their subsystem outputs in one round trip, each already
 * as the JSON line the core resolves (`{"actorId","version","subsystems":[…]}`), built by Postgres.
 * The text goes to the resolver threads as is: no object graph is built on the main thread.
 */
import type pg from 'pg';
import { runQuery } from './pg-pool';

export interface LoadedActor {
  actorId: string;
  version: number;
  /** `{"actorId","version","subsystems":[SubsystemOutput…]}` (the standard workload's line format). */
  line: string;
}

export interface LoadResult {
  actors: LoadedActor[];
  /** Requested ids with no actor row (deleted, or never created). */
  missing: string[];
  /** Actors not loaded because their stored snapshot is already current (see `skipCurrent`). */
  current: string[];
}

export interface LoadOptions {
  /**
   * A registryVersion: actors whose stored snapshot has their current version and this registry are
   * not loaded (reported as `current`), so re-enqueued work costs an index lookup, not a resolution.
   */
  skipCurrent?: string;
}

// No ORDER BY in json_agg: resolution does not depend on the order of outputs (AGGREGATION.md).
// A NULL line marks an actor whose snapshot is current ($2 is NULL when nothing is to be skipped).
const LOAD_ACTORS = `
  SELECT a.id, a.version,
         CASE WHEN snap.version = a.version AND snap.registry_version = $2 THEN NULL
         ELSE json_build_object(
           'actorId', a.id,
           'version', a.version,
           'subsystems', COALESCE(
             (SELECT json_agg(s.data) FROM subsystems s WHERE s.actor_id = a.id), '[]'::json)
         )::text END AS line
  FROM actors a
  LEFT JOIN snapshots snap ON snap.actor_id = a.id
  WHERE a.id = ANY($1::varchar[])`;

export async function loadActorLines(
  db: pg.Pool | pg.PoolClient,
  actorIds: readonly string[],
  options: LoadOptions = {},
): Promise<LoadResult> {
  if (actorIds.length === 0) return { actors: [], missing: [], current: [] };
  const result = await runQuery<{ id: string; version: string; line: string | null }>(
    db,
    `loading ${actorIds.length} actors`,
    LOAD_ACTORS,
    [actorIds, options.skipCurrent ?? null],
  );
  const actors: LoadedActor[] = [];
  const current: string[] = [];
  const found = new Set<string>();
  for (const row of result.rows) {
    found.add(row.id);
    if (row.line === null) current.push(row.id);
    else actors.push({ actorId: row.id, version: Number(row.version), line: row.line });
  }
  return { actors, missing: actorIds.filter((id) => !found.has(id)), current };
}
