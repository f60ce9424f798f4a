/**
 * A hung or silent Postgres fails a statement in bounded time with a retryable STORE_UNAVAILABLE
 * (the worker parks its job) instead of leaving it waiting forever; migrations stay unbounded.
 */
import * as net from 'node:net';
import pg from 'pg';
import { createPgPool, migrateDatabase, runQuery, withTransaction } from '../../src/adapters/pg';
import { migratedDatabase, type TestDatabase } from '../support/pg';

let db: TestDatabase;

beforeAll(async () => {
  db = await migratedDatabase('pg_timeouts');
});
afterAll(async () => {
  await db.close();
});

const retryable = { code: 'STORE_UNAVAILABLE', permanent: false };

describe('server-side timeouts', () => {
  it('cancels a statement that runs past statementTimeoutMs (57014)', async () => {
    const pool = createPgPool({
      url: db.url,
      max: 1,
      timeouts: { statementTimeoutMs: 200, queryTimeoutMs: 5000 },
    });
    try {
      const t0 = Date.now();
      await expect(runQuery(pool, 'sleeping', 'SELECT pg_sleep(5)')).rejects.toMatchObject(retryable);
      expect(Date.now() - t0).toBeLessThan(3000);
      // The pool still works afterwards.
      expect((await runQuery(pool, 'counting', 'SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('gives up a lock wait past lockTimeoutMs (55P03)', async () => {
    const pool = createPgPool({ url: db.url, max: 1, timeouts: { lockTimeoutMs: 200 } });
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query(`INSERT INTO actors (id, version, data) VALUES ('locked', 1, '{}')`);
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM actors WHERE id = 'locked' FOR UPDATE`);
      const t0 = Date.now();
      await expect(
        withTransaction(pool, 'bumping', (client) =>
          client.query(`UPDATE actors SET version = version + 1 WHERE id = 'locked'`),
        ),
      ).rejects.toMatchObject(retryable);
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
      await pool.end();
    }
  });
});

describe('a silent network (a partition: no answer, no reset)', () => {
  it('fails the waiting statement after queryTimeoutMs', async () => {
    const target = new URL(db.url);
    let silent = false;
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      sockets.add(client).add(upstream);
      client.on('data', (d) => void (silent || upstream.write(d)));
      upstream.on('data', (d) => void (silent || client.write(d)));
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      for (const s of [client, upstream]) s.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxied = new URL(db.url);
    proxied.port = String((proxy.address() as net.AddressInfo).port);
    const pool = createPgPool({
      url: proxied.toString(),
      max: 1,
      timeouts: { statementTimeoutMs: 300, queryTimeoutMs: 600 },
    });
    try {
      expect((await runQuery(pool, 'counting', 'SELECT 1 AS one')).rows[0].one).toBe(1);
      silent = true;
      const t0 = Date.now();
      await expect(runQuery(pool, 'counting', 'SELECT 2 AS two')).rejects.toMatchObject(retryable);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      for (const s of sockets) s.destroy();
      await pool.end();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe('migrations', () => {
  it('wait for another migration past every timeout', async () => {
    const pool = createPgPool({
      url: db.url,
      max: 1,
      timeouts: { statementTimeoutMs: 100, lockTimeoutMs: 100, queryTimeoutMs: 200 },
    });
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      // The lock migrateDatabase takes (src/adapters/pg/migrate.ts), held by "another pod" for 1 s.
      await other.query('SELECT pg_advisory_lock($1, $2)', [0x41435f4d, 1]);
      const release = setTimeout(() => {
        void other.query('SELECT pg_advisory_unlock($1, $2)', [0x41435f4d, 1]);
      }, 1000);
      const result = await migrateDatabase(pool);
      clearTimeout(release);
      expect(result.newlyApplied).toBe(0);
      // The pool's own connections are bounded again.
      await expect(runQuery(pool, 'sleeping', 'SELECT pg_sleep(2)')).rejects.toMatchObject(retryable);
    } finally {
      await other.end();
      await pool.end();
    }
  });
});
