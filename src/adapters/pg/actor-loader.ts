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
}

// No ORDER BY in json_agg: resolution does not depend on the order of outputs (AGGREGATION.md).
const LOAD_ACTORS = `
  SELECT a.id, a.version,
         json_build_object(
           'actorId', a.id,
           'version', a.version,
           'subsystems', COALESCE(
             (SELECT json_agg(s.data) FROM subsystems s WHERE s.actor_id = a.id), '[]'::json)
         )::text AS line
  FROM actors a
  WHERE a.id = ANY($1::varchar[])`;

export async function loadActorLines(
  db: pg.Pool | pg.PoolClient,
  actorIds: readonly string[],
): Promise<LoadResult> {
  if (actorIds.length === 0) return { actors: [], missing: [] };
  const result = await runQuery<{ id: string; version: string; line: string }>(
    db,
    `loading ${actorIds.length} actors`,
    LOAD_ACTORS,
    [actorIds],
  );
  const actors = result.rows.map((row) => ({
    actorId: row.id,
    version: Number(row.version),
    line: row.line,
  }));
  const found = new Set(actors.map((a) => a.actorId));
  return { actors, missing: actorIds.filter((id) => !found.has(id)) };
}
