/**
 * Bulk loading of actors with their subsystem outputs (the `seed` command). A batch is three
 * statements: upsert the actors, drop their previous outputs, insert the new ones straight from the
 * input lines, which go to Postgres as one jsonb array — parsed once there, never re-serialized here —
 * each with its packed form (src/core/packed-outputs.ts) beside it.
 *
 * Versions never go back: a new actor takes its line's version, and an actor seeded again takes
 * GREATEST(stored version + 1, line version). Its outputs are replaced, so its version must move past
 * every snapshot already stored for it (which would otherwise count as `current`, or newer, and keep
 * the new outputs from ever being resolved); a line's version below the stored one is overruled.
 * A bump past MAX_ACTOR_VERSION (src/adapters/pg/actor-version.ts) is refused, the batch rolled back.
 */
import type pg from 'pg';
import { blockText } from '../packed-text';
import type { ActorDataCodec } from './actor-data-codec';
import { MAX_ACTOR_VERSION, versionOverflowError } from './actor-version';

export interface SeedActor {
  actorId: string;
  version: number;
  /** The validated input line `{"actorId","version","subsystems":[…]}`, as read. */
  line: string;
  /** Its outputs packed, by `meta.system` (outputs that do not fit the format are left out). */
  packed: { system: string; block: Uint8Array }[];
  /** The input line it came from, named in an error. */
  lineNumber?: number;
}

export interface SeedBatchResult {
  actors: number;
  subsystems: number;
}

// Returns only the actors stored past the limit (a re-seed of one at the limit, or one created again
// above a deleted incarnation at it): none, normally.
const UPSERT_ACTORS = `
  WITH upserted AS (
    INSERT INTO actors (id, version, data)
    SELECT b.id, b.version, b.data FROM json_to_recordset($1::json) AS b(id varchar, version bigint, data jsonb)
    ON CONFLICT (id) DO UPDATE SET version = GREATEST(actors.version + 1, excluded.version), data = excluded.data
    RETURNING id, version)
  SELECT id FROM upserted WHERE version > ${MAX_ACTOR_VERSION} LIMIT 1`;

const DELETE_OUTPUTS = 'DELETE FROM subsystems WHERE actor_id = ANY($1::varchar[])';

// The packed blocks join their outputs by (actor, system): one output per system and actor.
const INSERT_OUTPUTS = `
  INSERT INTO subsystems (actor_id, system_id, data, packed)
  SELECT l.value->>'actorId', s.value->'meta'->>'system', s.value, p.packed
  FROM jsonb_array_elements($1::jsonb) AS l
  CROSS JOIN jsonb_array_elements(l.value->'subsystems') AS s
  LEFT JOIN unnest($2::varchar[], $3::varchar[], $4::text[]) AS p(actor_id, system_id, packed)
    ON p.actor_id = l.value->>'actorId' AND p.system_id = s.value->'meta'->>'system'`;

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
  const past = await client.query<{ id: string }>(UPSERT_ACTORS, [`[${actorRows.join(',')}]`]);
  const overflow = past.rows[0];
  if (overflow !== undefined) {
    const actor = batch.find((a) => a.actorId === overflow.id);
    const line = actor?.lineNumber;
    throw versionOverflowError(overflow.id, 'seeding', line === undefined ? {} : { line });
  }
  await client.query(DELETE_OUTPUTS, [batch.map((a) => a.actorId)]);
  const ids: string[] = [];
  const systems: string[] = [];
  const blocks: string[] = [];
  for (const actor of batch) {
    for (const { system, block } of actor.packed) {
      ids.push(actor.actorId);
      systems.push(system);
      blocks.push(blockText(block));
    }
  }
  const inserted = await client.query(INSERT_OUTPUTS, [
    `[${batch.map((a) => a.line).join(',')}]`,
    ids,
    systems,
    blocks,
  ]);
  return { actors: batch.length, subsystems: inserted.rowCount ?? 0 };
}
