/**
 * What the backup tests start from: a migrated database seeded with the standard workload, its
 * snapshots and one recorded failure; a Redis connection; a work directory; and one backup of it all,
 * taken by backup.sh in `beforeAll`. Each test file that calls `useBackupFixture` gets its own, and
 * everything it made is removed in `afterAll`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { recordFailures, SnapshotRepository } from '../../src/adapters/pg';
import { SnapshotCache } from '../../src/adapters/redis';
import type { SnapshotRecord } from '../../src/adapters/snapshot-record';
import {
  BACKUP_SCRIPT,
  databaseChecksums,
  linesOf,
  runScript,
  scanKeys,
  snapshotRecords,
  type ScriptRun,
} from './backup';
import { generateWorkload, seedWorkload } from './cluster';
import { requiredEnv, uniquePrefix } from './databases';
import { migratedDatabase, type TestDatabase } from './pg';

export const BACKUP_ACTORS = 300;

export class BackupFixture {
  db!: TestDatabase;
  redis!: Redis;
  records!: SnapshotRecord[];
  workDir!: string;
  /** The backup taken in `beforeAll`, and the checksums of the database it was taken from. */
  dumpFile!: string;
  backupRun!: ScriptRun;
  original!: Record<string, string>;
  private readonly prefixes: string[] = [];

  /** The scripts' environment: this database and Redis, backups into the work directory. */
  scriptEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return {
      DATABASE_URL: this.db.url,
      REDIS_URL: requiredEnv('REDIS_URL'),
      BACKUP_DIR: this.workDir,
      ...extra,
    };
  }

  keysMatching(pattern: string): Promise<string[]> {
    return scanKeys(this.redis, pattern);
  }

  async valuesOf(keys: readonly string[]): Promise<(string | null)[]> {
    return keys.length === 0 ? [] : this.redis.mget(...keys);
  }

  /** A key prefix whose keys are deleted in `afterAll`. */
  track(prefix: string): string {
    this.prefixes.push(prefix);
    return prefix;
  }

  /** A fresh key prefix holding a cached snapshot of every actor, one odd key, and one non-snapshot key. */
  async cachedPrefix(label: string): Promise<string> {
    const prefix = this.track(uniquePrefix(label));
    await new SnapshotCache({ redis: this.redis, keyPrefix: prefix, ttlSeconds: 600 }).setMany(this.records);
    await this.redis.set(`${prefix}:snapshot:odd id ü`, '{}', 'EX', 600);
    await this.redis.set(`${prefix}:rate-limit:client-1`, '7', 'EX', 600);
    return prefix;
  }

  async setUp(database: string): Promise<void> {
    this.db = await migratedDatabase(database);
    this.redis = new Redis(requiredEnv('REDIS_URL'), { maxRetriesPerRequest: 1 });
    this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'actor-core-backup-test-'));
    const ids = await seedWorkload(this.db, BACKUP_ACTORS, 23);
    this.records = snapshotRecords(generateWorkload(BACKUP_ACTORS, 23), this.db.registries);
    await new SnapshotRepository(this.db.pool).writeSnapshots(this.records);
    await recordFailures(this.db.pool, [
      // Newer than the actor's stored snapshot: a failure at or below it is not recorded.
      {
        actorId: ids[0]!,
        version: this.records.find((r) => r.actorId === ids[0])!.version + 1,
        error: { code: 'INVALID_TYPE', message: 'kept for operators' },
      },
    ]);
    this.original = await databaseChecksums(this.db.pool);
    this.backupRun = await runScript(BACKUP_SCRIPT, [], this.scriptEnv());
    this.dumpFile = linesOf(this.backupRun.stdout).pop() ?? '';
  }

  async tearDown(): Promise<void> {
    try {
      for (const prefix of this.prefixes) {
        const keys = await this.keysMatching(`${prefix}*`);
        if (keys.length > 0) await this.redis.unlink(...keys);
      }
    } finally {
      this.redis?.disconnect();
      await this.db?.close();
      if (this.workDir !== undefined) fs.rmSync(this.workDir, { recursive: true, force: true });
    }
  }
}

/** A `BackupFixture` set up before this file's tests (in a database named after `database`). */
export function useBackupFixture(database: string): BackupFixture {
  const fixture = new BackupFixture();
  beforeAll(() => fixture.setUp(database));
  afterAll(() => fixture.tearDown());
  return fixture;
}
