/**
 * Backup and recovery on the standard workload: seeds N actors with a snapshot each (in Postgres and in
 * the Redis cache), times deploy/backup.sh (dump duration and size), drops both schemas, times
 * deploy/restore.sh into the destroyed database (the RTO: restore plus the cache purge), and checks that
 * every row of every table came back (a checksum per table). Uses DATABASE_URL / REDIS_URL when set
 * (in a database and under key prefixes of its own), else starts private servers.
 *
 *   npm run bench:backup -- [--actors N] [--batch B] [--json]
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { Redis } from 'ioredis';
import { loadSettings } from '../config/settings';
import {
  createPgPool,
  actorLine,
  loadActorLines,
  migrateDatabase,
  plaintextCodec,
  SnapshotRepository,
} from '../src/adapters/pg';
import { SnapshotCache } from '../src/adapters/redis';
import { countKeys, openIsolatedStores } from '../src/demo/isolated-stores';
import { loadRegistries } from '../src/registry';
import { seedActors } from '../src/seed/seed-actors';
import {
  environment,
  fig,
  generatorFile,
  positiveInt,
  repoRoot,
  runMain,
  snapshotRecordOf,
  table,
} from './support';
import { settleDatabase } from './settle-database';
import { HELP_OPTION, printHelpAndExit } from './bench-help';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a deploy/ script to its end; its progress lines go to our stderr as they come. */
function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(repoRoot, 'deploy', script), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      process.stderr.write(text);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: seconds(start) }));
  });
}

