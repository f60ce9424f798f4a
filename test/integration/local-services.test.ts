/**
 * The embedded default: private PostgreSQL and Redis servers started from the machine's binaries, on
 * free loopback ports, stopped with their temporary folders removed; given URLs are used as they are.
 * These start real servers (about 1–2 s each), besides the pair the global setup started.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { isActorCoreError } from '../../src/core/errors';
import {
  isListening,
  requireRedisServer,
  startLocalPostgres,
  startLocalRedis,
  startLocalServices,
} from '../../src/local-services';
import { freshDatabase, requiredEnv, uniquePrefix } from '../support/databases';

jest.setTimeout(60_000);

const portOf = (url: string): number => Number(new URL(url).port);

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function ping(url: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    return await redis.ping();
  } finally {
    redis.disconnect();
  }
}

/** A folder the test owns, removed in afterEach; readable by all (as root, PostgreSQL runs as another user). */
const made: string[] = [];
function scratchDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actor-core-test-'));
  fs.chmodSync(dir, 0o755);
  made.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The rejection of `promise`, which must be a SERVICE_START_FAILED ActorCoreError. */
async function startFailure(promise: Promise<unknown>): Promise<string> {
  const err: unknown = await promise.then(
    () => new Error('expected the start to fail'),
    (reason: unknown) => reason,
  );
  expect(isActorCoreError(err)).toBe(true);
  expect(isActorCoreError(err) && err.code).toBe('SERVICE_START_FAILED');
  return (err as Error).message;
}

