/**
 * Actors and their subsystem outputs. Every subsystem write bumps `actors.version` in the same
 * transaction and returns the new version, which is what snapshots are resolved at and guarded by.
 * Lock order is always the actor row first, then its subsystem rows, so concurrent writers of one
 * actor queue up on that row instead of deadlocking.
 */
import { packedParam } from './packed-param';
import type pg from 'pg';
import { ActorCoreError, isActorCoreError } from '../../core/errors';
import type { CompiledRegistries } from '../../core/registries';
import type { SubsystemOutput } from '../../core/types';
import { validateOutputs } from '../../core/validate-output';
import { checkStorableJson, isUnstorableText } from '../storable-json';
import { checkActorId } from './actor-id';
import { storedVersion } from './actor-version';
import { plaintextCodec, type ActorDataCodec } from './actor-data-codec';
import { runQuery, withTransaction } from './pg-pool';

export interface ActorRecord {
  actorId: string;
  version: number;
  data: unknown;
  createdAt: Date;
  updatedAt: Date;
}

export interface ActorRepositoryOptions {
  pool: pg.Pool;
  /** Subsystem outputs are validated against these before anything is written. */
  registries: CompiledRegistries;
  codec?: ActorDataCodec;
}

/** The metadata a new actor gets when its first subsystem output creates it. */
const NEW_ACTOR_DATA = {};

export class ActorRepository {
  private readonly pool: pg.Pool;
  private readonly registries: CompiledRegistries;
  private readonly codec: ActorDataCodec;

  constructor(options: ActorRepositoryOptions) {
    this.pool = options.pool;
    this.registries = options.registries;
    this.codec = options.codec ?? plaintextCodec;
  }

  /** Creates the actor at version 1, or replaces its metadata (metadata does not change its version). */
  async upsertActor(actorId: string, data: unknown): Promise<{ version: number; created: boolean }> {
    checkActorId(actorId);
    checkStorableJson(data, { actorId, field: 'data' });
    const stored = JSON.stringify(this.codec.encode(actorId, data ?? NEW_ACTOR_DATA));
    return withTransaction(this.pool, `upserting actor ${actorId}`, async (client) => {
      const result = await client.query<{ version: string; created: boolean }>(
        `INSERT INTO actors (id, version, data) VALUES ($1, 1, $2::jsonb)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data
         RETURNING version, (xmax = 0) AS created`,
        [actorId, stored],
      );
      const row = result.rows[0]!;
      // Created again above a deleted incarnation's version (actor_version_floors), it may pass the limit.
      const version = storedVersion(actorId, row.version, `upserting actor ${actorId}`);
      return { version, created: row.created };
    });
  }

  async getActor(actorId: string): Promise<ActorRecord | undefined> {
    checkActorId(actorId);
    const result = await runQuery<{ version: string; data: unknown; created_at: Date; updated_at: Date }>(
      this.pool,
      `reading actor ${actorId}`,
      'SELECT version, data, created_at, updated_at FROM actors WHERE id = $1',
      [actorId],
    );
    const row = result.rows[0];
    if (row === undefined) return undefined;
    return {
      actorId,
      version: Number(row.version),
      data: this.codec.decode(actorId, row.data),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  /**
   * Stores the output of `output.meta.system` for the actor (replacing the previous one), creating the
   * actor if needed, and returns the actor's new version. Invalid output is refused before any write.
   */
  async putSubsystem(actorId: string, output: unknown): Promise<number> {
    checkActorId(actorId);
    // Before validation, as the API does: a NUL or lone surrogate is named where it is, whatever the field.
    checkStorableJson(output, { actorId });
    let valid: SubsystemOutput;
    try {
      valid = validateOutputs([output], this.registries)[0]!;
    } catch (err) {
      throw isActorCoreError(err) ? err.locate({ actorId }) : err;
    }
    const systemId = valid.meta.system;
    const newActorData = JSON.stringify(this.codec.encode(actorId, NEW_ACTOR_DATA));
    const doing = `writing subsystem ${systemId} of actor ${actorId}`;
    return withTransaction(this.pool, doing, async (client) => {
      const bumped = await client.query<{ version: string }>(
        `INSERT INTO actors (id, version, data) VALUES ($1, 1, $2::jsonb)
         ON CONFLICT (id) DO UPDATE SET version = actors.version + 1
         RETURNING version`,
        [actorId, newActorData],
      );
      await client.query(
        `INSERT INTO subsystems (actor_id, system_id, data, packed) VALUES ($1, $2, $3::jsonb, $4)
         ON CONFLICT (actor_id, system_id) DO UPDATE SET data = excluded.data, packed = excluded.packed`,
        [actorId, systemId, JSON.stringify(valid), packedParam(valid)],
      );
      return storedVersion(actorId, bumped.rows[0]!.version, doing);
    });
  }

  /** Removes one output; returns the actor's new version, or undefined when there was none to remove. */
  async deleteSubsystem(actorId: string, systemId: string): Promise<number | undefined> {
    checkActorId(actorId);
    if (typeof systemId !== 'string' || isUnstorableText(systemId)) {
      // A lone surrogate would reach Postgres as U+FFFD and delete another system's output.
      throw new ActorCoreError(
        'INVALID_TYPE',
        `systemId must be a string without a NUL character or a lone surrogate, got ${JSON.stringify(systemId)}`,
        { field: 'systemId', actorId },
      );
    }
    const doing = `deleting subsystem ${systemId} of actor ${actorId}`;
    return withTransaction(this.pool, doing, async (client) => {
      // NO KEY UPDATE: the lock a version bump takes; it does not block snapshot writes' FK checks.
      const actor = await client.query('SELECT 1 FROM actors WHERE id = $1 FOR NO KEY UPDATE', [actorId]);
      if (actor.rowCount === 0) return undefined;
      const gone = await client.query('DELETE FROM subsystems WHERE actor_id = $1 AND system_id = $2', [
        actorId,
        systemId,
      ]);
      if (gone.rowCount === 0) return undefined;
      const bumped = await client.query<{ version: string }>(
        'UPDATE actors SET version = version + 1 WHERE id = $1 RETURNING version',
        [actorId],
      );
      return storedVersion(actorId, bumped.rows[0]!.version, doing);
    });
  }

  /**
   * Deletes the actor with its outputs and snapshot (ON DELETE CASCADE); false when it did not exist.
   * Its version is kept (actor_version_floors, migration 0008): created again, it continues above it.
   * Its cached snapshot in Redis is not this repository's: `deleteActorEverywhere` (src/producer)
   * deletes both.
   */
  async deleteActor(actorId: string): Promise<boolean> {
    checkActorId(actorId);
    const result = await runQuery(
      this.pool,
      `deleting actor ${actorId}`,
      'DELETE FROM actors WHERE id = $1',
      [actorId],
    );
    return (result.rowCount ?? 0) > 0;
  }
}
