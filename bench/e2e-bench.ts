/**
 * The whole pipeline on the standard workload: seed, enqueue, and stop the clock when every snapshot is
 * in Postgres and Redis (each job writes both before it completes; both are counted afterwards). Worker
 * processes are `actor-core worker` children on a fresh queue; the database is created for the run.
 * While the bulk run goes, single-actor interactive jobs are enqueued, spread over it, for their
 * latency; by default they are served by one interactive-lane worker process of their own, while the W
 * bulk-lane processes run at nice 19 (--interactive-workers 0: every process serves every lane, at
 * normal priority). Bare BullMQ on the same Redis (no-op jobs: as many as the run used, and 20,000 single jobs
 * at concurrency 1 and 50) makes the pipeline's overhead a ratio.
 *
 * Defaults: one bulk worker process (W = 1) with a thread per CPU (T), the worker's default concurrency,
 * batch size and warm-up, plus the interactive-lane process. Workers start, and warm up, before the clock
 * does, as they do in production before they take jobs (--warm-up-ms 0: cold threads). Then a warm pass
 * takes 5,000 other actors through the whole pipeline 3 times and removes its results, so that the
 * clock measures running processes, not their first jobs (e2e-warm-pass.ts; --warm-pass 0: none).
 *
 *   npm run bench:e2e -- [--actors N] [--workers W] [--threads T] [--batch B] [--concurrency C]
 *                        [--interactive K] [--interactive-workers I] [--bulk-nice N] [--warm-up-ms MS]
 *                        [--warm-pass A] [--warm-rounds R] [--bare-jobs J] [--bare-concurrency 1,50] [--json]
 *   npm run bench:e2e -- --sweep [--workers 1,2] [--threads 1,2] [--batch 100,500,1000] ...
 *
 * Writes bench/results/e2e-<timestamp>.json, and with --sweep bench/results/e2e-throughput.svg.
 * Worker logs (debug level, for the stage timings): .data/bench-e2e/workers-<n>.log.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { loadSettings, type Settings } from '../config/settings';
import { parseKeyRing } from '../src/adapters/crypto';
import { actorDataCodec, createPgPool, migrateDatabase } from '../src/adapters/pg';
import { progressBar } from '../src/cli/progress-bar';
import { InterruptedError, onInterrupt, type Interrupt } from '../src/demo/interrupt';
import { openIsolatedStores } from '../src/demo/isolated-stores';
import { generatedActorLines, requireGenerator } from '../src/demo/workload';
import { actorDedupId, PRIORITY_VALUES } from '../src/queue/resolve-jobs';
import { loadRegistries } from '../src/registry';
import { seedActors } from '../src/seed/seed-actors';
import { runBare, type BareJob, type BareResult } from './e2e-bare';
import { jsonLine, printReport, verified, writeChart, writeResults, type ConfigReport } from './e2e-report';
import { splitE2eIds } from './e2e-ids';
import { runE2eConfig, type E2eConfig, type E2eContext } from './e2e-run';
import { settleDatabase } from './settle-database';
import { environment, intList, positiveInt, repoRoot, runMain } from './support';
import { HELP_OPTION, printHelpAndExit } from './bench-help';

const DEFAULTS = {
  actors: 20_000,
  // One process per machine, threads = CPUs (the product's default), at the default concurrency:
  // measured against 2 processes × 1 thread, as fast, and interactive p99 under 50 ms (bench/performance-log.md).
  workers: 1,
  interactive: 50,
  // Actors through the pipeline before each timed run (seeded besides the measured ones), and how many
  // times: per-job code is optimized only after a few dozen jobs (e2e-warm-pass.ts).
  warmPass: 5_000,
  warmRounds: 3,
  // The recommended layout on a shared machine: interactive jobs in a process of their own, bulk at nice 19.
  interactiveWorkers: 1,
  bulkNice: 19,
  bareJobs: 20_000,
} as const;
const SWEEP = { workers: [1, 2], threads: [1, 2], batch: [100, 500, 1000] } as const;

interface Options {
  actors: number;
  interactive: number;
  warmPass: number;
  bareJobs: number;
  bareConcurrency: number[];
  batches: number[];
  configs: E2eConfig[];
  sweep: boolean;
  json: boolean;
}

function list(
  value: string | undefined,
  flag: string,
  sweep: boolean,
  fallback: readonly number[],
): number[] {
  if (value === undefined) return [...fallback];
  const values = intList(value, flag);
  if (values.length > 1 && !sweep) throw new Error(`${flag} takes one value without --sweep, got ${value}`);
  return values;
}

/** A count that may be 0 (to skip that part). */
function count(value: string | undefined, flag: string, fallback: number): number {
  return value === '0' ? 0 : (positiveInt(value, flag) ?? fallback);
}

