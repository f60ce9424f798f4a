/**
 * Snapshots in Postgres: the hot write path of the workers. N snapshots go in ONE statement: ids,
 * versions and registry versions as arrays, the snapshots' JSON texts as one '\n'-separated byte
 * parameter, so node-pg escapes no snapshot and Postgres lexes each one once (its cast to json). A
 * stored newer version is never replaced by an older one, and the resolution errors of the actors
 * written are cleared in the same statement.
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

/** A batch of snapshots as the statement's parameters: one array per column, the JSON texts as bytes. */
export interface SnapshotBatchParams {
  actorIds: string[];
  versions: number[];
  registryVersions: string[];
  /**
   * The snapshots' JSON texts joined by '\n', as UTF-8 bytes. Sent as one binary-format text
   * parameter: no ~600 KB string is built (a large object in V8, on fresh pages every batch), and
   * Postgres splits it with `string_to_array` instead of lexing a JSON array of the whole batch.
   */
  snapshotLines: Buffer;
}

export function snapshotBatchParams(records: readonly SnapshotRecord[]): SnapshotBatchParams {
  const n = records.length;
  const actorIds = new Array<string>(n);
  const versions = new Array<number>(n);
  const registryVersions = new Array<string>(n);
  const texts = new Array<string>(n);
  let bytes = Math.max(n - 1, 0);
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    if (!Number.isSafeInteger(r.version) || r.version < 1) {
      throw new RangeError(
        `snapshot of ${r.actorId}: version must be a positive safe integer, got ${r.version}`,
      );
    }
    if (typeof r.snapshotJson !== 'string' || r.snapshotJson.length === 0) {
      throw new RangeError(`snapshot of ${r.actorId}: snapshotJson must be a non-empty JSON text`);
    }
    // '\n' separates the texts. JSON.stringify never writes one, and in any valid JSON text a raw
    // newline can only be whitespace between tokens, so a space in its place means the same.
    const text = r.snapshotJson.includes('\n') ? r.snapshotJson.replace(/\n/g, ' ') : r.snapshotJson;
    actorIds[i] = r.actorId;
    versions[i] = r.version;
    registryVersions[i] = r.registryVersion;
    texts[i] = text;
    bytes += Buffer.byteLength(text);
  }
  const snapshotLines = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) snapshotLines[at++] = 0x0a;
    at += snapshotLines.write(texts[i]!, at);
  }
  return { actorIds, versions, registryVersions, snapshotLines };
}

// Equal versions overwrite: re-resolving the same version under a new registry must refresh it.
// The join with actors skips actors deleted since they were loaded instead of failing the batch on the FK.
// An actor that resolved no longer has a resolution error at or below that version: the same statement
// forgets it, saving the job a round trip. Each snapshot text is lexed once, by its cast to json.
const WRITE_SNAPSHOTS = `
  WITH written AS (
    INSERT INTO snapshots AS s (actor_id, version, registry_version, snapshot, resolved_at)
    SELECT b.actor_id, b.version, b.registry_version, b.snapshot::json, now()
    FROM unnest($1::varchar[], $2::bigint[], $3::text[], string_to_array($4::text, E'\\n'))
      AS b(actor_id, version, registry_version, snapshot)
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
    const p = snapshotBatchParams(newest);
    const result = await runQuery<{ actor_id: string }>(
      this.db,
      `writing ${newest.length} snapshots`,
      WRITE_SNAPSHOTS,
      [p.actorIds, p.versions, p.registryVersions, p.snapshotLines],
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
