/**
 * The worker cluster against real servers: a migrated database per test file, and per test a queue of
 * its own (unique QUEUE_NAME and REDIS_KEY_PREFIX), a ResolveProducer on its own ioredis connection,
 * and real `actor-core worker` child processes whose JSON log lines are collected. Everything a test
 * opens is registered here, so `closeClusters()` (afterEach) kills leftover processes, closes the
 * producers and connections and deletes the test's Redis keys even when the test failed half-way.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { loadSettings, type Settings } from '../../config/settings';
import { actorLine, loadActorLines, plaintextCodec } from '../../src/adapters/pg';
import { resolveActorLine } from '../../src/core';
import { ResolveProducer } from '../../src/producer';
import { seedActors } from '../../src/seed/seed-actors';
import { assertBuilt } from './cli';
import { pgSnapshots, redisSnapshots } from './cluster-stores';
import { requiredEnv, uniquePrefix } from './databases';
import { migratedDatabase, type TestDatabase } from './pg';
import { sameJson, sharedDir } from './shared';
import {
  killLeftoverWorkers,
  startWorkerProcess,
  type StartWorkerOptions,
  type WorkerHandle,
} from './worker-handle';
import { deleteKeys } from '../../src/demo/isolated-stores';

export * from './cluster-stores';
export * from './worker-handle';

// ---------------------------------------------------------------------------------------------------
// Small utilities

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true; throws naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** `promise`, or a rejection naming `what` after `ms` (the timer never outlives the race). */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not settled after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------------
// The database and the standard workload

/** A migrated database of its own for one test file (see test/support/pg.ts); fails early without dist/. */
export async function clusterDatabase(name: string): Promise<TestDatabase> {
  assertBuilt();
  return migratedDatabase(name);
}

