/**
 * The stores on the standard workload: seeding, the workers' bulk load, snapshot writes to Postgres
 * (insert and overwrite, at several concurrencies) and the Redis cache (guarded set, get, the version
 * heads a job reads for the actors it finds current), each as a rate. Uses DATABASE_URL / REDIS_URL
 * when set, else starts private servers; works in a database of its own (created and dropped here)
 * and under a key prefix of its own (deleted at the end).
 *
 *   npm run bench:store -- [--actors N | --input FILE.jsonl] [--batch B] [--concurrency 1,2,4] [--json]
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { loadSettings } from '../config/settings';
import {
  createPgPool,
  actorLine,
  loadActorLines,
  type LoadedActor,
  migrateDatabase,
  plaintextCodec,
  SnapshotRepository,
} from '../src/adapters/pg';
import { SnapshotCache } from '../src/adapters/redis';
import { seedActors } from '../src/seed/seed-actors';
import {
  environment,
  fig,
  intList,
  loadBenchInput,
  positiveInt,
  runMain,
  snapshotRecordOf,
  table,
  WORKLOAD_OPTIONS,
} from './support';
import { openIsolatedStores } from '../src/demo/isolated-stores';
import { settleDatabase } from './settle-database';
import { HELP_OPTION, printHelpAndExit } from './bench-help';

interface Rate {
  name: string;
  items: number;
  seconds: number;
  unit: string;
}

async function timed(name: string, unit: string, items: number, work: () => Promise<unknown>): Promise<Rate> {
  const start = process.hrtime.bigint();
  await work();
  return { name, unit, items, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/** Runs `work` on consecutive slices of `items`, `concurrency` slices at a time. */
async function inSlices<T>(
  items: readonly T[],
  size: number,
  concurrency: number,
  work: (slice: T[]) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const slice = items.slice(next, (next += size));
      await work(slice);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

async function* asLines(lines: readonly string[]): AsyncGenerator<string> {
  yield* lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...HELP_OPTION,
      ...WORKLOAD_OPTIONS,
      batch: { type: 'string' },
      concurrency: { type: 'string' },
    },
    strict: true,
  });
  if (values.help) printHelpAndExit(__filename);
  const { lines, workload, registries } = loadBenchInput(values);
  const batch = positiveInt(values.batch, '--batch') ?? 1000;
  const concurrencies = intList(values.concurrency ?? '1,2,4', '--concurrency');
  const stores = await openIsolatedStores({
    settings: loadSettings(),
    database: `bench_store_${process.pid}`,
    fallbackDatabase: `bench_store_${process.pid}_2`,
    namespace: `bench-store-${process.pid}`,
  });
  const { databaseUrl, redisUrl, redisKeyPrefix: prefix } = stores.settings;
  const pool = createPgPool({ url: databaseUrl, max: Math.max(...concurrencies) + 1 });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const rates: Rate[] = [];
  try {
    await migrateDatabase(pool);
    const n = lines.length;
    const outputs = lines.reduce((sum, line) => sum + (JSON.parse(line).subsystems as unknown[]).length, 0);
    rates.push(
      await timed('seed (validate + 3 statements per batch, one transaction)', 'actors/s', n, () =>
        seedActors({
          pool,
          lines: asLines(lines),
          registries: registries.compiled,
          codec: plaintextCodec,
          batchSize: batch,
        }),
      ),
    );
    await settleDatabase(pool);
    const ids = lines.map((line) => JSON.parse(line).actorId as string);
    // The loaded actors as the workers get them (packed text or JSON); made into lines after the clock.
    const loaded: LoadedActor[] = [];
    const versions = new Map<string, number>();
    for (const c of concurrencies) {
      loaded.length = 0;
      rates.push(
        await timed(`bulk load, ${c} connection(s)`, 'actors/s', n, () =>
          inSlices(ids, batch, c, async (slice) => {
            const result = await loadActorLines(pool, slice);
            for (const actor of result.actors) {
              loaded.push(actor);
              versions.set(actor.actorId, actor.version);
            }
          }),
        ),
      );
    }
    const records = loaded.map((actor) => snapshotRecordOf(actorLine(actor), registries));
    const snapshotBytes = records.reduce((sum, r) => sum + r.snapshotJson.length, 0) / records.length;
    const snapshots = new SnapshotRepository(pool);
    for (const c of concurrencies) {
      await pool.query('TRUNCATE snapshots');
      rates.push(
        await timed(`snapshot insert, ${c} connection(s)`, 'rows/s', n, () =>
          inSlices(records, batch, c, (slice) => snapshots.writeSnapshots(slice)),
        ),
      );
      rates.push(
        await timed(`snapshot overwrite, ${c} connection(s)`, 'rows/s', n, () =>
          inSlices(records, batch, c, (slice) => snapshots.writeSnapshots(slice)),
        ),
      );
    }
    const cache = new SnapshotCache({ redis, keyPrefix: prefix, ttlSeconds: 600 });
    rates.push(
      await timed('redis guarded set (pipelined)', 'keys/s', n, () =>
        inSlices(records, batch, 1, (s) => cache.setMany(s)),
      ),
    );
    rates.push(
      await timed('redis get (pipelined)', 'keys/s', n, () =>
        inSlices(ids, batch, 1, (s) => cache.getMany(s)),
      ),
    );
    // What a job pays per actor it finds current in Postgres: the check that Redis holds it too.
    rates.push(
      await timed('redis version heads (pipelined GETRANGE)', 'keys/s', n, () =>
        inSlices(ids, batch, 1, (s) => cache.cachedHeads(s)),
      ),
    );

    const env = environment();
    const rate = (r: Rate): number => fig(r.items / r.seconds);
    console.log(`store bench: ${n} actors (${outputs} outputs) from ${workload.source}; batch ${batch}`);
    console.log(
      `snapshot JSON ${Math.round(snapshotBytes)} bytes on average; ${env.cpus} CPUs (${env.cpu}), Node ${env.node}`,
    );
    console.log(
      `postgres ${stores.started.postgres ? 'private (started here)' : 'from DATABASE_URL'}, ` +
        `redis ${stores.started.redis ? 'private (started here)' : 'from REDIS_URL'}\n`,
    );
    console.log(
      table([
        ['step', 'rate', 'unit', 'seconds'],
        ...rates.map((r) => [r.name, rate(r), r.unit, fig(r.seconds)]),
      ]),
    );
    if (values.json) {
      const best = (prefixName: string): number =>
        Math.max(...rates.filter((r) => r.name.startsWith(prefixName)).map(rate));
      const seed = rates[0]!;
      console.log(
        JSON.stringify({
          actors: n,
          batch,
          seed_actors_per_s: rate(seed),
          seed_outputs_per_s: fig(outputs / seed.seconds),
          load_actors_per_s: best('bulk load'),
          snapshot_insert_rows_per_s: best('snapshot insert'),
          snapshot_overwrite_rows_per_s: best('snapshot overwrite'),
          snapshot_bytes: Math.round(snapshotBytes),
          redis_set_per_s: best('redis guarded set'),
          redis_get_per_s: best('redis get'),
          redis_heads_per_s: best('redis version heads'),
          cpus: env.cpus,
          node: env.node,
        }),
      );
    }
  } finally {
    redis.disconnect();
    await pool.end();
    await stores.close();
  }
}

runMain(main);
