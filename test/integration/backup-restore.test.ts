/**
 * deploy/backup.sh and deploy/restore.sh as real processes against the real Postgres and Redis: a
 * backup restored into a destroyed database brings back every row of every table (checksums, table by
 * table), the cached snapshots of the restored prefix are purged and nothing else; a broken dump
 * changes nothing; retention deletes only old backups; S3 uploads are signed and carry the exact bytes.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { recordFailures, SnapshotRepository } from '../../src/adapters/pg';
import { SnapshotCache } from '../../src/adapters/redis';
import type { SnapshotRecord } from '../../src/adapters/snapshot-record';
import {
  BACKUP_SCRIPT,
  databaseChecksums,
  linesOf,
  RESTORE_SCRIPT,
  runScript,
  scanKeys,
  sha256,
  snapshotRecords,
  startS3StandIn,
  type ScriptRun,
} from '../support/backup';
import { generateWorkload, seedWorkload } from '../support/cluster';
import { requiredEnv, uniquePrefix } from '../support/databases';
import { migratedDatabase, type TestDatabase } from '../support/pg';

// Real pg_dump / pg_restore processes: far above jest's default 5 s.
jest.setTimeout(60_000);

const ACTORS = 300;
let db: TestDatabase;
let redis: Redis;
let records: SnapshotRecord[];
let workDir: string;
/** The backup taken in beforeAll, and the checksums of the database it was taken from. */
let dumpFile: string;
let backupRun: ScriptRun;
let original: Record<string, string>;
const prefixes: string[] = [];

const haveRedisCli = spawnSync('redis-cli', ['--version']).status === 0;

function scriptEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { DATABASE_URL: db.url, REDIS_URL: requiredEnv('REDIS_URL'), BACKUP_DIR: workDir, ...extra };
}

const keysMatching = (pattern: string): Promise<string[]> => scanKeys(redis, pattern);

/** A fresh key prefix holding a cached snapshot of every actor, one odd key, and one non-snapshot key. */
async function cachedPrefix(label: string): Promise<string> {
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  await new SnapshotCache({ redis, keyPrefix: prefix, ttlSeconds: 600 }).setMany(records);
  await redis.set(`${prefix}:snapshot:odd id ü`, '{}', 'EX', 600);
  await redis.set(`${prefix}:rate-limit:client-1`, '7', 'EX', 600);
  return prefix;
}

async function valuesOf(keys: readonly string[]): Promise<(string | null)[]> {
  return keys.length === 0 ? [] : redis.mget(...keys);
}

beforeAll(async () => {
  db = await migratedDatabase('backup_restore');
  redis = new Redis(requiredEnv('REDIS_URL'), { maxRetriesPerRequest: 1 });
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'actor-core-backup-test-'));
  const ids = await seedWorkload(db, ACTORS, 23);
  records = snapshotRecords(generateWorkload(ACTORS, 23), db.registries);
  await new SnapshotRepository(db.pool).writeSnapshots(records);
  await recordFailures(db.pool, [
    // Newer than the actor's stored snapshot: a failure at or below it is not recorded.
    {
      actorId: ids[0]!,
      version: records.find((r) => r.actorId === ids[0])!.version + 1,
      error: { code: 'INVALID_TYPE', message: 'kept for operators' },
    },
  ]);
  original = await databaseChecksums(db.pool);
  backupRun = await runScript(BACKUP_SCRIPT, [], scriptEnv());
  dumpFile = linesOf(backupRun.stdout).pop() ?? '';
});