/** md5 per table of the md5 of every row in primary key order, and every sequence's position. */
async function checksums(pool: pg.Pool): Promise<{ sums: Map<string, string>; rows: number }> {
  const relations = await pool.query<{ name: string; kind: string; key: string | null }>(`
    SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relkind AS kind,
      (SELECT string_agg(format('t.%I', a.attname), ', ' ORDER BY k.ord)
       FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
       WHERE i.indrelid = c.oid AND i.indisprimary) AS key
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_%'
    ORDER BY 1`);
  const sums = new Map<string, string>();
  let rows = 0;
  for (const { name, kind, key } of relations.rows) {
    if (kind === 'S') {
      const seq = await pool.query<{ v: string }>(`SELECT last_value || ' ' || is_called AS v FROM ${name}`);
      sums.set(name, seq.rows[0]!.v);
      continue;
    }
    const result = await pool.query<{ n: number; sum: string }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(md5(t::text), '' ORDER BY ${key ?? 't::text'}), '')) AS sum
       FROM ${name} t`,
    );
    rows += result.rows[0]!.n;
    sums.set(name, `${result.rows[0]!.n} ${result.rows[0]!.sum}`);
  }
  return { sums, rows };
}

function sameSums(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([name, sum]) => b.get(name) === sum);
}

/** Resolves every actor (in id order, `batch` at a time) and stores its snapshot in Postgres and Redis. */
async function writeSnapshots(
  pool: pg.Pool,
  cache: SnapshotCache,
  registries: ReturnType<typeof loadRegistries>,
  batch: number,
): Promise<number> {
  const repository = new SnapshotRepository(pool);
  let after = '';
  let written = 0;
  for (;;) {
    const page = await pool.query<{ id: string }>(
      'SELECT id FROM actors WHERE id > $1 ORDER BY id LIMIT $2',
      [after, batch],
    );
    if (page.rows.length === 0) return written;
    after = page.rows[page.rows.length - 1]!.id;
    const loaded = await loadActorLines(
      pool,
      page.rows.map((row) => row.id),
    );
    const records = loaded.actors.map((actor) => snapshotRecordOf(actorLine(actor), registries));
    await repository.writeSnapshots(records);
    await cache.setMany(records);
    written += records.length;
  }
}

/**
 * The standard workload's lines, through a file: generate.mjs ignores backpressure, so piped into a
 * consumer as slow as seeding (~1,000 actors/s) it buffers the whole output and fails with ENOBUFS.
 */
async function* workloadLines(actors: number, file: string): AsyncGenerator<string> {
  const fd = fs.openSync(file, 'w');
  try {
    const run = spawnSync(process.execPath, [generatorFile, '--actors', String(actors)], {
      stdio: ['ignore', fd, 'inherit'],
    });
    if (run.status !== 0) throw new Error(`generate.mjs exited with ${run.status ?? run.signal}`);
  } finally {
    fs.closeSync(fd);
  }
  try {
    yield* readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...HELP_OPTION,
      actors: { type: 'string' },
      batch: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) printHelpAndExit(__filename);
  const actors = positiveInt(values.actors, '--actors') ?? 10_000;
  const batch = positiveInt(values.batch, '--batch') ?? 1000;
  if (!fs.existsSync(generatorFile)) throw new Error(`workload generator not found: ${generatorFile}`);
  const registries = loadRegistries({});
  const tag = `${process.pid}`;
  const stores = await openIsolatedStores({
    settings: loadSettings(),
    database: `bench_backup_${tag}`,
    fallbackDatabase: `bench_backup_${tag}_2`,
    namespace: `bench-backup-${tag}`,
    log,
  });
  const { databaseUrl, redisUrl, redisKeyPrefix } = stores.settings;
  const pool = createPgPool({ url: databaseUrl, max: 2, applicationName: 'bench-backup' });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'actor-core-bench-backup-'));
  // The scripts' own variables only: never upload bench data to a configured bucket.
  const scriptEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl };
  for (const name of Object.keys(scriptEnv))
    if (/^(S3_|AWS_|BACKUP_|RESTORE_)/.test(name)) delete scriptEnv[name];
  Object.assign(scriptEnv, { BACKUP_DIR: backupDir, REDIS_KEY_PREFIX: redisKeyPrefix });
  try {
    await migrateDatabase(pool);
    let start = process.hrtime.bigint();
    log(`seeding ${actors} standard actors…`);
    await seedActors({
      pool,
      lines: workloadLines(actors, path.join(backupDir, 'actors.jsonl')),
      registries: registries.compiled,
      codec: plaintextCodec,
      batchSize: batch,
    });
    const seedSeconds = seconds(start);
    start = process.hrtime.bigint();
    log(`seeded in ${fig(seedSeconds)} s; resolving and storing a snapshot per actor…`);
    const cache = new SnapshotCache({ redis, keyPrefix: redisKeyPrefix, ttlSeconds: 24 * 3600 });
    const snapshots = await writeSnapshots(pool, cache, registries, batch);
    const snapshotSeconds = seconds(start);
    await settleDatabase(pool);
    const dbBytes = Number(
      (await pool.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n')).rows[0]!.n,
    );
    const server = (
      await pool.query<{ v: string }>(
        `SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ' ' ORDER BY name) AS v FROM pg_settings
         WHERE name IN ('shared_buffers', 'maintenance_work_mem', 'max_wal_size', 'fsync', 'server_version')`,
      )
    ).rows[0]!.v;
    const before = await checksums(pool);
    const cachedBefore = await countKeys(redis, `${redisKeyPrefix}:snapshot:*`);

    log('backup.sh…');
    const backup = await runScript('backup.sh', [], scriptEnv);
    if (backup.code !== 0) throw new Error(`backup.sh exited ${backup.code}`);
    const dumpFile = backup.stdout.trim().split('\n').pop()!;
    const dumpBytes = fs.statSync(dumpFile).size;

    log('destroying the database (DROP SCHEMA public, drizzle CASCADE)…');
    await pool.query('DROP SCHEMA drizzle CASCADE; DROP SCHEMA public CASCADE');
    log('restore.sh…');
    const restore = await runScript('restore.sh', [dumpFile], scriptEnv);
    if (restore.code !== 0) throw new Error(`restore.sh exited ${restore.code}`);
    const pgRestoreSeconds = Number(/database restored in ([\d.]+) s/.exec(restore.stderr)?.[1] ?? NaN);
    const purged = Number(/deleted (\d+) cached snapshot/.exec(restore.stderr)?.[1] ?? NaN);
    const after = await checksums(pool);
    const cachedAfter = await countKeys(redis, `${redisKeyPrefix}:snapshot:*`);
    const match = sameSums(before.sums, after.sums) && cachedAfter === 0;

    const env = environment();
    const mb = (bytes: number): number => fig(bytes / 1e6);
    console.log(
      `backup bench: ${actors} standard actors, ${snapshots} snapshots, ${before.rows} rows in ${before.sums.size} tables and sequences; ` +
        `database ${mb(dbBytes)} MB on disk`,
    );
    console.log(
      `postgres ${stores.started.postgres ? 'private (started here)' : 'from DATABASE_URL'}: ${server}`,
    );
    console.log(`${env.cpus} CPUs (${env.cpu}), Node ${env.node}\n`);
    console.log(
      table([
        ['step', 'seconds', 'what'],
        ['seed (setup)', fig(seedSeconds), `${fig(actors / seedSeconds)} actors/s`],
        [
          'snapshots (setup)',
          fig(snapshotSeconds),
          `${snapshots} to Postgres and ${cachedBefore} cached in Redis`,
        ],
        [
          'backup.sh',
          fig(backup.seconds),
          `dump ${mb(dumpBytes)} MB (${fig((dumpBytes / dbBytes) * 100)}% of the database), database read at ${mb(dbBytes / backup.seconds)} MB/s`,
        ],
        [
          'restore.sh = RTO',
          fig(restore.seconds),
          `pg_restore ~${pgRestoreSeconds} s, then ${purged} cached snapshots purged`,
        ],
      ]),
    );
    console.log(
      `\nchecksums of every table ${match ? 'match' : 'DO NOT match'} after the restore; cached snapshots left: ${cachedAfter}`,
    );
    console.log(
      'RPO: pg_dump reads one consistent snapshot as of its start, so a dump loses the writes after that; ' +
        `backing up every I hours gives RPO ≤ I h + ${fig(backup.seconds)} s (the dump's duration). ` +
        'Seconds of RPO need WAL archiving with point-in-time recovery (pgBackRest, WAL-G, or a managed ' +
        "Postgres's PITR); the cache and the queue are rebuilt from Postgres, so they add no RPO.",
    );
    if (values.json) {
      console.log(
        JSON.stringify({
          actors,
          dump_bytes: dumpBytes,
          backup_s: fig(backup.seconds),
          restore_s: fig(restore.seconds),
          rows: before.rows,
          checksums_match: match,
          db_bytes: dbBytes,
          pg_restore_s: pgRestoreSeconds,
          cache_keys_purged: purged,
          seed_s: fig(seedSeconds),
          cpus: env.cpus,
        }),
      );
    }
    if (!match) process.exitCode = 1;
  } finally {
    fs.rmSync(backupDir, { recursive: true, force: true });
    redis.disconnect();
    await pool.end();
    await stores.close();
  }
}

runMain(main);
