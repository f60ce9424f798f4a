/**
 * Snapshots in Postgres: the hot write path of the workers. N snapshots go in ONE statement whose
 * rows arrive as one JSON text parameter (json_to_recordset), so node-pg does no per-row array escaping
 * and Postgres parses the batch once. A stored newer version is never replaced by an older one, and
 * the resolution errors of the actors written are cleared in the same statement.
 */
import type pg from 'pg';
import type { SnapshotRecord, SnapshotSource } from '../snapshot-record';
import { runQuery } from './pg-pool';

export interface SnapshotWriteResult {
  /** Actors whose snapshot was stored. */
  written: string[];
  /** Actors skipped: a newer version was already stored, the actor no longer exists, or the batch held a newer one. */
  skipped: string[];
}

/** Keeps the highest version per actor: one statement cannot update the same row twice. */
function newestPerActor(records: readonly SnapshotRecord[]): {
  newest: SnapshotRecord[];
  superseded: string[];
} {
  const byActor = new Map<string, SnapshotRecord>();
  const superseded: string[] = [];
  for (const record of records) {
    const seen = byActor.get(record.actorId);
    if (seen === undefined) byActor.set(record.actorId, record);
    else if (record.version >= seen.version) {
      byActor.set(record.actorId, record);
      superseded.push(seen.actorId);
    } else superseded.push(record.actorId);
  }
  return { newest: [...byActor.values()], superseded };
}

/** The batch as one JSON array, built by concatenation: the snapshots are JSON text already. */
export function snapshotBatchJson(records: readonly SnapshotRecord[]): string {
  const parts: string[] = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (!Number.isSafeInteger(r.version) || r.version < 1) {
      throw new RangeError(
        `snapshot of ${r.actorId}: version must be a positive safe integer, got ${r.version}`,
      );
    }
    parts[i] =
      `{"actor_id":${JSON.stringify(r.actorId)},"version":${r.version},` +
      `"registry_version":${JSON.stringify(r.registryVersion)},"snapshot":${r.snapshotJson}}`;
  }
  return `[${parts.join(',')}]`;
}

// Equal versions overwrite: re-resolving the same version under a new registry must refresh it.
// The join with actors skips actors deleted since they were loaded instead of failing the batch on the FK.
// An actor that resolved no longer has a resolution error at or below that version: the same statement
// forgets it, saving the job a round trip.
const WRITE_SNAPSHOTS = `
  WITH written AS (
    INSERT INTO snapshots AS s (actor_id, version, registry_version, snapshot, resolved_at)
    SELECT b.actor_id, b.version, b.registry_version, b.snapshot, now()
    FROM json_to_recordset($1::json) AS b(actor_id varchar, version bigint, registry_version text, snapshot json)
    JOIN actors ON actors.id = b.actor_id
    ON CONFLICT (actor_id) DO UPDATE
      SET version = excluded.version, registry_version = excluded.registry_version,
          snapshot = excluded.snapshot, resolved_at = excluded.resolved_at
      WHERE s.version <= excluded.version
    RETURNING s.actor_id, s.version
  ), cleared AS (
    DELETE FROM resolution_errors e USING written w WHERE e.actor_id = w.actor_id AND e.version <= w.version
  )
  SELECT actor_id FROM written`;

export class SnapshotRepository implements SnapshotSource {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  async writeSnapshots(records: readonly SnapshotRecord[]): Promise<SnapshotWriteResult> {
    if (records.length === 0) return { written: [], skipped: [] };
    const { newest, superseded } = newestPerActor(records);
    const result = await runQuery<{ actor_id: string }>(
      this.db,
      `writing ${newest.length} snapshots`,
      WRITE_SNAPSHOTS,
      [snapshotBatchJson(newest)],
    );
    const written = result.rows.map((row) => row.actor_id);
    const writtenSet = new Set(written);
    const skipped = superseded.concat(newest.filter((r) => !writtenSet.has(r.actorId)).map((r) => r.actorId));
    return { written, skipped };
  }

  async loadSnapshots(actorIds: readonly string[]): Promise<SnapshotRecord[]> {
    if (actorIds.length === 0) return [];
    const result = await runQuery<{
      actor_id: string;
      version: string;
      registry_version: string;
      snapshot: string;
    }>(
      this.db,
      `reading ${actorIds.length} snapshots`,
      `SELECT actor_id, version, registry_version, snapshot::text AS snapshot
       FROM snapshots WHERE actor_id = ANY($1::varchar[])`,
      [actorIds],
    );
    return result.rows.map((row) => ({
      actorId: row.actor_id,
      version: Number(row.version),
      registryVersion: row.registry_version,
      snapshotJson: row.snapshot,
    }));
  }
}
