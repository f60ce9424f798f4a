/**
 * deploy/backup.sh uploading to an S3-compatible endpoint, and deploy/restore.sh taking a dump back from
 * one, as real processes against the real Postgres and Redis and a local stand-in for the store that
 * verifies SigV4 signatures and payload hashes (not MinIO): the exact bytes go up and come back, and a
 * refused upload, a changed or missing object, or missing credentials restore nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BACKUP_SCRIPT,
  databaseChecksums,
  linesOf,
  RESTORE_SCRIPT,
  runScript,
  startS3StandIn,
} from '../support/backup';
import { useBackupFixture } from '../support/backup-fixture';

// Real pg_dump / pg_restore processes: far above jest's default 5 s.
jest.setTimeout(60_000);

const fx = useBackupFixture('backup_s3');

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
    const dir = fs.mkdtempSync(path.join(fx.workDir, dirPrefix));
    const run = await runScript(
      BACKUP_SCRIPT,
      [],
      fx.scriptEnv({
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
      const before = await databaseChecksums(fx.db.pool);
      const { dir, run } = await backupToS3(s3, 's3-restore-', { S3_PREFIX: 'prod/' });
      expect(run).toMatchObject({ code: 0 });
      const name = path.basename(linesOf(run.stdout).pop()!);
      const source = `s3://actor-core-backups/prod/${name}`;
      const downloads = fs.mkdtempSync(path.join(fx.workDir, 's3-downloads-'));
      const restoreEnv = fx.scriptEnv({
        ...credentials,
        S3_ENDPOINT_URL: s3.endpoint,
        REDIS_KEY_PREFIX: await fx.cachedPrefix('backup-s3'),
        RESTORE_DOWNLOAD_DIR: downloads,
      });
      fs.rmSync(dir, { recursive: true }); // the host that backed up is gone: only S3 has the dump

      await fx.db.pool.query(`DELETE FROM actors WHERE id >= 'actor-0000250'`);
      const restored = await runScript(RESTORE_SCRIPT, [source], restoreEnv);
      expect(restored).toMatchObject({ code: 0, stdout: `restored ${source}\n` });
      expect(restored.stderr).toContain(`downloaded ${source}`);
      expect(restored.stderr).toContain('checksum OK');
      expect(await databaseChecksums(fx.db.pool)).toEqual(before);
      const gets = s3.received.filter((r) => r.method === 'GET');
      expect(gets.map((r) => r.path)).toEqual([
        `/actor-core-backups/prod/${name}`,
        `/actor-core-backups/prod/${name}.sha256`,
      ]);
      expect(gets.every((r) => r.signatureValid)).toBe(true);
      expect(fs.readdirSync(downloads)).toEqual([]);

      // A truncated object does not match its .sha256: nothing is restored.
      await fx.db.pool.query(`DELETE FROM actors WHERE id >= 'actor-0000290'`);
      const changed = await databaseChecksums(fx.db.pool);
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
      expect(await databaseChecksums(fx.db.pool)).toEqual(changed);
      expect(fs.readdirSync(downloads)).toEqual([]);
      // The failed runs left the local dump usable: it restores over what they left.
      s3.objects.clear();
      const back = await runScript(RESTORE_SCRIPT, [fx.dumpFile], restoreEnv);
      expect(back).toMatchObject({ code: 0 });
    } finally {
      await s3.close();
    }
  });
});
