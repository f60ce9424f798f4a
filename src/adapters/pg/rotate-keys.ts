/**
 * Re-encrypts `actors.data` under the newest key of the ring (and encrypts plaintext rows). Rows are
 * visited in id order, one transaction per batch; every row is readable at every moment (under the
 * old key or the new one), so an interrupted rotation is simply run again. Keep retired keys in the
 * ring until a rotation has finished.
 */
import type pg from 'pg';
import type { ActorDataCodec } from './actor-data-codec';
import { withTransaction } from './pg-pool';

export interface RotationResult {
  scanned: number;
  rotated: number;
}

export interface RotationOptions {
  batchSize?: number;
  onProgress?: (progress: RotationResult) => void;
}

export async function rotateActorKeys(
  pool: pg.Pool,
  codec: ActorDataCodec,
  options: RotationOptions = {},
): Promise<RotationResult> {
  const batchSize = options.batchSize ?? 500;
  const total: RotationResult = { scanned: 0, rotated: 0 };
  let after = '';
  for (;;) {
    const batch = await withTransaction(pool, 'rotating encryption keys', async (client) => {
      // NO KEY UPDATE: holds off concurrent metadata writes to these rows without blocking snapshot writes.
      const rows = await client.query<{ id: string; data: unknown }>(
        'SELECT id, data FROM actors WHERE id > $1 ORDER BY id LIMIT $2 FOR NO KEY UPDATE',
        [after, batchSize],
      );
      const stale = rows.rows.filter((row) => codec.isStale(row.data));
      if (stale.length > 0) {
        // decode throws (wrong key, tampered row) before anything of this batch is written.
        const updates = stale.map(
          (row) =>
            `{"id":${JSON.stringify(row.id)},"data":${JSON.stringify(
              codec.encode(row.id, codec.decode(row.id, row.data)),
            )}}`,
        );
        await client.query(
          `UPDATE actors SET data = b.data
           FROM json_to_recordset($1::json) AS b(id varchar, data jsonb) WHERE actors.id = b.id`,
          [`[${updates.join(',')}]`],
        );
      }
      return { ids: rows.rows.map((row) => row.id), rotated: stale.length };
    });
    if (batch.ids.length === 0) break;
    total.scanned += batch.ids.length;
    total.rotated += batch.rotated;
    after = batch.ids[batch.ids.length - 1]!;
    options.onProgress?.({ ...total });
    if (batch.ids.length < batchSize) break;
  }
  return total;
}