function parseOptions(settings: Settings): Options {
  const { values } = parseArgs({
    options: {
      ...HELP_OPTION,
      actors: { type: 'string' },
      workers: { type: 'string' },
      threads: { type: 'string' },
      batch: { type: 'string' },
      concurrency: { type: 'string' },
      interactive: { type: 'string' },
      'interactive-workers': { type: 'string' },
      'bulk-nice': { type: 'string' },
      'warm-up-ms': { type: 'string' },
      'warm-pass': { type: 'string' },
      'warm-rounds': { type: 'string' },
      'bare-jobs': { type: 'string' },
      'bare-concurrency': { type: 'string' },
      sweep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) printHelpAndExit(__filename);
  const sweep = values.sweep === true;
  const concurrency = positiveInt(values.concurrency, '--concurrency') ?? settings.worker.concurrency;
  const workers = list(values.workers, '--workers', sweep, sweep ? SWEEP.workers : [DEFAULTS.workers]);
  const threads = list(values.threads, '--threads', sweep, sweep ? SWEEP.threads : [settings.worker.threads]);
  const batches = list(values.batch, '--batch', sweep, sweep ? SWEEP.batch : [settings.queue.batchSize]);
  const interactiveWorkers = count(
    values['interactive-workers'],
    '--interactive-workers',
    DEFAULTS.interactiveWorkers,
  );
  const bulkNice = values['bulk-nice'] === undefined ? DEFAULTS.bulkNice : Number(values['bulk-nice']);
  if (!Number.isInteger(bulkNice) || bulkNice < 0 || bulkNice > 19) {
    throw new Error(`--bulk-nice must be an integer from 0 to 19, got ${values['bulk-nice']}`);
  }
  const warmUpMs =
    values['warm-up-ms'] === undefined ? settings.worker.warmUpMs : Number(values['warm-up-ms']);
  if (!Number.isInteger(warmUpMs) || warmUpMs < 0 || warmUpMs > 60_000) {
    throw new Error(`--warm-up-ms must be an integer from 0 to 60000, got ${values['warm-up-ms']}`);
  }
  const warmRounds = count(values['warm-rounds'], '--warm-rounds', DEFAULTS.warmRounds);
  const configs: E2eConfig[] = [];
  for (const batch of batches)
    for (const w of workers)
      for (const t of threads)
        configs.push({
          workers: w,
          threads: t,
          batch,
          concurrency,
          interactiveWorkers,
          bulkNice,
          warmUpMs,
          warmRounds,
        });
  return {
    actors: positiveInt(values.actors, '--actors') ?? DEFAULTS.actors,
    interactive: count(values.interactive, '--interactive', DEFAULTS.interactive),
    warmPass: count(values['warm-pass'], '--warm-pass', DEFAULTS.warmPass),
    bareJobs: count(values['bare-jobs'], '--bare-jobs', DEFAULTS.bareJobs),
    bareConcurrency: intList(values['bare-concurrency'] ?? '1,50', '--bare-concurrency'),
    batches,
    configs,
    sweep,
    json: values.json === true,
  };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The jobs of an e2e run as no-op jobs: the same data, priorities and deduplication. */
function sameShapeJobs(
  bulkIds: readonly string[],
  batch: number,
  interactiveIds: readonly string[],
): BareJob[] {
  const enqueuedAt = Date.now();
  return [
    ...chunk(bulkIds, batch).map((actorIds) => ({
      data: { actorIds, enqueuedAt },
      opts: { priority: PRIORITY_VALUES.bulk },
    })),
    ...interactiveIds.map((id) => ({
      data: { actorIds: [id], enqueuedAt },
      opts: { deduplication: { id: actorDedupId(id), keepLastIfActive: true } },
    })),
  ];
}

/** Seeds `total` standard actors (one transaction); stops at the next line when interrupted. */
async function seed(
  pool: pg.Pool,
  settings: Settings,
  total: number,
  interrupt: Interrupt,
): Promise<{ actors: number; seconds: number }> {
  const registries = loadRegistries();
  const ring = settings.encryptionKey === undefined ? undefined : parseKeyRing(settings.encryptionKey);
  const bar = progressBar(process.stderr);
  async function* lines(): AsyncGenerator<string> {
    for await (const line of generatedActorLines(total)) {
      if (interrupt.signalled()) throw new InterruptedError('SIGINT');
      yield line;
    }
  }
  const start = process.hrtime.bigint();
  const seeded = await interrupt.race(
    seedActors({
      pool,
      codec: actorDataCodec(ring),
      registries: registries.compiled,
      lines: lines(),
      onProgress: (p) => bar.update(p.actors, p.actors / total, 'actors seeded'),
    }).finally(() => bar.finish()),
  );
  return { actors: seeded.actors, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

async function main(): Promise<void> {
  const settings = loadSettings();
  const options = parseOptions(settings);
  requireGenerator();
  const interrupt = onInterrupt((signal, again) =>
    console.error(again ? `${signal} again: exiting now` : `${signal}: stopping workers and servers…`),
  );
  const tag = String(process.pid);
  const logDir = path.join(repoRoot, '.data', 'bench-e2e');
  fs.mkdirSync(logDir, { recursive: true });
  const stores = await interrupt.race(
    openIsolatedStores({
      settings,
      database: `bench_e2e_${tag}`,
      fallbackDatabase: `bench_e2e_${tag}_2`,
      namespace: `bench-e2e-${tag}`,
    }),
  );
  const pool = createPgPool({ url: stores.settings.databaseUrl, max: 4, applicationName: 'bench-e2e' });
  const queueFor = (name: string): Settings['queue'] => ({
    ...stores.settings.queue,
    name: `bench-e2e-${tag}-${name}`,
    prefix: `{bench-e2e-${tag}}`,
  });
  let ok = true;
  try {
    await interrupt.race(migrateDatabase(pool));
    const seeded = await seed(
      pool,
      stores.settings,
      options.actors + options.interactive + options.warmPass,
      interrupt,
    );
    const settled = await interrupt.race(settleDatabase(pool));
    const ids = (await pool.query<{ id: string }>('SELECT id FROM actors ORDER BY id')).rows.map((r) => r.id);
    const split = splitE2eIds(ids, options.interactive, options.warmPass);
    const ctx: E2eContext = {
      settings: stores.settings,
      pool,
      bulkIds: split.bulk,
      interactiveIds: split.interactive,
      warmBulkIds: split.warmBulk,
      warmInteractiveIds: split.warmInteractive,
      logDir,
      tag,
      abort: interrupt.interrupted,
      localPostgres: stores.started.postgres,
      localRedis: stores.started.redis,
    };

    const configs: ConfigReport[] = [];
    for (const [i, config] of options.configs.entries()) {
      console.error(
        `[${i + 1}/${options.configs.length}] ${config.workers} workers × ${config.threads} threads, ` +
          `batch ${config.batch}, concurrency ${config.concurrency}: ` +
          `${ctx.bulkIds.length} actors + ${ctx.interactiveIds.length} interactive…`,
      );
      const result = await runE2eConfig(ctx, config, i);
      const bare = await runBare({
        redisUrl: stores.settings.redisUrl,
        queue: queueFor(`bare-${i}`),
        worker: { ...stores.settings.worker, concurrency: config.concurrency },
        processes: config.workers,
        jobs: sameShapeJobs(ctx.bulkIds, config.batch, ctx.interactiveIds),
        abort: interrupt.interrupted,
      });
      configs.push({ result, bare });
      if (!verified(result)) ok = false;
      console.error(
        `    ${Math.round(result.actorsPerSecond)} actors/s, ${result.seconds.toFixed(2)} s; ` +
          `bare BullMQ, the same ${bare.jobs} jobs: ${bare.seconds.toFixed(3)} s`,
      );
    }
    const bareSingles: BareResult[] = [];
    if (options.bareJobs > 0) {
      const singles: BareJob[] = Array.from({ length: options.bareJobs }, (_, i) => ({
        data: { actorIds: [`bare-${i}`], enqueuedAt: 0 },
      }));
      for (const c of options.bareConcurrency) {
        console.error(
          `bare BullMQ: ${options.bareJobs} single no-op jobs, 1 worker process, concurrency ${c}…`,
        );
        bareSingles.push(
          await runBare({
            redisUrl: stores.settings.redisUrl,
            queue: queueFor(`single-${c}`),
            worker: { ...stores.settings.worker, concurrency: c },
            processes: 1,
            jobs: singles,
            abort: interrupt.interrupted,
          }),
        );
      }
    }

    const report = {
      env: environment(),
      stores: stores.started,
      seed: seeded,
      settled,
      configs,
      bareSingles,
    };
    printReport(report);
    const stamp = new Date()
      .toISOString()
      .replace(/:/g, '-')
      .replace(/\.\d+Z$/, 'Z');
    const file = writeResults(report, stamp);
    console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
    if (options.sweep) {
      console.log(`chart: ${path.relative(process.cwd(), writeChart(report, options.batches, stamp))}`);
    }
    const line = options.json ? jsonLine(report, file) : undefined;
    if (line !== undefined) console.log(line);
  } catch (err) {
    if (!(err instanceof InterruptedError)) throw err;
    ok = false;
  } finally {
    await pool.end();
    await stores.close();
    interrupt.dispose();
  }
  if (!ok) process.exitCode = 1;
}

runMain(main);