/** `count` standard actors (`actor-0000000`, …) from ../shared/workload/generate.mjs, as JSON lines. */
export function generateWorkload(count: number, seed: number): string[] {
  const run = spawnSync(
    process.execPath,
    [path.join(sharedDir, 'workload', 'generate.mjs'), '--actors', String(count), '--seed', String(seed)],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (run.status !== 0) throw new Error(`generate.mjs failed: ${run.stderr}`);
  return run.stdout.split('\n').filter((line) => line !== '');
}

/** Seeds standard actors into the database (validated, one transaction) and returns their ids in order. */
export async function seedWorkload(db: TestDatabase, count: number, seed = 1): Promise<string[]> {
  const lines = generateWorkload(count, seed);
  async function* input(): AsyncGenerator<string> {
    yield* lines;
  }
  await seedActors({
    pool: db.pool,
    lines: input(),
    registries: db.registries.compiled,
    codec: plaintextCodec,
    batchSize: 500,
  });
  return lines.map((line) => (JSON.parse(line) as { actorId: string }).actorId);
}

// ---------------------------------------------------------------------------------------------------
// Worker processes

export interface ClusterOptions {
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  shutdownTimeoutMs?: number;
  /** JOB_BACKOFF_MS for the producer's jobs (first retry delay). */
  backoffMs?: number;
  /**
   * WORKER_WARM_UP_MS; default 0 here: tests start many workers, and the warm-up has tests of its own
   * (worker-warm-up.test.ts).
   */
  warmUpMs?: number;
  logLevel?: string;
}

const openClusters = new Set<TestCluster>();

export class TestCluster {
  /** The variables given to the worker processes (added to this process's environment). */
  readonly env: Readonly<Record<string, string>>;
  /** The same settings the workers read from `env`. */
  readonly settings: Settings;
  /** The producer's own connection (fail-fast options, as producers should have). */
  readonly connection: Redis;
  /** A plain connection for the test's own reads. */
  readonly redis: Redis;
  readonly producer: ResolveProducer;
  readonly workers: WorkerHandle[] = [];
  private closing: Promise<void> | undefined;

  private constructor(
    readonly db: TestDatabase,
    label: string,
    options: ClusterOptions,
  ) {
    const redisUrl = requiredEnv('REDIS_URL');
    const keyPrefix = uniquePrefix(label);
    this.env = {
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      QUEUE_NAME: keyPrefix.replace(/:/g, '.'),
      REDIS_KEY_PREFIX: keyPrefix,
      LOCK_DURATION_MS: String(options.lockDurationMs ?? 3000),
      STALLED_INTERVAL_MS: String(options.stalledIntervalMs ?? 1000),
      SHUTDOWN_TIMEOUT_MS: String(options.shutdownTimeoutMs ?? 10_000),
      JOB_BACKOFF_MS: String(options.backoffMs ?? 200),
      WORKER_WARM_UP_MS: String(options.warmUpMs ?? 0),
      LOG_LEVEL: options.logLevel ?? 'info',
    };
    this.settings = loadSettings({ ...process.env, ...this.env });
    this.connection = new Redis(redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
    });
    this.connection.on('error', () => undefined);
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    this.redis.on('error', () => undefined);
    this.producer = new ResolveProducer({ connection: this.connection, queue: this.settings.queue });
  }

  /** A new queue (name and key prefix unique to this test) on the file's database. */
  static async open(db: TestDatabase, label: string, options: ClusterOptions = {}): Promise<TestCluster> {
    const cluster = new TestCluster(db, label, options);
    openClusters.add(cluster);
    await cluster.producer.queue.waitUntilReady();
    return cluster;
  }

  get keyPrefix(): string {
    return this.settings.redisKeyPrefix;
  }

  get queue(): ResolveProducer['queue'] {
    return this.producer.queue;
  }

  async startWorker(options: StartWorkerOptions = {}): Promise<WorkerHandle> {
    const worker = await startWorkerProcess(this.env, options);
    this.workers.push(worker);
    return worker;
  }

  /** The job ids named by the "job done" lines of every worker of this test, by worker pid. */
  jobsDoneByWorker(): Map<number, string[]> {
    const byPid = new Map<number, string[]>();
    for (const worker of this.workers) {
      byPid.set(
        worker.pid,
        worker.lines('job done').map((line) => String(line.jobId)),
      );
    }
    return byPid;
  }

  /**
   * What is wrong with these actors' snapshots, one line per problem (empty when every actor has, in
   * Postgres and in Redis, a snapshot at its current version under the current registries, equal to
   * what the core resolves from its stored outputs).
   */
  async snapshotProblems(ids: readonly string[]): Promise<string[]> {
    const registryVersion = this.db.registries.registryVersion;
    const [loaded, inPg, inRedis] = await Promise.all([
      loadActorLines(this.db.pool, ids, { text: true }),
      pgSnapshots(this.db.pool, ids),
      redisSnapshots(this.redis, this.keyPrefix, ids),
    ]);
    const problems: string[] = loaded.missing.map((id) => `${id}: no such actor`);
    for (const actor of loaded.actors) {
      const id = actor.actorId;
      const pgRecord = inPg.get(id);
      const redisRecord = inRedis.get(id);
      if (pgRecord === undefined) problems.push(`${id}: no snapshot in Postgres (actor v${actor.version})`);
      if (redisRecord === undefined) problems.push(`${id}: no snapshot in Redis (actor v${actor.version})`);
      if (pgRecord === undefined || redisRecord === undefined) continue;
      for (const [store, record] of [
        ['Postgres', pgRecord],
        ['Redis', redisRecord],
      ] as const) {
        if (record.version !== actor.version)
          problems.push(`${id}: ${store} holds v${record.version}, actor is v${actor.version}`);
        if (record.registryVersion !== registryVersion)
          problems.push(`${id}: ${store} registryVersion ${record.registryVersion} ≠ ${registryVersion}`);
      }
      const expected = resolveActorLine(actorLine(actor), this.db.registries.compiled);
      if (!('snapshot' in expected)) {
        problems.push(`${id}: its stored outputs do not resolve (${expected.error.code})`);
        continue;
      }
      if (!sameJson(pgRecord.snapshot, expected.snapshot))
        problems.push(`${id}: the Postgres snapshot differs from resolveActorLine`);
      if (!sameJson(redisRecord.snapshot, expected.snapshot))
        problems.push(`${id}: the Redis snapshot differs from resolveActorLine`);
    }
    return problems;
  }

  /** Polls until `snapshotProblems(ids)` is empty; on timeout fails with the problems left. */
  async waitUntilResolved(ids: readonly string[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let problems = await this.snapshotProblems(ids);
    while (problems.length > 0 && Date.now() < deadline) {
      await sleep(200);
      problems = await this.snapshotProblems(ids);
    }
    if (problems.length > 0) {
      throw new Error(
        `after ${timeoutMs} ms, ${problems.length} problems left:\n${problems.slice(0, 20).join('\n')}`,
      );
    }
  }

  /** Kills the workers still running, closes the producer and connections, deletes the test's keys. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      openClusters.delete(this);
      await Promise.all(
        this.workers.filter((w) => w.exitStatus === undefined).map((w) => w.signal('SIGKILL', 10_000)),
      );
      await this.producer.close().catch(() => undefined);
      try {
        await deleteKeys(this.redis, `${this.keyPrefix}:*`);
        await deleteKeys(this.redis, `${this.settings.queue.prefix}:${this.settings.queue.name}:*`);
      } finally {
        this.connection.disconnect();
        this.redis.disconnect();
      }
    })());
  }
}

/** afterEach: closes every cluster of the test (and kills its workers), then any other worker left. */
export async function closeClusters(): Promise<void> {
  const errors: unknown[] = [];
  for (const cluster of [...openClusters]) await cluster.close().catch((err: unknown) => errors.push(err));
  await killLeftoverWorkers();
  if (errors.length > 0) throw errors[0];
}

/** A cluster test file's database and its seeded standard actors, set before its first test. */
export interface ClusterTestFile {
  db: TestDatabase;
  ids: string[];
}

/**
 * Registers what every cluster test file needs: a timeout for real processes and servers (far above
 * jest's 5 s, well under a minute a file), a migrated database of its own seeded with `actors` standard
 * actors from `seed`, then `ready` (beforeAll); each test's clusters closed after it; the database closed
 * at the end.
 */
export function clusterTestFile(
  name: string,
  actors: number,
  seed: number,
  ready?: (file: ClusterTestFile) => Promise<void> | void,
): ClusterTestFile {
  jest.setTimeout(60_000);
  const file = {} as ClusterTestFile;
  beforeAll(async () => {
    file.db = await clusterDatabase(name);
    file.ids = await seedWorkload(file.db, actors, seed);
    await ready?.(file);
  });
  afterEach(closeClusters);
  afterAll(async () => {
    await file.db?.close();
  });
  return file;
}
