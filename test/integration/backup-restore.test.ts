/**
 * deploy/backup.sh and deploy/restore.sh as real processes against the real Postgres and Redis: a
 * backup restored into a destroyed database brings back every row of every table (checksums, table by
 * table), the cached snapshots of the restored prefix are purged and nothing else; a broken dump
 * changes nothing; retention deletes only old backups. (Uploads to S3: backup-s3.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  BACKUP_SCRIPT,
  databaseChecksums,
  linesOf,
  RESTORE_SCRIPT,
  runScript,
  sha256,
} from '../support/backup';
import { BACKUP_ACTORS, useBackupFixture } from '../support/backup-fixture';
import { requiredEnv, uniquePrefix } from '../support/databases';

// Real pg_dump / pg_restore processes: far above jest's default 5 s.
jest.setTimeout(60_000);

const fx = useBackupFixture('backup_restore');
const haveRedisCli = spawnSync('redis-cli', ['--version']).status === 0;

describe('backup.sh', () => {
  it('writes a custom-format dump named by its UTC time, with a matching .sha256, and prints its path last', () => {
    // The whole run in the diff when it fails: its stderr says why.
    expect(fx.backupRun).toMatchObject({ code: 0 });
    expect(path.dirname(fx.dumpFile)).toBe(fx.workDir);
    expect(path.basename(fx.dumpFile)).toMatch(/^actor-core-\d{8}T\d{6}Z\.dump$/);
    const bytes = fs.readFileSync(fx.dumpFile);
    expect(bytes.subarray(0, 5).toString()).toBe('PGDMP'); // the custom format's magic
    expect(fs.readFileSync(`${fx.dumpFile}.sha256`, 'utf8')).toBe(
      `${sha256(bytes)}  ${path.basename(fx.dumpFile)}\n`,
    );
    expect(fs.statSync(fx.dumpFile).mode & 0o777).toBe(0o600);
    // Nothing else: the temporary names were renamed away.
    expect(fs.readdirSync(fx.workDir).sort()).toEqual([
      path.basename(fx.dumpFile),
      `${path.basename(fx.dumpFile)}.sha256`,
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
        fx.scriptEnv({ BACKUP_DIR: path.join(fx.workDir, 'unused'), ...env }),
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(linesOf(run.stderr)).toEqual([expect.stringMatching(message)]);
    }
  });

  it('deletes only its own backups older than BACKUP_RETENTION_DAYS (default 30), and day-old partial files', async () => {
    const dir = fs.mkdtempSync(path.join(fx.workDir, 'retention-'));
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
    const first = await runScript(BACKUP_SCRIPT, [], fx.scriptEnv({ BACKUP_DIR: dir }));
    expect(first).toMatchObject({ code: 0 });
    const made = path.basename(linesOf(first.stdout).pop()!);
    expect(fs.readdirSync(dir).sort()).toEqual([...recent, ...foreign, made, `${made}.sha256`].sort());
    expect(old.some((name) => fs.existsSync(path.join(dir, name)))).toBe(false);

    await new Promise((resolve) => setTimeout(resolve, 1100)); // a new second: a new file name
    const second = await runScript(
      BACKUP_SCRIPT,
      [],
      fx.scriptEnv({ BACKUP_DIR: dir, BACKUP_RETENTION_DAYS: '7' }),
    );
    expect(second).toMatchObject({ code: 0 });
    const madeToo = path.basename(linesOf(second.stdout).pop()!);
    expect(fs.readdirSync(dir).sort()).toEqual(
      [...foreign, made, `${made}.sha256`, madeToo, `${madeToo}.sha256`].sort(),
    );
  });
});

describe('restore.sh', () => {
  it('brings back every row of every table after both schemas are dropped, and purges only the cached snapshots of its prefix', async () => {
    const restored = await fx.cachedPrefix('backup-restored');
    const other = await fx.cachedPrefix('backup-other');
    const otherKeys = await fx.keysMatching(`${other}:*`);
    const otherValues = await fx.valuesOf(otherKeys);
    expect(otherKeys).toHaveLength(BACKUP_ACTORS + 2);

    await fx.db.pool.query('DROP SCHEMA drizzle CASCADE; DROP SCHEMA public CASCADE');
    expect(Object.keys(await databaseChecksums(fx.db.pool))).toEqual(['(schema)']);

    const run = await runScript(RESTORE_SCRIPT, [fx.dumpFile], fx.scriptEnv({ REDIS_KEY_PREFIX: restored }));
    expect(run).toMatchObject({ code: 0 });
    expect(await databaseChecksums(fx.db.pool)).toEqual(fx.original);
    expect(run.stderr).toContain(`deleted ${BACKUP_ACTORS + 1} cached snapshot(s) ${restored}:snapshot:*`);
    expect(run.stderr).toContain('actor-core enqueue --all --stale');
    expect(await fx.keysMatching(`${restored}:snapshot:*`)).toEqual([]);
    expect(await fx.keysMatching(`${restored}:*`)).toEqual([`${restored}:rate-limit:client-1`]);
    expect(await fx.keysMatching(`${other}:*`)).toEqual(otherKeys);
    expect(await fx.valuesOf(otherKeys)).toEqual(otherValues);
  });

  (haveRedisCli ? it : it.skip)(
    'restores over changed, deleted and added rows with redis-cli, and --purge-queue obliterates the queues',
    async () => {
      const restored = await fx.cachedPrefix('backup-redis-cli');
      const queuePrefix = `{${uniquePrefix('backup-queue').replace(/:/g, '-')}}`;
      fx.track(queuePrefix);
      const connection = new Redis(requiredEnv('REDIS_URL'), { maxRetriesPerRequest: null });
      const queues = ['resolve', 'resolve-interactive'].map(
        (name) => new Queue(name, { connection, prefix: queuePrefix }),
      );
      try {
        for (const queue of queues)
          await queue.add('resolve', { actorIds: ['actor-0000001'] }, { jobId: 'actor.actor-0000001.v9' });
        expect(await fx.keysMatching(`${queuePrefix}:*`)).not.toEqual([]);
        await fx.db.pool.query(
          `UPDATE snapshots SET version = version + 5 WHERE actor_id < 'actor-0000050';
           DELETE FROM actors WHERE id >= 'actor-0000250';
           INSERT INTO actors (id, version, data) VALUES ('actor-added', 1, '{}');
           DELETE FROM drizzle.__drizzle_migrations WHERE id = (SELECT max(id) FROM drizzle.__drizzle_migrations);`,
        );
        const changed = await databaseChecksums(fx.db.pool);
        for (const table of [
          'public.actors',
          'public.snapshots',
          'public.subsystems',
          'drizzle.__drizzle_migrations',
        ])
          expect(changed[table]).not.toBe(fx.original[table]);

        const run = await runScript(
          RESTORE_SCRIPT,
          ['--purge-queue', fx.dumpFile],
          fx.scriptEnv({
            REDIS_KEY_PREFIX: restored,
            RESTORE_REDIS_CLIENT: 'redis-cli',
            QUEUE_NAME: 'resolve',
            QUEUE_PREFIX: queuePrefix,
          }),
        );
        expect(run).toMatchObject({ code: 0 });
        expect(await databaseChecksums(fx.db.pool)).toEqual(fx.original);
        expect(run.stderr).toContain(`with redis-cli`);
        expect(await fx.keysMatching(`${restored}:snapshot:*`)).toEqual([]);
        expect(await fx.keysMatching(`${restored}:*`)).toEqual([`${restored}:rate-limit:client-1`]);
        expect(run.stderr).toContain('obliterated the queues resolve and resolve-interactive (2 job(s))');
        expect(await fx.keysMatching(`${queuePrefix}:*`)).toEqual([]);
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
      await fx.db.pool.query(`DELETE FROM actors WHERE id >= 'actor-0000280'`);
      before = await databaseChecksums(fx.db.pool);
      expect(before).not.toEqual(fx.original);
      prefix = await fx.cachedPrefix('backup-refused');
    });

    async function expectRefused(file: string, message: RegExp): Promise<void> {
      const run = await runScript(RESTORE_SCRIPT, [file], fx.scriptEnv({ REDIS_KEY_PREFIX: prefix }));
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(linesOf(run.stderr).pop()).toMatch(message);
      expect(await databaseChecksums(fx.db.pool)).toEqual(before);
      // Nothing restored, so nothing purged.
      expect(await fx.keysMatching(`${prefix}:snapshot:*`)).toHaveLength(BACKUP_ACTORS + 1);
    }

    it('a truncated dump (no .sha256): pg_restore fails mid-way and its single transaction rolls back', async () => {
      const file = path.join(fx.workDir, 'truncated.dump');
      const bytes = fs.readFileSync(fx.dumpFile);
      fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      await expectRefused(
        file,
        /^restore\.sh: pg_restore failed, the database is unchanged \(the restore was one transaction, rolled back\): pg_restore: error: /,
      );
    });

    it('a corrupted dump whose .sha256 no longer matches is refused before the database is touched', async () => {
      const file = path.join(fx.workDir, 'corrupted.dump');
      const bytes = Buffer.from(fs.readFileSync(fx.dumpFile));
      bytes[Math.floor(bytes.length / 2)] ^= 0xff;
      fs.writeFileSync(file, bytes);
      fs.writeFileSync(`${file}.sha256`, fs.readFileSync(`${fx.dumpFile}.sha256`));
      await expectRefused(
        file,
        /^restore\.sh: .*corrupted\.dump does not match .*corrupted\.dump\.sha256 \(corrupted or truncated copy\): nothing was restored$/,
      );
    });

    it('a file that is not a pg_dump archive', async () => {
      const file = path.join(fx.workDir, 'garbage.dump');
      fs.writeFileSync(file, Buffer.alloc(4096, 'not a dump '));
      await expectRefused(
        file,
        /^restore\.sh: .*garbage\.dump is not a readable pg_dump custom-format archive: /,
      );
    });

    it('a Redis that cannot be reached (the stale cache could not be purged)', async () => {
      const run = await runScript(
        RESTORE_SCRIPT,
        [fx.dumpFile],
        fx.scriptEnv({ REDIS_URL: 'redis://127.0.0.1:1' }),
      );
      expect(run.code).toBe(1);
      expect(linesOf(run.stderr)).toEqual([
        expect.stringMatching(/^restore\.sh: cannot reach REDIS_URL with \S+: .*nothing was restored$/),
      ]);
      expect(await databaseChecksums(fx.db.pool)).toEqual(before);
    });
  });

  it('fails with one line naming what is missing: the file, DATABASE_URL, REDIS_URL', async () => {
    const cases: [string[], Record<string, string | undefined>, RegExp][] = [
      [[], {}, /^restore\.sh: no dump file given \(usage: restore\.sh \[--purge-queue\] FILE\.dump\)$/],
      [[fx.dumpFile], { DATABASE_URL: undefined }, /^restore\.sh: DATABASE_URL is not set/],
      [[fx.dumpFile], { REDIS_URL: undefined }, /^restore\.sh: REDIS_URL is not set/],
      [[path.join(fx.workDir, 'missing.dump')], {}, /^restore\.sh: .*missing\.dump: no such readable file$/],
      [
        [fx.dumpFile],
        { REDIS_KEY_PREFIX: 'bad*prefix' },
        /^restore\.sh: REDIS_KEY_PREFIX 'bad\*prefix' must be/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const run = await runScript(RESTORE_SCRIPT, args, fx.scriptEnv(env));
      expect(run.code).toBe(1);
      expect(linesOf(run.stderr)).toEqual([expect.stringMatching(message)]);
    }
  });
});
