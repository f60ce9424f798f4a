/**
 * `actor-core demo`: the main job end to end on one machine. Private Postgres and Redis (or a database
 * and queue of its own on given servers), migrate, seed N standard actors, start W worker processes,
 * enqueue every actor, follow the jobs to their end, then print throughput, enqueue-to-snapshot
 * latency and failures, and check that every actor has its snapshot. The sidecar (`actor-core api`:
 * /health, /ready, /metrics, Bull Board, the producer API) runs beside them; `keep` leaves it all
 * running until Ctrl-C and prints Bull Board's address with an admin token for it.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import type { Settings } from '../../config/settings';
import { parseKeyRing } from '../adapters/crypto';
import { BULL_BOARD_PATH } from '../api/auth/admin-routes';
import { SCOPES } from '../api/auth/scopes';
import { signToken } from '../api/auth/sign-token';
import { actorDataCodec, createPgPool, migrateDatabase } from '../adapters/pg';
import { progressBar } from '../cli/progress-bar';
import { producerRedisOptions, ResolveProducer } from '../producer/resolve-producer';
import { loadRegistries } from '../registry';
import { settlesWithin } from '../local-services/server-process';
import { seedActors } from '../seed/seed-actors';
import { startApiChild, type ApiChild } from './api-child';
import { answersReady, formatInt, printSummary, type DemoSummary } from './demo-summary';
import { InterruptedError, onInterrupt } from './interrupt';
import { countKeys, openIsolatedStores, type IsolatedStores } from './isolated-stores';
import { actorLatencies, JobTracker, readJobInfo, summarizeLatencies, tallyOutcomes } from './latency';
import { packageRoot, startWorkerChildren, type WorkerChildren } from './worker-children';
import { generatedActorLines, requireGenerator } from './workload';

export const DEMO_DEFAULTS = { actors: 10_000, workers: 2 } as const;
export const DEMO_DATABASE = 'actor_core_demo';
/** How long the admin token printed with `keep` lasts. */
const KEEP_TOKEN_TTL_SECONDS = 12 * 3600;

export interface DemoOptions {
  actors: number;
  workers: number;
  /** Resolve threads per worker; default: the CPUs shared out among the workers (at least 1). */
  threads?: number;
  keep: boolean;
  /** The process settings (URLs undefined: private servers). */
  settings: Settings;
  out: Writable;
  /** Where the progress bar goes (drawn only on a terminal). */
  err: Writable & { isTTY?: boolean };
}

/** `.data/demo/` in the package (or a temporary folder when that cannot be written). */
function demoDataDir(): string {
  const dir = path.join(packageRoot(), '.data', 'demo');
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    return dir;
  } catch {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'actor-core-demo-logs-'));
  }
}

/** A URL fit to print: the password (if any) masked. */
export function printableUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

async function* untilInterrupted(
  lines: AsyncIterable<string>,
  signalled: () => boolean,
): AsyncGenerator<string> {
  for await (const line of lines) {
    if (signalled()) throw new InterruptedError('SIGINT');
    yield line;
  }
}

