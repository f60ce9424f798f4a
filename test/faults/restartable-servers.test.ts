/**
 * The private servers the fault suite restarts: the same port and the same data after the restart,
 * also after a crash (Redis SIGKILL with AOF, PostgreSQL immediate shutdown), and clients that were
 * connected before it carry on by reconnecting.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  isListening,
  pings,
  startLocalPostgres,
  startLocalRedis,
  type LocalPostgres,
  type LocalRedis,
} from '../../src/local-services';
import { waitFor } from '../support/cluster';
import { copyAof, persistenceInfo } from './support/aof-copy';

jest.setTimeout(120_000);

const log = (line: string): void => void process.stderr.write(`[servers] ${line}\n`);

describe('a private Redis with AOF', () => {
  let redis: LocalRedis | undefined;
  let client: Redis | undefined;
  afterEach(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('keeps every write its AOF holds across a SIGKILL and comes back on the same port', async () => {
    redis = await startLocalRedis({ appendOnly: true, log });
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    const pipeline = client.pipeline();
    for (let i = 0; i < 5000; i++) pipeline.rpush('kept', String(i));
    await pipeline.exec();
    await client.set('last', 'written just before the kill');
    // appendfsync everysec: while a background fsync is slow (a busy disk), Redis holds the AOF buffer
    // back for up to 2 s yet acknowledges the writes, and a SIGKILL then loses them. The restart is
    // what is under test here, so the kill waits until the file holds everything.
    await waitFor('the AOF to hold every write', () => aofFlushed(client!), 10_000, 50);
    const before = redis.pid;

    const restarting = redis.restart({ signal: 'SIGKILL', downtimeMs: 1000 });
    await waitFor('the port to close', async () => !(await isListening(redis!.port)), 5000, 50);
    await restarting;

    expect(redis.pid).not.toBe(before);
    expect(await pings(redis.port)).toBe(true);
    // The same client, reconnected by itself.
    expect(await client.llen('kept')).toBe(5000);
    expect(await client.get('last')).toBe('written just before the kill');
    expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
  });

  it('started again from an older copy of its AOF, holds what it held then and nothing written since', async () => {
    redis = await startLocalRedis({ appendOnly: true, log });
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    await client.set('before', 'kept');
    await client.set('changed', 'old value');
    const copy = await copyAof(client, redis.dataDir);
    try {
      await client.set('changed', 'new value');
      await client.set('after', 'written after the copy');
      await redis.restart({ signal: 'SIGKILL', downtimeMs: 100, whileDown: (dir) => copy.restore(dir) });
    } finally {
      copy.dispose();
    }
    expect(await client.mget('before', 'changed', 'after')).toEqual(['kept', 'old value', null]);
  });

  it('without AOF a restart starts empty (the default throwaway cache)', async () => {
    redis = await startLocalRedis({ log });
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    await client.set('gone', '1');
    await redis.restart();
    expect(await client.get('gone')).toBeNull();
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
  });
});

describe('a private PostgreSQL', () => {
  let postgres: LocalPostgres | undefined;
  let pool: pg.Pool | undefined;
  afterEach(async () => {
    await pool?.end();
    await postgres?.stop();
  });

  it.each(['immediate', 'fast'] as const)(
    'keeps committed rows across a %s restart on the same port; a pool reconnects',
    async (mode) => {
      postgres = await startLocalPostgres({ log });
      pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
      pool.on('error', () => undefined); // idle clients lose their server during the restart
      await pool.query('CREATE TABLE kept AS SELECT g AS n FROM generate_series(1, 10000) g');
      const before = postgres.pid;

      await postgres.restart({ mode, downtimeMs: 500 });

      expect(postgres.pid).not.toBe(before);
      expect(new URL(postgres.url).port).toBe(String(postgres.port));
      // The first query may meet a connection the restart closed; the pool discards it.
      await waitFor(
        'the pool to reconnect',
        () =>
          pool!.query('SELECT 1').then(
            () => true,
            () => false,
          ),
        10_000,
      );
      const rows = await pool.query<{ n: string }>('SELECT count(*) AS n FROM kept');
      expect(rows.rows[0]!.n).toBe('10000');
      // After an immediate shutdown the start recovers from the WAL; after a fast one it need not.
      const serverLog = fs.readFileSync(path.join(postgres.dataDir, 'postgres.log'), 'utf8');
      expect(serverLog.includes('database system was interrupted')).toBe(mode === 'immediate');
    },
  );
});

/** Whether the AOF buffer is written out and no fsync is pending (INFO persistence). */
async function aofFlushed(client: Redis): Promise<boolean> {
  const field = await persistenceInfo(client);
  return field('aof_buffer_length') === '0' && field('aof_pending_bio_fsync') === '0';
}
