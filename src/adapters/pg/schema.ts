/**
 * The Postgres schema (production guide, "PostgreSQL Configuration"), as drizzle tables. drizzle-kit
 * generates the SQL migrations in migrations/ from this file; what drizzle has no words for (the
 * updated_at triggers) is a hand-written migration next to them.
 */
import { sql } from 'drizzle-orm';
import { bigint, index, json, jsonb, pgTable, text, timestamp, unique, varchar } from 'drizzle-orm/pg-core';

export const actors = pgTable(
  'actors',
  {
    id: varchar('id', { length: 255 }).primaryKey(),
    /** Bumped by every subsystem write; snapshots are resolved at, and guarded by, this version. */
    version: bigint('version', { mode: 'number' }).notNull(),
    /** Actor metadata; an AES-256-GCM envelope `{kid, iv, tag, ct}` when encryption at rest is on. */
    data: jsonb('data').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).defaultNow(),
  },
  (table) => [
    index('idx_actors_version').on(table.version),
    index('idx_actors_data_gin').using('gin', table.data),
  ],
);

export const subsystems = pgTable(
  'subsystems',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    actorId: varchar('actor_id', { length: 255 })
      .notNull()
      .references(() => actors.id, { onDelete: 'cascade' }),
    /** The output's `meta.system`: one output per (actor, system). */
    systemId: varchar('system_id', { length: 255 }).notNull(),
    /** The SubsystemOutput, validated before it is stored. */
    data: jsonb('data').notNull(),
    /**
     * `data` packed (src/core/packed-outputs.ts), in base64, written by the app with it; NULL when the
     * output does not fit the packed format or was written without it (raw SQL). A write that changes
     * `data` and not `packed` clears it (trigger, migration 0006), so it is never stale. Text, not bytea:
     * the workers receive it as a string, which crosses to a thread as cheaply as the JSON did.
     */
    packed: text('packed'),
    createdAt: timestamp('created_at', { withTimezone: true }).defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).defaultNow(),
  },
  (table) => [
    unique('subsystems_actor_system_unique').on(table.actorId, table.systemId),
    index('idx_subsystems_actor_id').on(table.actorId),
    index('idx_subsystems_system_id').on(table.systemId),
    index('idx_subsystems_data_gin').using('gin', table.data),
  ],
);

export const snapshots = pgTable('snapshots', {
  actorId: varchar('actor_id', { length: 255 })
    .primaryKey()
    .references(() => actors.id, { onDelete: 'cascade' }),
  version: bigint('version', { mode: 'number' }).notNull(),
  registryVersion: text('registry_version').notNull(),
  // json, not jsonb: a snapshot is only ever written and read whole, so Postgres validates the text
  // and keeps it as sent instead of converting it to jsonb and back (~50 µs per snapshot each way).
  snapshot: json('snapshot').notNull(),
  resolvedAt: timestamp('resolved_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
});

/**
 * The last resolution failure of each actor whose outputs failed validation (a permanent error), for
 * operators; cleared when the actor next resolves.
 */
export const resolutionErrors = pgTable(
  'resolution_errors',
  {
    actorId: varchar('actor_id', { length: 255 })
      .primaryKey()
      .references(() => actors.id, { onDelete: 'cascade' }),
    /** The actor version that failed. */
    version: bigint('version', { mode: 'number' }).notNull(),
    code: text('code').notNull(),
    /** The ActorCoreError as JSON: code, message, subsystem, dimension, field. */
    error: jsonb('error').notNull(),
    jobId: text('job_id'),
    failedAt: timestamp('failed_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (table) => [index('idx_resolution_errors_failed_at').on(table.failedAt)],
);

/**
 * Derived, trigger-maintained: each actor's subsystem outputs as one JSON array text, exactly what the
 * resolver reads. Printing jsonb as text costs Postgres ~5 µs per KB; doing it once per write instead of
 * once per resolution makes the workers' bulk load a plain text read. Never written by the app; the
 * triggers on `subsystems` (migrations 0004, 0006) keep it equal to `json_agg(subsystems.data)`.
 */
export const actorInputs = pgTable('actor_inputs', {
  actorId: varchar('actor_id', { length: 255 })
    .primaryKey()
    .references(() => actors.id, { onDelete: 'cascade' }),
  outputs: text('outputs').notNull(),
  /**
   * The same outputs packed: `P` and the `subsystems.packed` blocks joined by commas (`P` alone: no
   * outputs), or NULL when any of them is NULL (the workers then read `outputs`). Added beside
   * `outputs`, which workers of the previous release still read during a rolling deploy.
   */
  packed: text('packed'),
});

/**
 * The highest version each deleted actor reached, kept after it is gone (trigger, migration 0008): an
 * actor created again under the same id continues above it instead of restarting at 1, so its
 * snapshots pass the version guards of whatever an older incarnation left in Redis, and its write jobs
 * (`actor.<id>.v<version>`) never collide with the old incarnation's retained ones.
 */
export const actorVersionFloors = pgTable('actor_version_floors', {
  actorId: varchar('actor_id', { length: 255 }).primaryKey(),
  version: bigint('version', { mode: 'number' }).notNull(),
  deletedAt: timestamp('deleted_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
});