/** Runs the demo; resolves undefined when it was interrupted (everything stopped all the same). */
export async function runDemo(options: DemoOptions): Promise<DemoSummary | undefined> {
  const say = (line: string): void => void options.out.write(`${line}\n`);
  const generator = requireGenerator(); // before anything is started
  const threads = options.threads ?? Math.max(1, Math.floor(os.availableParallelism() / options.workers));
  const base = options.settings;
  const dataDir = demoDataDir();
  const logFile = path.join(dataDir, 'workers.log');
  const apiLogFile = path.join(dataDir, 'api.log');
  fs.writeFileSync(logFile, '');
  fs.writeFileSync(apiLogFile, '');
  // The demo's API verifies tokens with a secret of this run's own, never JWT_SECRET: the admin token
  // printed with `keep` must not open a real API that shares that secret.
  const jwtSecret = randomBytes(32).toString('base64url');
  const interrupt = onInterrupt((signal, again) =>
    options.err.write(
      again
        ? `\n${signal} again: exiting now\n`
        : `\n${signal}: stopping the workers, the sidecar and the servers…\n`,
    ),
  );

  let stores: IsolatedStores | undefined;
  let workers: WorkerChildren | undefined;
  let starting: Promise<WorkerChildren> | undefined;
  let api: ApiChild | undefined;
  let apiStarting: Promise<ApiChild> | undefined;
  let seeding: Promise<unknown> | undefined;
  let pool: ReturnType<typeof createPgPool> | undefined;
  let connection: Redis | undefined;
  let producer: ResolveProducer | undefined;
  let tracker: JobTracker | undefined;
  try {
    say(
      base.databaseUrl === undefined || base.redisUrl === undefined
        ? 'starting private Postgres and Redis…'
        : 'using DATABASE_URL and REDIS_URL…',
    );
    stores = await interrupt.race(
      openIsolatedStores({
        settings: {
          ...base,
          worker: {
            ...base.worker,
            threads,
            shutdownTimeoutMs: Math.min(base.worker.shutdownTimeoutMs, 10_000),
          },
        },
        database: DEMO_DATABASE,
        fallbackDatabase: `${DEMO_DATABASE}_${process.pid}`,
        namespace: `demo-${process.pid}`,
        log: say,
      }),
    );
    const { settings } = stores;
    say(
      `postgres ${stores.started.postgres ? 'private' : 'given'} (database ${stores.database}), ` +
        `redis ${stores.started.redis ? 'private' : 'given'} (queue ${settings.queue.name})`,
    );

    pool = createPgPool({ url: settings.databaseUrl, max: 4, applicationName: 'actor-core-demo' });
    await interrupt.race(migrateDatabase(pool));
    const registries = loadRegistries();
    const ring = settings.encryptionKey === undefined ? undefined : parseKeyRing(settings.encryptionKey);

    say(
      `seeding ${formatInt(options.actors)} standard actors (${path.relative(process.cwd(), generator) || generator}) ` +
        `and starting ${options.workers} workers × ${threads} thread(s)…`,
    );
    const seedBar = progressBar(options.err);
    const seedStarted = Date.now();
    const seed = seedActors({
      pool,
      codec: actorDataCodec(ring),
      registries: registries.compiled,
      // Interrupted, the input fails: the seed rolls back and releases its connection before the servers go.
      lines: untilInterrupted(generatedActorLines(options.actors), interrupt.signalled),
      onProgress: (p) => seedBar.update(p.actors, p.actors / options.actors, 'actors seeded'),
    }).finally(() => seedBar.finish());
    seeding = seed;
    starting = startWorkerChildren({
      count: options.workers,
      settings,
      logFile,
      abort: interrupt.interrupted,
    });
    apiStarting = startApiChild({ settings, jwtSecret, logFile: apiLogFile, abort: interrupt.interrupted });
    // All settle before going on, so that a failure of one does not leave the others running unseen.
    // Interrupted, the starts stop their children themselves and the seed stops at its next line.
    const [seeded, started, apiStarted] = await interrupt.race(
      Promise.allSettled([seed, starting, apiStarting]),
    );
    if (started.status === 'fulfilled') workers = started.value;
    if (apiStarted.status === 'fulfilled') api = apiStarted.value;
    if (seeded.status === 'rejected') throw seeded.reason;
    if (started.status === 'rejected') throw started.reason;
    if (apiStarted.status === 'rejected') throw apiStarted.reason;
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    say(
      `seeded ${formatInt(seeded.value.actors)} actors in ${seedSeconds.toFixed(1)} s; ` +
        `workers ${workers!.pids.join(', ')} started (logs: ${logFile})`,
    );
    say(
      `sidecar ${api!.url} started: /health, /ready, /metrics, Bull Board at ${BULL_BOARD_PATH} (logs: ${apiLogFile})`,
    );

    connection = new Redis(settings.redisUrl, producerRedisOptions);
    connection.on('error', () => undefined); // reported through the failing command instead
    const live = new ResolveProducer({ connection, queue: settings.queue, pool });
    producer = live;
    const total = seeded.value.actors;
    let done = 0;
    const bar = progressBar(options.err);
    tracker = new JobTracker(
      (id) => live.queueOf(id),
      await live.allQueueEvents(),
      (outcome) => {
        if (outcome.result === undefined) return;
        for (const n of Object.values(outcome.result.counts)) done += n;
        bar.update(done, done / total, 'actors resolved');
      },
    );
    // The events listener starts reading a moment after it is ready; let it, so no event is missed.
    await new Promise((resolve) => setTimeout(resolve, 200));

    const t0 = Date.now();
    const enqueued = await interrupt.race(producer.enqueueAll());
    const workerDied = Promise.race([workers!.anyExited, api!.exited]).then((why) =>
      Promise.reject(new Error(why)),
    );
    workerDied.catch(() => undefined);
    const outcomes = await tracker
      .waitFor(enqueued.jobIds, {
        timeoutMs: 600_000 + total * 10,
        abort: Promise.race([interrupt.interrupted, workerDied]),
      })
      .finally(() => bar.finish());
    const totals = tallyOutcomes(outcomes);
    const seconds = Math.max(totals.lastAt - t0, 1) / 1000;
    const jobs = await readJobInfo((id) => live.queueOf(id), enqueued.jobIds);
    const latency = summarizeLatencies(actorLatencies(jobs, tracker));

    const counts = await pool.query<{ snapshots: string; without: string }>(
      `SELECT (SELECT count(*) FROM snapshots) AS snapshots,
              (SELECT count(*) FROM actors a WHERE NOT EXISTS (
                 SELECT 1 FROM snapshots s WHERE s.actor_id = a.id AND s.version >= a.version)) AS without`,
    );
    const cachedSnapshots = await countKeys(connection, `${settings.redisKeyPrefix}:snapshot:*`);
    const summary: DemoSummary = {
      actors: enqueued.actors,
      workers: options.workers,
      threads,
      concurrency: settings.worker.concurrency,
      batch: settings.queue.batchSize,
      jobs: enqueued.jobIds.length,
      seconds,
      actorsPerSecond: enqueued.actors / seconds,
      latency,
      failures: totals.counts.failed,
      failedJobs: totals.failedJobs,
      snapshots: Number(counts.rows[0]!.snapshots),
      actorsWithoutSnapshot: Number(counts.rows[0]!.without),
      cachedSnapshots,
      logFile,
      sidecar: { url: api!.url, ready: await answersReady(api!.url), logFile: apiLogFile },
    };
    printSummary(summary, say);

    if (options.keep && !interrupt.signalled()) {
      say('');
      say('Everything keeps running; Ctrl-C stops the workers, the sidecar and the servers.');
      say(`  DATABASE_URL=${printableUrl(settings.databaseUrl)}`);
      say(`  REDIS_URL=${printableUrl(settings.redisUrl)}`);
      say(
        `  QUEUE_NAME=${settings.queue.name} QUEUE_PREFIX='${settings.queue.prefix}' ` +
          `REDIS_KEY_PREFIX=${settings.redisKeyPrefix}`,
      );
      say(`  worker logs: ${logFile}`);
      const sidecars = workers!.sidecarUrls.filter((url) => url !== undefined);
      if (sidecars.length > 0) say(`  workers' /health, /ready, /metrics: ${sidecars.join(', ')}`);
      say(`  Bull Board: ${api!.url}${BULL_BOARD_PATH}`);
      say(`  API: ${api!.url} (/v1/…, /health, /ready, /metrics; logs: ${apiLogFile})`);
      say(
        `  admin token for both (every scope, valid ${KEEP_TOKEN_TTL_SECONDS / 3600} h; Bull Board asks for it):`,
      );
      say(`  TOKEN=${await demoToken(settings, jwtSecret)}`);
      say('  try, with those variables set: npx actor-core enqueue --all --force --wait');
      say(`  or: curl -H "Authorization: Bearer $TOKEN" ${api!.url}/v1/actors/actor-0000000/snapshot`);
      await interrupt.interrupted.catch(() => undefined);
    }
    return summary;
  } catch (err) {
    if (err instanceof InterruptedError) return undefined;
    throw err;
  } finally {
    tracker?.dispose();
    await producer?.close().catch(() => undefined);
    connection?.disconnect();
    // Workers still starting when interrupted stop themselves (abort), then reject.
    await (workers ?? (await starting?.catch(() => undefined)))?.stop();
    await (api ?? (await apiStarting?.catch(() => undefined)))?.stop();
    // An interrupted seed stops at its next line and rolls back; give it the time of a batch or two.
    if (seeding !== undefined) await settlesWithin(seeding, 15_000);
    if (pool !== undefined) await settlesWithin(pool.end(), 5_000);
    await stores?.close();
    interrupt.dispose();
    if (interrupt.signalled()) say('stopped: workers, sidecar and servers are down.');
  }
}

/** A token the demo's API accepts, with every scope: Bull Board's sign-in and the producer API. */
function demoToken(settings: Settings, secret: string): Promise<string> {
  return signToken({
    secret,
    issuer: settings.security.issuer,
    audience: settings.security.audience,
    subject: 'demo',
    scopes: SCOPES,
    ttlSeconds: KEEP_TOKEN_TTL_SECONDS,
  });
}