afterAll(async () => {
  try {
    for (const prefix of prefixes) {
      const keys = await keysMatching(`${prefix}*`);
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    redis?.disconnect();
    await db?.close();
    if (workDir !== undefined) fs.rmSync(workDir, { recursive: true, force: true });
  }
});

describe('backup.sh', () => {
  it('writes a custom-format dump named by its UTC time, with a matching .sha256, and prints its path last', () => {
    // The whole run in the diff when it fails: its stderr says why.
    expect(backupRun).toMatchObject({ code: 0 });
    expect(path.dirname(dumpFile)).toBe(workDir);
    expect(path.basename(dumpFile)).toMatch(/^actor-core-\d{8}T\d{6}Z\.dump$/);
    const bytes = fs.readFileSync(dumpFile);
    expect(bytes.subarray(0, 5).toString()).toBe('PGDMP'); // the custom format's magic
    expect(fs.readFileSync(`${dumpFile}.sha256`, 'utf8')).toBe(
      `${sha256(bytes)}  ${path.basename(dumpFile)}\n`,
    );
    expect(fs.statSync(dumpFile).mode & 0o777).toBe(0o600);
    // Nothing else: the temporary names were renamed away.
    expect(fs.readdirSync(workDir).sort()).toEqual([
      path.basename(dumpFile),
      `${path.basename(dumpFile)}.sha256`,
    ]);
  });

  it('fails with one line naming the variable when DATABASE_URL or a setting is missing or wrong', async () => {
    const cases: [Record<string, string | undefined>, RegExp][] = [
      [{ DATABASE_URL: undefined }, /^backup\.sh: DATABASE_URL is not set/],
      [{ BACKUP_RETENTION_DAYS: '0' }, /^backup\.sh: BACKUP_RETENTION_DAYS must be/],
      [{ S3_BUCKET: 'backups' }, /^backup\.sh: S3_BUCKET is set but AWS_ACCESS_KEY_ID/],
      [
        { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
        /^backup\.sh: cannot connect to DATABASE_URL: /,
      ],
    ];
    for (const [env, message] of cases) {
      const run = await runScript(
        BACKUP_SCRIPT,
        [],
        scriptEnv({ BACKUP_DIR: path.join(workDir, 'unused'), ...env }),
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(linesOf(run.stderr)).toEqual([expect.stringMatching(message)]);
    }
  });

  it('deletes only its own backups older than BACKUP_RETENTION_DAYS (default 30), and day-old partial files', async () => {
    const dir = fs.mkdtempSync(path.join(workDir, 'retention-'));
    const daysAgo = (name: string, days: number): string => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, name);
      const when = new Date(Date.now() - days * 86_400_000);
      fs.utimesSync(file, when, when);
      return name;
    };
    const old = [
      daysAgo('actor-core-20200101T000000Z.dump', 40),
      daysAgo('actor-core-20200101T000000Z.dump.sha256', 40),
    ];
    const recent = [
      daysAgo('actor-core-20200301T000000Z.dump', 10),
      daysAgo('actor-core-20200301T000000Z.dump.sha256', 10),
    ];
    const foreign = [
      daysAgo('actor-core-manual.dump', 40),
      daysAgo('actor-core-20200101T000000Z.dump.bak', 40),
      daysAgo('notes.txt', 400),
      daysAgo('other-20200101T000000Z.dump', 40),
      // Another run's dump in progress: young, so not a leftover.
      daysAgo('.actor-core-20200101T000000Z.dump.Ab12Cd.partial', 0.01),
    ];
    // A run killed mid-dump a day ago left this; no run will rename it any more.
    old.push(daysAgo('.actor-core-20200101T000000Z.dump.Zz99Yy.partial', 2));
    const first = await runScript(BACKUP_SCRIPT, [], scriptEnv({ BACKUP_DIR: dir }));
    expect(first).toMatchObject({ code: 0 });
    const made = path.basename(linesOf(first.stdout).pop()!);
    expect(fs.readdirSync(dir).sort()).toEqual([...recent, ...foreign, made, `${made}.sha256`].sort());
    expect(old.some((name) => fs.existsSync(path.join(dir, name)))).toBe(false);

    await new Promise((resolve) => setTimeout(resolve, 1100)); // a new second: a new file name
    const second = await runScript(
      BACKUP_SCRIPT,
      [],
      scriptEnv({ BACKUP_DIR: dir, BACKUP_RETENTION_DAYS: '7' }),
    );
    expect(second).toMatchObject({ code: 0 });
    const madeToo = path.basename(linesOf(second.stdout).pop()!);
    expect(fs.readdirSync(dir).sort()).toEqual(
      [...foreign, made, `${made}.sha256`, madeToo, `${madeToo}.sha256`].sort(),
    );
  });
});

describe('backup.sh upload to an S3-compatible endpoint (a local stand-in that verifies SigV4, not MinIO)', () => {
  const credentials = {
    AWS_ACCESS_KEY_ID: 'AKIATESTBACKUP',
    AWS_SECRET_ACCESS_KEY: 'test/secret+key',
    AWS_REGION: 'eu-west-3',
  };

  /** backup.sh into a new directory, uploading to `s3` (its bucket `actor-core-backups`). */
  async function backupToS3(
    s3: { endpoint: string },
    dirPrefix: string,
    env: Record<string, string> = {},
  ): Promise<{ dir: string; run: Awaited<ReturnType<typeof runScript>> }> {
    const dir = fs.mkdtempSync(path.join(workDir, dirPrefix));
    const run = await runScript(
      BACKUP_SCRIPT,
      [],
      scriptEnv({
        BACKUP_DIR: dir,
        S3_BUCKET: 'actor-core-backups',
        S3_ENDPOINT_URL: s3.endpoint,
        ...credentials,
        ...env,
      }),
    );
    return { dir, run };
  }

  it('PUTs the dump and its .sha256 to /<bucket>/<prefix><name>, signed, with the exact bytes', async () => {
    const s3 = await startS3StandIn({ secretKey: credentials.AWS_SECRET_ACCESS_KEY, region: 'eu-west-3' });
    try {
      const { run } = await backupToS3(s3, 's3-', { S3_PREFIX: 'prod/' });
      expect(run).toMatchObject({ code: 0 });
      const file = linesOf(run.stdout).pop()!;
      const name = path.basename(file);
      expect(s3.received.map((r) => [r.method, r.path])).toEqual([
        ['PUT', `/actor-core-backups/prod/${name}`],
        ['PUT', `/actor-core-backups/prod/${name}.sha256`],
      ]);
      expect(s3.received[0]!.body.equals(fs.readFileSync(file))).toBe(true);
      expect(s3.received[1]!.body.equals(fs.readFileSync(`${file}.sha256`))).toBe(true);
      for (const request of s3.received) {
        expect(request.authorization).toMatch(
          /^AWS4-HMAC-SHA256 Credential=AKIATESTBACKUP\/\d{8}\/eu-west-3\/s3\//,
        );
        expect(request.signatureValid).toBe(true);
        expect(request.payloadHashValid).toBe(true);
      }
    } finally {
      await s3.close();
    }
  });

  it('fails loudly when the store refuses the upload, and keeps the local backup', async () => {
    const s3 = await startS3StandIn({
      secretKey: credentials.AWS_SECRET_ACCESS_KEY,
      region: 'eu-west-3',
      status: 403,
    });
    try {
      const { dir, run } = await backupToS3(s3, 's3-refused-');
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      const last = linesOf(run.stderr).pop()!;
      expect(last).toMatch(/^backup\.sh: upload of actor-core-\d{8}T\d{6}Z\.dump to .* failed: .*403/);
      expect(last).toMatch(/the local backup .* is kept/);
      expect(s3.received).toHaveLength(1);
      expect(fs.readdirSync(dir).filter((name) => name.endsWith('.dump'))).toHaveLength(1);
    } finally {
      await s3.close();
    }
  });
  it('restore.sh takes a dump back from s3://, verified by its .sha256; a changed or missing object restores nothing', async () => {
    const s3 = await startS3StandIn({ secretKey: credentials.AWS_SECRET_ACCESS_KEY, region: 'eu-west-3' });
    try {
      const before = await databaseChecksums(db.pool);
      const { dir, run } = await backupToS3(s3, 's3-restore-', { S3_PREFIX: 'prod/' });
      expect(run).toMatchObject({ code: 0 });
      const name = path.basename(linesOf(run.stdout).pop()!);
      const source = `s3://actor-core-backups/prod/${name}`;
      const downloads = fs.mkdtempSync(path.join(workDir, 's3-downloads-'));
      const restoreEnv = scriptEnv({
        ...credentials,
        S3_ENDPOINT_URL: s3.endpoint,
        REDIS_KEY_PREFIX: await cachedPrefix('backup-s3'),
        RESTORE_DOWNLOAD_DIR: downloads,
      });
      fs.rmSync(dir, { recursive: true }); // the host that backed up is gone: only S3 has the dump

      await db.pool.query(`DELETE FROM actors WHERE id >= 'actor-0000250'`);
      const restored = await runScript(RESTORE_SCRIPT, [source], restoreEnv);
      expect(restored).toMatchObject({ code: 0, stdout: `restored ${source}\n` });
      expect(restored.stderr).toContain(`downloaded ${source}`);
      expect(restored.stderr).toContain('checksum OK');
      expect(await databaseChecksums(db.pool)).toEqual(before);
      const gets = s3.received.filter((r) => r.method === 'GET');
      expect(gets.map((r) => r.path)).toEqual([
        `/actor-core-backups/prod/${name}`,
        `/actor-core-backups/prod/${name}.sha256`,
      ]);
      expect(gets.every((r) => r.signatureValid)).toBe(true);
      expect(fs.readdirSync(downloads)).toEqual([]);

      // A truncated object does not match its .sha256: nothing is restored.
      await db.pool.query(`DELETE FROM actors WHERE id >= 'actor-0000290'`);
      const changed = await databaseChecksums(db.pool);
      const objectPath = `/actor-core-backups/prod/${name}`;
      s3.objects.set(objectPath, s3.objects.get(objectPath)!.subarray(0, 1000));
      const truncated = await runScript(RESTORE_SCRIPT, [source], restoreEnv);
      expect(truncated.code).toBe(1);
      expect(linesOf(truncated.stderr).pop()).toBe(
        `restore.sh: ${source} does not match its .sha256 (corrupted or truncated copy): nothing was restored`,
      );
      const missing = await runScript(RESTORE_SCRIPT, ['s3://actor-core-backups/prod/none.dump'], restoreEnv);
      expect(missing.code).toBe(1);
      expect(linesOf(missing.stderr).pop()).toMatch(
        /^restore\.sh: download of s3:\/\/actor-core-backups\/prod\/none\.dump failed: .*404.*: nothing was restored$/,
      );
      const unsigned = await runScript(RESTORE_SCRIPT, [source], {
        ...restoreEnv,
        AWS_SECRET_ACCESS_KEY: undefined,
      });
      expect(linesOf(unsigned.stderr).pop()).toBe(
        `restore.sh: the dump is on ${source} but AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not`,
      );
      expect(await databaseChecksums(db.pool)).toEqual(changed);
      expect(fs.readdirSync(downloads)).toEqual([]);
      // Put the rows back for the tests below.
      s3.objects.clear();
      const back = await runScript(RESTORE_SCRIPT, [dumpFile], restoreEnv);
      expect(back).toMatchObject({ code: 0 });
    } finally {
      await s3.close();
    }
  });
});

describe('restore.sh', () => {
  it('brings back every row of every table after both schemas are dropped, and purges only the cached snapshots of its prefix', async () => {
    const restored = await cachedPrefix('backup-restored');
    const other = await cachedPrefix('backup-other');
    const otherKeys = await keysMatching(`${other}:*`);
    const otherValues = await valuesOf(otherKeys);
    expect(otherKeys).toHaveLength(ACTORS + 2);

    await db.pool.query('DROP SCHEMA drizzle CASCADE; DROP SCHEMA public CASCADE');
    expect(Object.keys(await databaseChecksums(db.pool))).toEqual(['(schema)']);

    const run = await runScript(RESTORE_SCRIPT, [dumpFile], scriptEnv({ REDIS_KEY_PREFIX: restored }));
    expect(run).toMatchObject({ code: 0 });
    expect(await databaseChecksums(db.pool)).toEqual(original);
    expect(run.stderr).toContain(`deleted ${ACTORS + 1} cached snapshot(s) ${restored}:snapshot:*`);
    expect(run.stderr).toContain('actor-core enqueue --all --stale');
    expect(await keysMatching(`${restored}:snapshot:*`)).toEqual([]);
    expect(await keysMatching(`${restored}:*`)).toEqual([`${restored}:rate-limit:client-1`]);
    expect(await keysMatching(`${other}:*`)).toEqual(otherKeys);
    expect(await valuesOf(otherKeys)).toEqual(otherValues);
  });

  (haveRedisCli ? it : it.skip)(
    'restores over changed, deleted and added rows with redis-cli, and --purge-queue obliterates the queues',
    async () => {
      const restored = await cachedPrefix('backup-redis-cli');
      const queuePrefix = `{${uniquePrefix('backup-queue').replace(/:/g, '-')}}`;
      prefixes.push(queuePrefix);
      const connection = new Redis(requiredEnv('REDIS_URL'), { maxRetriesPerRequest: null });
      const queues = ['resolve', 'resolve-interactive'].map(
        (name) => new Queue(name, { connection, prefix: queuePrefix }),
      );
      try {
        for (const queue of queues)
          await queue.add('resolve', { actorIds: ['actor-0000001'] }, { jobId: 'actor.actor-0000001.v9' });
        expect(await keysMatching(`${queuePrefix}:*`)).not.toEqual([]);
        await db.pool.query(
          `UPDATE snapshots SET version = version + 5 WHERE actor_id < 'actor-0000050';
           DELETE FROM actors WHERE id >= 'actor-0000250';
           INSERT INTO actors (id, version, data) VALUES ('actor-added', 1, '{}');
           DELETE FROM drizzle.__drizzle_migrations WHERE id = (SELECT max(id) FROM drizzle.__drizzle_migrations);`,
        );
        const changed = await databaseChecksums(db.pool);
        for (const table of [
          'public.actors',
          'public.snapshots',
          'public.subsystems',
          'drizzle.__drizzle_migrations',
        ])
          expect(changed[table]).not.toBe(original[table]);

        const run = await runScript(
          RESTORE_SCRIPT,
          ['--purge-queue', dumpFile],
          scriptEnv({
            REDIS_KEY_PREFIX: restored,
            RESTORE_REDIS_CLIENT: 'redis-cli',
            QUEUE_NAME: 'resolve',
            QUEUE_PREFIX: queuePrefix,
          }),
        );
        expect(run).toMatchObject({ code: 0 });
        expect(await databaseChecksums(db.pool)).toEqual(original);
        expect(run.stderr).toContain(`with redis-cli`);
        expect(await keysMatching(`${restored}:snapshot:*`)).toEqual([]);
        expect(await keysMatching(`${restored}:*`)).toEqual([`${restored}:rate-limit:client-1`]);
        expect(run.stderr).toContain('obliterated the queues resolve and resolve-interactive (2 job(s))');
        expect(await keysMatching(`${queuePrefix}:*`)).toEqual([]);
      } finally {
        for (const queue of queues) await queue.close();
        connection.disconnect();
      }
    },
  );

  describe('with a dump it cannot trust, fails with a clear message and changes nothing', () => {
    let before: Record<string, string>;
    let prefix: string;

    beforeEach(async () => {
      // A state other than the dump's, so that "unchanged" cannot be mistaken for "restored".
      await db.pool.query(`DELETE FROM actors WHERE id >= 'actor-0000280'`);
      before = await databaseChecksums(db.pool);
      expect(before).not.toEqual(original);
      prefix = await cachedPrefix('backup-refused');
    });

    async function expectRefused(file: string, message: RegExp): Promise<void> {
      const run = await runScript(RESTORE_SCRIPT, [file], scriptEnv({ REDIS_KEY_PREFIX: prefix }));
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(linesOf(run.stderr).pop()).toMatch(message);
      expect(await databaseChecksums(db.pool)).toEqual(before);
      // Nothing restored, so nothing purged.
      expect(await keysMatching(`${prefix}:snapshot:*`)).toHaveLength(ACTORS + 1);
    }

    it('a truncated dump (no .sha256): pg_restore fails mid-way and its single transaction rolls back', async () => {
      const file = path.join(workDir, 'truncated.dump');
      const bytes = fs.readFileSync(dumpFile);
      fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      await expectRefused(
        file,
        /^restore\.sh: pg_restore failed, the database is unchanged \(the restore was one transaction, rolled back\): pg_restore: error: /,
      );
    });

    it('a corrupted dump whose .sha256 no longer matches is refused before the database is touched', async () => {
      const file = path.join(workDir, 'corrupted.dump');
      const bytes = Buffer.from(fs.readFileSync(dumpFile));
      bytes[Math.floor(bytes.length / 2)] ^= 0xff;
      fs.writeFileSync(file, bytes);
      fs.writeFileSync(`${file}.sha256`, fs.readFileSync(`${dumpFile}.sha256`));
      await expectRefused(
        file,
        /^restore\.sh: .*corrupted\.dump does not match .*corrupted\.dump\.sha256 \(corrupted or truncated copy\): nothing was restored$/,
      );
    });

    it('a file that is not a pg_dump archive', async () => {
      const file = path.join(workDir, 'garbage.dump');
      fs.writeFileSync(file, Buffer.alloc(4096, 'not a dump '));
      await expectRefused(
        file,
        /^restore\.sh: .*garbage\.dump is not a readable pg_dump custom-format archive: /,
      );
    });

    it('a Redis that cannot be reached (the stale cache could not be purged)', async () => {
      const run = await runScript(
        RESTORE_SCRIPT,
        [dumpFile],
        scriptEnv({ REDIS_URL: 'redis://127.0.0.1:1' }),
      );
      expect(run.code).toBe(1);
      expect(linesOf(run.stderr)).toEqual([
        expect.stringMatching(/^restore\.sh: cannot reach REDIS_URL with \S+: .*nothing was restored$/),
      ]);
      expect(await databaseChecksums(db.pool)).toEqual(before);
    });
  });

  it('fails with one line naming what is missing: the file, DATABASE_URL, REDIS_URL', async () => {
    const cases: [string[], Record<string, string | undefined>, RegExp][] = [
      [[], {}, /^restore\.sh: no dump file given \(usage: restore\.sh \[--purge-queue\] FILE\.dump\)$/],
      [[dumpFile], { DATABASE_URL: undefined }, /^restore\.sh: DATABASE_URL is not set/],
      [[dumpFile], { REDIS_URL: undefined }, /^restore\.sh: REDIS_URL is not set/],
      [[path.join(workDir, 'missing.dump')], {}, /^restore\.sh: .*missing\.dump: no such readable file$/],
      [
        [dumpFile],
        { REDIS_KEY_PREFIX: 'bad*prefix' },
        /^restore\.sh: REDIS_KEY_PREFIX 'bad\*prefix' must be/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const run = await runScript(RESTORE_SCRIPT, args, scriptEnv(env));
      expect(run.code).toBe(1);
      expect(linesOf(run.stderr)).toEqual([expect.stringMatching(message)]);
    }
  });
});
