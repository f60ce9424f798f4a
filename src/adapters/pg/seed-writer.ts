/**
 * Bulk loading of actors with their subsystem outputs (the `seed` command). A batch is three
 * statements: upsert the actors, drop their previous outputs, insert the new ones straight from the
 * input lines, which go to Postgres as one jsonb array — parsed once there, never re-serialized here.
 */
import type pg from 'pg';
import type { ActorDataCodec } from './actor-data-codec';

export interface SeedActor {
  actorId: string;
  version: number;
  /** The validated input line `{"actorId","version","subsystems":[…]}`, as read. */
  line: string;
}

export interface SeedBatchResult {
  actors: number;
  subsystems: number;
}

const UPSERT_ACTORS = `
  INSERT INTO actors (id, version, data)
  SELECT b.id, b.version, b.data FROM json_to_recordset($1::json) AS b(id varchar, version bigint, data jsonb)
  ON CONFLICT (id) DO UPDATE SET version = excluded.version, data = excluded.data`;

const DELETE_OUTPUTS = 'DELETE FROM subsystems WHERE actor_id = ANY($1::varchar[])';

const INSERT_OUTPUTS = `
  INSERT INTO subsystems (actor_id, system_id, data)
  SELECT l.value->>'actorId', s.value->'meta'->>'system', s.value
  FROM jsonb_array_elements($1::jsonb) AS l, jsonb_array_elements(l.value->'subsystems') AS s`;

/** Seeded actors carry no metadata of their own. */
const SEEDED_ACTOR_DATA = {};

/**
 * Writes one batch on `client` (the caller owns the transaction). Actor ids must be unique within the
 * batch and each line's outputs must have distinct `meta.system` (the caller checks both).
 */
export async function writeSeedBatch(
  client: pg.PoolClient,
  batch: readonly SeedActor[],
  codec: ActorDataCodec,
): Promise<SeedBatchResult> {
  if (batch.length === 0) return { actors: 0, subsystems: 0 };
  const actorRows = batch.map(
    (a) =>
      `{"id":${JSON.stringify(a.actorId)},"version":${a.version},"data":${JSON.stringify(
        codec.encode(a.actorId, SEEDED_ACTOR_DATA),
      )}}`,
  );
  await client.query(UPSERT_ACTORS, [`[${actorRows.join(',')}]`]);
  await client.query(DELETE_OUTPUTS, [batch.map((a) => a.actorId)]);
  const inserted = await client.query(INSERT_OUTPUTS, [`[${batch.map((a) => a.line).join(',')}]`]);
  return { actors: batch.length, subsystems: inserted.rowCount ?? 0 };
}
