/**
 * JIT warm-up before a worker process takes jobs. V8 compiles every isolate's code on its own as it
 * gets hot, so a fresh resolve thread runs its first few thousand actors in the slower tiers while
 * TurboFan compiles in the background: in a 20,000-actor bulk run that started on fresh threads,
 * compilation was ~8 % of all CPU and the threads spent ~15 µs more per actor (bench/performance-log.md).
 * Resolving a sample of stored inputs for a bounded time first moves that cost out of the first jobs.
 * Nothing is written: the snapshots are dropped. The worker's Postgres connections are opened first,
 * for the same reason (`openConnections`).
 *
 * The sample must be real stored inputs, not generated ones: the parsed objects then have the shapes
 * (jsonb's key order) that jobs bring, and code optimized for other shapes would deoptimize on them.
 */
import type pg from 'pg';
import { loadActorLines, sampleActorIds } from '../adapters/pg/actor-loader';
import { isActorCoreError } from '../core/errors';
import type { Logger } from '../logging/create-logger';
import type { StoreTask } from '../pool/messages';

/**
 * Actors in the sample (~12 MB of standard actors, loaded once): with 200, the optimized code still met
 * shapes it had not seen ("wrong map" deoptimizations in the first jobs); with 1,000 it rarely does.
 */
export const WARM_UP_SAMPLE_SIZE = 1000;

export interface WarmUpTarget {
  /** Resolves one chunk; the result is dropped. */
  resolveChunk: (task: StoreTask) => Promise<unknown>;
  /** Chunks kept in flight: one per thread it feeds (1 for the main thread). */
  concurrency: number;
}

export interface WarmUpOptions {
  /** How long to keep resolving, in ms; 0: no warm-up. Chunks in flight at the deadline finish. */
  budgetMs: number;
  /** Postgres connections to open and prime first (`warmUpWorker`): as many as jobs use at once. */
  connections?: number;
  /** Actors per chunk (the worker's own chunk size, so tasks look like a job's). */
  chunkSize: number;
  /** The clock; default Date.now. */
  now?: () => number;
}

export interface WarmUpResult {
  /** Actors resolved (the sample is cycled through). */
  actors: number;
  chunks: number;
  ms: number;
}

/** Keeps every target's slots busy with chunks of `sample` (actors' outputs) until the budget is spent. */
export async function warmUp(
  sample: readonly string[],
  targets: readonly WarmUpTarget[],
  options: WarmUpOptions,
): Promise<WarmUpResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const result: WarmUpResult = { actors: 0, chunks: 0, ms: 0 };
  if (sample.length === 0 || options.budgetMs <= 0) return result;
  const size = Math.max(1, Math.min(options.chunkSize, sample.length));
  const deadline = started + options.budgetMs;
  let cursor = 0;
  const nextChunk = (): StoreTask => {
    const outputs: string[] = [];
    for (let i = 0; i < size; i++) outputs.push(sample[(cursor + i) % sample.length]!);
    cursor = (cursor + size) % sample.length;
    return { outputs, versions: outputs.map(() => 1) };
  };
  const slot = async (target: WarmUpTarget): Promise<void> => {
    while (now() < deadline) {
      await target.resolveChunk(nextChunk());
      result.actors += size;
      result.chunks++;
    }
  };
  await Promise.all(
    targets.flatMap((target) => Array.from({ length: target.concurrency }, () => slot(target))),
  );
  result.ms = now() - started;
  return result;
}

/**
 * The worker's warm-up: up to WARM_UP_SAMPLE_SIZE stored actors, loaded by the jobs' own query (which
 * warms the load path on the main thread too), then `warmUp`, logged. Best effort: a failure is logged
 * and the worker takes jobs anyway. No stored actors: nothing to warm up on.
 */
export async function warmUpWorker(
  db: pg.Pool,
  targets: readonly WarmUpTarget[],
  options: WarmUpOptions,
  logger: Logger,
): Promise<void> {
  if (options.budgetMs <= 0) return;
  try {
    const loaded = await loadActorLines(db, await sampleActorIds(db, WARM_UP_SAMPLE_SIZE));
    const primeIds = loaded.actors.slice(0, 1).map((actor) => actor.actorId);
    const connections = await openConnections(db, options.connections ?? 0, (client) =>
      loadActorLines(client, primeIds),
    );
    const sample = loaded.actors.map((actor) => actor.outputs);
    logger.info({ ...(await warmUp(sample, targets, options)), connections }, 'warm-up done');
  } catch (err) {
    logger.warn(
      { err: isActorCoreError(err) ? err.toJSON() : String(err) },
      'warm-up failed: taking jobs anyway',
    );
  }
}

/**
 * Opens `count` of the pool's connections at once and runs `prime` (the jobs' load query) on each;
 * returns how many it opened and primed. Otherwise the first jobs open them mid-run, each a backend fork plus
 * cold catalog caches (its first queries plan from scratch) while the machine is busiest. Released,
 * they stay open for the pool's idle timeout. A connection that cannot be opened or primed is left out.
 */
export async function openConnections(
  pool: Pick<pg.Pool, 'connect'>,
  count: number,
  prime: (client: pg.PoolClient) => Promise<unknown>,
): Promise<number> {
  const opened = await Promise.allSettled(Array.from({ length: count }, () => pool.connect()));
  const clients = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const primed = await Promise.allSettled(clients.map((client) => prime(client)));
  clients.forEach((client, i) => client.release(primed[i]!.status === 'rejected'));
  return primed.filter((p) => p.status === 'fulfilled').length;
}
