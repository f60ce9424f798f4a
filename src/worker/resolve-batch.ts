/**
 * One job of the worker: load the batch's actors from Postgres (one query; those already current there
 * are made current in Redis too, see refill-cache.ts), resolve the others on the thread pool in
 * chunks, write the snapshots to Postgres (one guarded statement) and Redis (one pipeline), and keep
 * the errors of actors whose outputs are invalid. A bad actor fails alone; a lost store fails the job
 * (transient: BullMQ retries it, and every write is idempotent and version-guarded).
 *
 * Each phase is a span (`load`, `aggregate`, `write`), a child of the caller's active span (the worker's
 * `job` span); with tracing off they are the OpenTelemetry API's no-ops.
 */
import type pg from 'pg';
import { checkActorId } from '../adapters/pg/actor-id';
import { loadActorLines, type LoadedActor } from '../adapters/pg/actor-loader';
import { recordFailures, type ResolutionFailure } from '../adapters/pg/resolution-errors';
import type { SnapshotRepository } from '../adapters/pg/snapshot-repository';
import type { SnapshotCache } from '../adapters/redis/snapshot-cache';
import type { SnapshotRecord } from '../adapters/snapshot-record';
import type { StoreChunkResult, StoreTask } from '../pool/messages';
import { isActorCoreError } from '../core/errors';
import { refillCurrentSnapshots } from './refill-cache';
import { annotate, inSpan } from '../tracing/spans';
import {
  emptyCounts,
  type ActorOutcome,
  type ResolveJobData,
  type ResolveJobResult,
} from '../queue/resolve-jobs';

export interface BatchDependencies {
  pool: pg.Pool;
  snapshots: SnapshotRepository;
  cache: SnapshotCache;
  /** Resolves a chunk of loaded actors on some thread. */
  resolveChunk: (task: StoreTask) => Promise<StoreChunkResult>;
  /** The registries' content hash, stored with each snapshot. */
  registryVersion: string;
  /** Actors per thread task: each should be ≥ 1 ms of work (see bench:pool). */
  chunkSize: number;
  /** Called per resolved chunk with its actors and the thread's resolve time (metrics). Must not throw. */
  onChunk?: (actors: number, resolveNs: number) => void;
  /** Called with the number of current actors whose snapshot was copied to Redis (metrics). Must not throw. */
  onRefill?: (snapshots: number) => void;
}

export interface BatchTimings {
  loadMs: number;
  resolveMs: number;
  writeMs: number;
  /** The Postgres part of `writeMs` (the snapshot statement); the rest is Redis and the error rows. */
  writePgMs: number;
}

function chunks(actors: readonly LoadedActor[], size: number): LoadedActor[][] {
  const out: LoadedActor[][] = [];
  for (let i = 0; i < actors.length; i += size) out.push(actors.slice(i, i + size));
  return out;
}

export async function resolveBatch(
  deps: BatchDependencies,
  data: ResolveJobData,
  jobId: string | undefined,
  onTimings?: (timings: BatchTimings) => void,
): Promise<ResolveJobResult> {
  const outcomes: Record<string, ActorOutcome> = {};
  const errors: Record<string, string> = {};
  // Jobs may come from other producers straight through BullMQ: an id no actor can have (empty, too
  // long, a control character such as NUL, which Postgres refuses) fails alone and for good, instead
  // of failing the load of the whole batch on every attempt.
  const actorIds: string[] = [];
  for (const id of data.actorIds) {
    try {
      actorIds.push(checkActorId(id));
    } catch (err) {
      outcomes[id] = 'failed';
      errors[id] = isActorCoreError(err) ? err.code : 'INVALID_ACTOR_ID';
    }
  }
  const t0 = Date.now();
  const loaded = await inSpan('load', async (span) => {
    const found = await loadActorLines(
      deps.pool,
      actorIds,
      data.force === true ? {} : { skipCurrent: deps.registryVersion },
    );
    // Current in Postgres, and in Redis once this returns (see refill-cache.ts).
    const refilled = await refillCurrentSnapshots(deps, found.current);
    if (refilled > 0) deps.onRefill?.(refilled);
    annotate(span, () => ({
      'actor_core.actors.requested': data.actorIds.length,
      'actor_core.actors.loaded': found.actors.length,
      'actor_core.actors.current': found.current.length,
      'actor_core.actors.missing': found.missing.length,
      'actor_core.snapshots.refilled': refilled,
    }));
    return found;
  });
  for (const id of loaded.missing) outcomes[id] = 'missing';
  for (const { actorId } of loaded.current) outcomes[actorId] = 'current';
  const t1 = Date.now();

  const parts = chunks(loaded.actors, deps.chunkSize);
  const records: SnapshotRecord[] = [];
  const failures: ResolutionFailure[] = [];
  await inSpan('aggregate', async (span) => {
    annotate(span, () => ({ 'actor_core.actors': loaded.actors.length, 'actor_core.chunks': parts.length }));
    const results = await Promise.all(
      parts.map((part) =>
        deps.resolveChunk({ outputs: part.map((a) => a.outputs), versions: part.map((a) => a.version) }),
      ),
    );
    results.forEach((result, p) => {
      const part = parts[p]!;
      deps.onChunk?.(part.length, result.resolveNs);
      const snapshots = result.snapshots.split('\n');
      for (const failure of result.failures) {
        const actor = part[failure.index]!;
        failures.push({
          actorId: actor.actorId,
          version: actor.version,
          error: failure.error,
          ...(jobId ? { jobId } : {}),
        });
        outcomes[actor.actorId] = 'failed';
        errors[actor.actorId] = failure.error.code;
      }
      part.forEach((actor, i) => {
        const snapshotJson = snapshots[i]!;
        if (snapshotJson === '') return;
        records.push({
          actorId: actor.actorId,
          version: actor.version,
          registryVersion: deps.registryVersion,
          snapshotJson,
        });
      });
    });
    annotate(span, () => ({ 'actor_core.actors.failed': failures.length }));
  });
  const t2 = Date.now();

  let t3 = t2;
  await inSpan('write', async (span) => {
    const written = await deps.snapshots.writeSnapshots(records);
    t3 = Date.now();
    const writtenIds = new Set(written.written);
    for (const id of written.skipped) outcomes[id] = 'stale';
    const fresh = records.filter((r) => writtenIds.has(r.actorId));
    // Redis after Postgres: the cache never holds a snapshot the database does not. (The write also
    // cleared the written actors' old resolution errors.)
    const [cached] = await Promise.all([deps.cache.setMany(fresh), recordFailures(deps.pool, failures)]);
    // `written` means both stores hold this snapshot: one whose Redis guard kept a newer version there
    // is `stale`, as when Postgres keeps a newer one.
    let cacheSkipped = 0;
    for (const c of cached) {
      if (c.outcome === 'skipped') cacheSkipped++;
      outcomes[c.actorId] = c.outcome === 'written' ? 'written' : 'stale';
    }
    annotate(span, () => ({
      'actor_core.snapshots.written': fresh.length - cacheSkipped,
      'actor_core.snapshots.stale': written.skipped.length + cacheSkipped,
      'actor_core.failures': failures.length,
    }));
  });
  onTimings?.({ loadMs: t1 - t0, resolveMs: t2 - t1, writeMs: Date.now() - t2, writePgMs: t3 - t2 });

  const counts = emptyCounts();
  for (const id in outcomes) counts[outcomes[id]!]++;
  return { outcomes, counts, errors, finishedAt: Date.now() };
}