describe('startLocalServices', () => {
  test('starts both servers, which accept connections until stop; then the ports refuse and the folder is gone', async () => {
    const lines: string[] = [];
    const services = await startLocalServices({ log: (line) => lines.push(line) });
    let stopped = false;
    try {
      expect(services.started).toEqual({ postgres: true, redis: true });
      expect(services.databaseUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/actor_core$/);
      expect(services.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
      expect(fs.existsSync(services.dataDir as string)).toBe(true);
      expect(await query(services.databaseUrl, 'SELECT current_database() AS db')).toEqual([
        { db: 'actor_core' },
      ]);
      expect(await ping(services.redisUrl)).toBe('PONG');
      expect(lines.some((line) => line.startsWith('postgres ') && line.includes('listening'))).toBe(true);
      expect(lines.some((line) => line.startsWith('redis-server ') && line.includes('listening'))).toBe(true);

      await services.stop();
      stopped = true;
      expect(fs.existsSync(services.dataDir as string)).toBe(false);
      expect(await isListening(portOf(services.databaseUrl))).toBe(false);
      expect(await isListening(portOf(services.redisUrl))).toBe(false);
      await services.stop(); // twice is harmless
    } finally {
      if (!stopped) await services.stop();
    }
  });

  test('given URLs are used as they are: nothing is started, and stop() leaves those servers running', async () => {
    const databaseUrl = requiredEnv('DATABASE_URL');
    const redisUrl = requiredEnv('REDIS_URL');
    const lines: string[] = [];
    const both = await startLocalServices({ databaseUrl, redisUrl, log: (line) => lines.push(line) });
    expect(both).toMatchObject({ databaseUrl, redisUrl, started: { postgres: false, redis: false } });
    expect(both.dataDir).toBeUndefined();
    await both.stop();
    expect(lines).toEqual([]);

    const onlyRedis = await startLocalServices({ databaseUrl, log: (line) => lines.push(line) });
    try {
      expect(onlyRedis.started).toEqual({ postgres: false, redis: true });
      expect(onlyRedis.databaseUrl).toBe(databaseUrl);
      expect(onlyRedis.redisUrl).not.toBe(redisUrl);
      expect(lines.some((line) => line.includes('postgres'))).toBe(false);
      expect(await ping(onlyRedis.redisUrl)).toBe('PONG');
    } finally {
      await onlyRedis.stop();
    }
    expect(await isListening(portOf(onlyRedis.redisUrl))).toBe(false);
    expect(await query(databaseUrl, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await ping(redisUrl)).toBe('PONG');
  });

  test('a given data folder is kept at stop and reused by the next start', async () => {
    const dataDir = path.join(scratchDir(), 'data');
    const first = await startLocalServices({ dataDir });
    try {
      await query(first.databaseUrl, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    } finally {
      await first.stop();
    }
    expect(fs.existsSync(path.join(dataDir, 'postgres', 'data', 'PG_VERSION'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'postgres', 'postgres.log'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'redis', 'redis.log'))).toBe(true);

    const lines: string[] = [];
    const second = await startLocalServices({ dataDir, log: (line) => lines.push(line) });
    try {
      expect(lines.some((line) => line.includes('initdb'))).toBe(false);
      expect(await query(second.databaseUrl, 'SELECT n FROM kept')).toEqual([{ n: 42 }]);
    } finally {
      await second.stop();
    }
  });
});

describe('start failures name what failed', () => {
  test('a server that exits at start: the error names it and quotes its log', async () => {
    const dir = scratchDir();
    const fake = path.join(dir, 'redis-server');
    fs.writeFileSync(fake, '#!/bin/sh\necho "FATAL: the fake server refuses to start" >&2\nexit 3\n', {
      mode: 0o755,
    });
    const message = await startFailure(startLocalRedis({ binary: fake }));
    expect(message).toContain('redis-server exited with code 3 while starting');
    expect(message).toContain('FATAL: the fake server refuses to start');
  });

  test('a failing initdb: the error names initdb and quotes its output; the temporary folder is removed', async () => {
    const binDir = scratchDir();
    const script = (body: string): string => `#!/bin/sh\n${body}\n`;
    fs.writeFileSync(
      path.join(binDir, 'initdb'),
      script('echo "initdb: error: the disk is on fire" >&2\nexit 1'),
      {
        mode: 0o755,
      },
    );
    fs.writeFileSync(path.join(binDir, 'postgres'), script('echo "postgres (PostgreSQL) 15.0"'), {
      mode: 0o755,
    });
    const before = new Set(fs.readdirSync(os.tmpdir()));
    const message = await startFailure(startLocalPostgres({ binDir }));
    expect(message).toContain('postgres: initdb exited with code 1');
    expect(message).toContain('initdb: error: the disk is on fire');
    const left = fs
      .readdirSync(os.tmpdir())
      .filter((name) => !before.has(name) && name.startsWith('actor-core-postgres-'));
    expect(left).toEqual([]);
  });

  test('a missing binary is one line naming the package to install', async () => {
    const message = await startFailure(requireRedisServer({ env: { PATH: '/nonexistent' }, install: false }));
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain('redis-server not found: install the package "redis-server"');
    const given = await startFailure(startLocalPostgres({ binDir: '/nonexistent/bin' }));
    expect(given.split('\n')).toHaveLength(1);
    expect(given).toContain('install the package "postgresql"');
  });
});

describe('test isolation helpers', () => {
  test('freshDatabase creates a database of its own and drop() removes it', async () => {
    const db = await freshDatabase('Local Services!');
    try {
      expect(db.name).toMatch(/^local_services_[a-z0-9]+_[0-9a-f]{8}$/);
      expect(await query(db.url, 'SELECT current_database() AS name')).toEqual([{ name: db.name }]);
    } finally {
      await db.drop();
    }
    const rows = await query(
      requiredEnv('DATABASE_URL'),
      `SELECT 1 FROM pg_database WHERE datname = '${db.name}'`,
    );
    expect(rows).toEqual([]);
  });

  test('uniquePrefix gives distinct prefixes of the characters REDIS_KEY_PREFIX accepts', () => {
    const a = uniquePrefix('cache Test');
    const b = uniquePrefix('cache Test');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_{}.-]+(:[A-Za-z0-9_{}.-]+)*$/);
    expect(a.startsWith('test:cache_test:')).toBe(true);
  });
});
