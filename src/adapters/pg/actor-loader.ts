/**
 * The workers' bulk read: N actors with all their subsystem outputs in one round trip, each actor's
 * outputs as one JSON text. The text comes from `actor_inputs` (kept by triggers), so Postgres reads
 * text instead of printing jsonb; it goes to the resolver threads as is: no object graph is built on
 * the main thread.
 */
import type pg from 'pg';
import { isPackedText, unpackText } from '../packed-text';
import { runQuery } from './pg-pool';

export interface LoadedActor {
  actorId: string;
  version: number;
  /**
   * The actor's SubsystemOutput[]: packed (src/adapters/packed-text.ts) when every output has a packed
   * form, else (or with the `text` option) their JSON text, `[]` when it has none.
   */
  outputs: string;
}

/** An actor whose stored snapshot is at its version (`version`) and the asked-for registryVersion. */
export interface CurrentActor {
  actorId: string;
  version: number;
}

export interface LoadResult {
  actors: LoadedActor[];
  /** Requested ids with no actor row (deleted, or never created). */
  missing: string[];
  /** Actors not loaded because their stored snapshot is already current (see `skipCurrent`). */
  current: CurrentActor[];
}

export interface LoadOptions {
  /**
   * A registryVersion: actors whose stored snapshot has their current version and this registry are
   * not loaded (reported as `current`), so re-enqueued work costs an index lookup, not a resolution.
   */
  skipCurrent?: string;
  /** Always the JSON text, never the packed form (for explain, and for checks independent of packing). */
  text?: boolean;
}

// A NULL `outputs` with `current` marks an actor whose snapshot is current ($2 NULL: skip nothing).
// `outputs` is the packed text when there is one (and $3 does not ask for JSON), else the JSON text.
const LOAD_ACTORS = `
  SELECT a.id, a.version, c.current,
         CASE WHEN c.current THEN NULL
              WHEN i.packed IS NOT NULL AND NOT $3 THEN i.packed
              ELSE COALESCE(i.outputs, '[]') END AS outputs
  FROM actors a
  LEFT JOIN actor_inputs i ON i.actor_id = a.id
  LEFT JOIN snapshots snap ON snap.actor_id = a.id
  CROSS JOIN LATERAL (SELECT (snap.version = a.version AND snap.registry_version = $2) IS TRUE AS current) c
  WHERE a.id = ANY($1::varchar[])`;

/**
 * The actor as a line of the standard workload format, built around the outputs' text without parsing
 * it (a packed form is unpacked and written as JSON).
 */
export function actorLine(actor: LoadedActor): string {
  const outputs = isPackedText(actor.outputs) ? JSON.stringify(unpackText(actor.outputs)) : actor.outputs;
  return `{"actorId":${JSON.stringify(actor.actorId)},"version":${actor.version},"subsystems":${outputs}}`;
}

export async function loadActorLines(
  db: pg.Pool | pg.PoolClient,
  actorIds: readonly string[],
  options: LoadOptions = {},
): Promise<LoadResult> {
  if (actorIds.length === 0) return { actors: [], missing: [], current: [] };
  const result = await runQuery<{
    id: string;
    version: string;
    current: boolean;
    outputs: string | null;
  }>(db, `loading ${actorIds.length} actors`, LOAD_ACTORS, [
    actorIds,
    options.skipCurrent ?? null,
    options.text === true,
  ]);
  const actors: LoadedActor[] = [];
  const current: CurrentActor[] = [];
  const found = new Set<string>();
  for (const row of result.rows) {
    found.add(row.id);
    if (row.current) current.push({ actorId: row.id, version: Number(row.version) });
    else {
      actors.push({ actorId: row.id, version: Number(row.version), outputs: row.outputs! });
    }
  }
  return { actors, missing: actorIds.filter((id) => !found.has(id)), current };
}

/** Up to `limit` ids of actors with stored inputs (the worker's warm-up sample; no particular order). */
export async function sampleActorIds(db: pg.Pool | pg.PoolClient, limit: number): Promise<string[]> {
  const result = await runQuery<{ actor_id: string }>(
    db,
    `sampling ${limit} actor ids`,
    'SELECT actor_id FROM actor_inputs LIMIT $1',
    [limit],
  );
  return result.rows.map((row) => row.actor_id);
}
