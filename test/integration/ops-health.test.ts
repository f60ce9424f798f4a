/**
 * /health and /ready against real Postgres and Redis: up, Redis or Postgres unreachable (a closed
 * port), the schema not migrated yet, draining.
 */
import express from 'express';
import { Redis } from 'ioredis';
import type pg from 'pg';
import request from 'supertest';
import { createPgPool, migrateDatabase } from '../../src/adapters/pg';
import { createMetrics } from '../../src/metrics';
import {
  createOpsRouter,
  expectedMigrations,
  migrationsCheck,
  postgresCheck,
  redisCheck,
  type HealthCheck,
  type OpsChecks,
} from '../../src/sidecar';
import { freshDatabase, requiredEnv, type FreshDatabase } from '../support/databases';

jest.setTimeout(60_000);

let db: FreshDatabase;
let pool: pg.Pool;
let redis: Redis;
const closers: (() => Promise<unknown> | void)[] = [];

beforeAll(async () => {
  db = await freshDatabase('ops_health');
  pool = createPgPool({ url: db.url, max: 4 });
  redis = new Redis(requiredEnv('REDIS_URL'), { maxRetriesPerRequest: 1 });
  await redis.ping();
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  redis?.disconnect();
  await pool?.end();
  await db?.drop();
});

function serve(checks: OpsChecks, isDraining = () => false): express.Express {
  const app = express();
  app.use(
    createOpsRouter({
      checks,
      metrics: createMetrics({ defaultMetrics: false }),
      isDraining,
      timeoutMs: 500,
    }),
  );
  return app;
}

/**
 * A port where every connection is refused: privileged, so none of the servers the suites start (on
 * ephemeral ports) can take it. A port found free could be taken by one of them in between, and the
 * check would then meet a server instead of a refusal (seen once on CI: "Error", not ECONNREFUSED).
 */
const REFUSING_PORT = 1;

/** A Redis client pointed at a port nobody listens on. */
function deadRedis(): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port: REFUSING_PORT,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 200,
  });
  client.on('error', () => undefined);
  closers.push(() => client.disconnect());
  return client;
}

describe('/health (liveness)', () => {
  it('is 200 with both stores up, each check with its latency', async () => {
    const res = await request(serve({ database: postgresCheck(pool), cache: redisCheck(redis) }))
      .get('/health')
      .expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      status: 'ok',
      checks: {
        database: { status: 'ok', latencyMs: expect.any(Number) },
        cache: { status: 'ok', latencyMs: expect.any(Number) },
      },
    });
  });

  it('is 503 when Redis is unreachable, naming the cache, and answers quickly', async () => {
    const started = Date.now();
    const res = await request(serve({ database: postgresCheck(pool), cache: redisCheck(deadRedis()) }))
      .get('/health')
      .expect(503);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.body.status).toBe('error');
    expect(res.body.checks.database.status).toBe('ok');
    expect(res.body.checks.cache).toEqual({
      status: 'error',
      latencyMs: expect.any(Number),
      error: expect.stringMatching(/^connection (connecting|reconnecting|connect|wait|close|end)$/),
    });
  });

  it('is 503 when Postgres is unreachable; the reason is an error code, not a driver message', async () => {
    const deadPool = createPgPool({
      url: `postgres://nobody:secret@127.0.0.1:${REFUSING_PORT}/none`,
      max: 1,
    });
    closers.push(() => deadPool.end());
    const res = await request(serve({ database: postgresCheck(deadPool), cache: redisCheck(redis) }))
      .get('/health')
      .expect(503);
    expect(res.body.checks.database).toEqual({
      status: 'error',
      latencyMs: expect.any(Number),
      error: 'ECONNREFUSED',
    });
    expect(JSON.stringify(res.body)).not.toContain('secret');
    expect(res.body.checks.cache.status).toBe('ok');
  });

  it('reports a hung dependency as a timeout, within the check timeout', async () => {
    const hung: HealthCheck = () => new Promise(() => undefined);
    const res = await request(serve({ database: hung, cache: redisCheck(redis) }))
      .get('/health')
      .expect(503);
    expect(res.body.checks.database.error).toBe('timed out after 500 ms');
  });
});

describe('/ready (readiness)', () => {
  it('is 503 before the migrations, 200 after them, and 503 again while draining', async () => {
    let draining = false;
    const app = serve(
      { database: postgresCheck(pool), cache: redisCheck(redis), migrations: migrationsCheck(pool) },
      () => draining,
    );
    const expected = expectedMigrations();
    expect(expected).toBeGreaterThanOrEqual(5);

    const before = await request(app).get('/ready').expect(503);
    expect(before.body).toMatchObject({
      status: 'not_ready',
      draining: false,
      reasons: [`migrations: 0 of ${expected} migrations applied`],
      checks: { migrations: { status: 'error', applied: 0, expected } },
    });
    // Liveness does not depend on the schema: the process is alive, only not ready.
    await request(app).get('/health').expect(200);

    await migrateDatabase(pool);
    const after = await request(app).get('/ready').expect(200);
    expect(after.body).toEqual({
      status: 'ready',
      draining: false,
      reasons: [],
      checks: {
        database: { status: 'ok', latencyMs: expect.any(Number) },
        cache: { status: 'ok', latencyMs: expect.any(Number) },
        migrations: { status: 'ok', latencyMs: expect.any(Number), applied: expected, expected },
      },
    });

    draining = true;
    const drained = await request(app).get('/ready').expect(503);
    expect(drained.body).toMatchObject({ status: 'not_ready', draining: true });
    expect(drained.body.reasons).toEqual(['draining: the process is stopping']);
    await request(app).get('/health').expect(200);
  });

  it('is 503 when a connection is down, with the reason', async () => {
    const res = await request(serve({ database: postgresCheck(pool), cache: redisCheck(deadRedis()) }))
      .get('/ready')
      .expect(503);
    expect(res.body.reasons).toEqual([expect.stringMatching(/^cache: connection /)]);
  });
});

describe('/metrics', () => {
  it('answers in the Prometheus text format', async () => {
    const res = await request(serve({ database: postgresCheck(pool), cache: redisCheck(redis) }))
      .get('/metrics')
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('# TYPE actor_core_requests_total counter');
  });
});
