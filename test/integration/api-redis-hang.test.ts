/**
 * A hung Redis (up, connected, but answering nothing: `kill -STOP`) must not hang the API: the rate
 * limiter fails open after its command timeout, and a request that needs Redis gets a 503.
 */
import pino from 'pino';
import request from 'supertest';
import { startApiServer, type ApiServer } from '../../src/api/start-api-server';
import { apiSettings, bearer, signTestToken } from '../support/api';
import { clusterDatabase, closeClusters, TestCluster } from '../support/cluster';
import { outputOf, type TestDatabase } from '../support/pg';
import { startRedisProxy, type RedisProxy } from '../support/redis-proxy';

jest.setTimeout(45_000);

let db: TestDatabase;
let server: ApiServer | undefined;
let proxy: RedisProxy | undefined;

beforeAll(async () => {
  db = await clusterDatabase('api_redis_hang');
});
afterEach(async () => {
  proxy?.resume();
  await server?.stop();
  server = undefined;
  await proxy?.close();
  proxy = undefined;
  await closeClusters();
});
afterAll(async () => {
  await db?.close();
});

it('answers within its command timeouts while Redis hangs: writes without Redis pass, the rest 503', async () => {
  const cluster = await TestCluster.open(db, 'api-redis-hang');
  proxy = await startRedisProxy();
  server = await startApiServer({
    settings: { ...apiSettings(cluster), redisUrl: `redis://127.0.0.1:${proxy.port}` },
    registries: db.registries,
    logger: pino({ level: 'silent' }),
    port: 0,
    host: '127.0.0.1',
    shutdownTimeoutMs: 5000,
  });
  const auth = bearer(await signTestToken(['actors:write', 'snapshots:read']));
  await request(server.url).put('/v1/actors/hang-0').set(auth).send({}).expect(201);

  proxy.hang();
  const started = Date.now();
  // The rate limiter fails open: the metadata write needs only Postgres.
  const meta = await request(server.url).put('/v1/actors/hang-1').set(auth).send({}).timeout(15_000);
  expect(meta.status).toBe(201);
  // A snapshot read and an enqueue need Redis: 503, retry later.
  const read = await request(server.url).get('/v1/actors/hang-0/snapshot').set(auth).timeout(15_000);
  expect(read.status).toBe(503);
  expect(read.body.error.code).toBe('UNAVAILABLE');
  const write = await request(server.url)
    .put('/v1/actors/hang-2/subsystems/items')
    .set(auth)
    .send(outputOf('items'))
    .timeout(15_000);
  expect(write.status).toBe(503);
  // The output is stored all the same: the client is told so, and which version, not only "retry".
  expect(write.body.error.message).toMatch(
    /^stored at version 1, but its resolution may not have been queued .*: retry the write later /,
  );
  const stored = await db.pool.query('SELECT version FROM actors WHERE id = $1', ['hang-2']);
  expect(stored.rows).toEqual([{ version: '1' }]);
  expect(Date.now() - started).toBeLessThan(15_000);
});
