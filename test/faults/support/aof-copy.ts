/**
 * A Redis's AOF as it was at one moment, put back later: the data a failover to a replica that lagged
 * behind by that long leaves. Redis replicates asynchronously, so the writes it acknowledged in the lag
 * are gone: job moves and completions as much as cached snapshots.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Redis } from 'ioredis';
import { waitFor } from '../../support/cluster';

export interface AofCopy {
  /** Replaces the AOF folder under `dataDir` (the server stopped) with the copy. */
  restore(dataDir: string): void;
  /** Removes the copy. */
  dispose(): void;
}

/** The server's `INFO persistence`, read once, as a reader of its fields. */
export async function persistenceInfo(redis: Redis): Promise<(name: string) => string | undefined> {
  const info = await redis.info('persistence');
  return (name) => new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1];
}

/**
 * Copies the AOF folder of the server `redis` is connected to, whose folder is `dataDir`, once the file
 * holds every write acknowledged before the call. Automatic rewrites are turned off first (until the
 * next restart), so that the files the manifest names stay those that are copied. The incremental file
 * is copied as the server writes it: a command cut short at its end is dropped at load
 * (`aof-load-truncated`, on by default).
 */
export async function copyAof(redis: Redis, dataDir: string): Promise<AofCopy> {
  await redis.config('SET', 'auto-aof-rewrite-percentage', '0');
  await waitFor(
    'no AOF rewrite in progress or scheduled',
    async () => {
      const field = await persistenceInfo(redis);
      return field('aof_rewrite_in_progress') === '0' && field('aof_rewrite_scheduled') === '0';
    },
    30_000,
    50,
  );
  // appendfsync everysec: while a background fsync is slow (a busy disk), Redis holds its AOF buffer
  // back for up to 2 s, yet acknowledges the writes. A copy taken then would miss them.
  await waitFor(
    'the AOF file to hold every acknowledged write',
    async () => (await persistenceInfo(redis))('aof_buffer_length') === '0',
    10_000,
    20,
  );
  const [, dirName] = (await redis.config('GET', 'appenddirname')) as [string, string];
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'actor-core-aof-'));
  fs.cpSync(path.join(dataDir, dirName), path.join(copy, dirName), { recursive: true });
  return {
    restore: (into) => {
      fs.rmSync(path.join(into, dirName), { recursive: true, force: true });
      fs.cpSync(path.join(copy, dirName), path.join(into, dirName), { recursive: true });
    },
    dispose: () => fs.rmSync(copy, { recursive: true, force: true }),
  };
}
