/**
 * The snapshot fast path against real Redis and Postgres: a request it answers and the same request
 * answered by Express are alike (status, body, headers, metrics), and what it hands over (a 429, a 404,
 * a lost Redis) is answered by the one error path and counted once against the rate limit.
 *
 * A token is verified asynchronously the first time (Express serves that request) and is cached
 * after: the next plain request with it is the fast path's. A query string also sends a request to
 * Express, which ignores it for this route.
 */
import express from 'express';
import request from 'supertest';
import { createMetrics, requestMetrics, requestObserver } from '../../src/metrics';
import { bearer, closeApis, openTestApi, type TestApi, type TestApiOptions } from '../support/api';
import { clusterDatabase, closeClusters, TestCluster } from '../support/cluster';
import type { TestDatabase } from '../support/pg';

jest.setTimeout(60_000);

let db: TestDatabase;
let cluster: TestCluster;

beforeAll(async () => {
  db = await clusterDatabase('api_fast_path');
});
beforeEach(async () => {
  cluster = await TestCluster.open(db, 'api-fast-path');
});
afterEach(async () => {
  await closeApis();
  await closeClusters();
});
afterAll(async () => {
  await db?.close();
});

const SNAPSHOT = '{"Primary":{"strength":12},"Derived":{},"CapsUsed":{},"Version":4}';
const PATH = '/v1/actors/fast-1/snapshot';
const VIA_EXPRESS = `${PATH}?via=express`;

async function apiWithSnapshot(options: TestApiOptions = {}): Promise<TestApi> {
  const api = await openTestApi(cluster, options);
  await api.deps.snapshots.setMany([
    { actorId: 'fast-1', version: 4, registryVersion: 'r1-test', snapshotJson: SNAPSHOT },
  ]);
  return api;
}

/** The headers that differ between any two responses. */
function comparable(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'date'));
}

it('answers exactly as the Express route does: status, body and every header', async () => {
  const api = await apiWithSnapshot();
  const auth = bearer(await api.token(['snapshots:read']));
  const first = await request(api.app).get(PATH).set(auth); // the token's first use: Express
  const fast = await request(api.app).get(PATH).set(auth);
  const routed = await request(api.app).get(VIA_EXPRESS).set(auth);
  for (const res of [first, fast, routed]) {
    expect(res.status).toBe(200);
    expect(res.text).toBe(SNAPSHOT);
  }
  expect(comparable(fast.headers)).toEqual(comparable(routed.headers));
  expect(comparable(first.headers)).toEqual(comparable(routed.headers));
  expect(fast.headers['content-security-policy']).toContain("default-src 'self'");
  expect(fast.headers['x-content-type-options']).toBe('nosniff');

  const notModified = await request(api.app).get(PATH).set(auth).set('If-None-Match', '"4-r1-test"');
  const notModifiedRouted = await request(api.app)
    .get(VIA_EXPRESS)
    .set(auth)
    .set('If-None-Match', '"4-r1-test"');
  expect([notModified.status, notModifiedRouted.status]).toEqual([304, 304]);
  expect(comparable(notModified.headers)).toEqual(comparable(notModifiedRouted.headers));
});

it('hands a miss to Express: a Postgres read-through, else the 404 of the error path', async () => {
  const api = await apiWithSnapshot();
  const auth = bearer(await api.token(['snapshots:read']));
  await request(api.app).get(PATH).set(auth).expect(200);
  const none = await request(api.app).get('/v1/actors/nobody/snapshot').set(auth);
  expect(none.status).toBe(404);
  expect(none.body).toEqual({ error: { code: 'NOT_FOUND', message: 'no snapshot for this actor' } });
  expect(none.headers['x-content-type-options']).toBe('nosniff');
});

it('counts fast and routed requests against one limit, each once; the refusal is the 429 with Retry-After', async () => {
  const api = await apiWithSnapshot({ rateLimit: { windowMs: 60_000, max: 4 } });
  const auth = bearer(await api.token(['snapshots:read'], { sub: 'limited' }));
  const statuses: number[] = [];
  for (const path of [PATH, PATH, VIA_EXPRESS, PATH]) {
    statuses.push((await request(api.app).get(path).set(auth)).status);
  }
  expect(statuses).toEqual([200, 200, 200, 200]);
  const refused = await request(api.app).get(PATH).set(auth);
  expect(refused.status).toBe(429);
  expect(refused.body.error.code).toBe('RATE_LIMITED');
  expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  const key = `${cluster.keyPrefix}:ratelimit:sub:limited`;
  expect(await cluster.redis.get(key)).toBe('5');
});

it('hands a lost Redis to Express: a 503 that names no store, and nothing else changes', async () => {
  const api = await apiWithSnapshot();
  const auth = bearer(await api.token(['snapshots:read']));
  await request(api.app).get(PATH).set(auth).expect(200);
  api.redis.disconnect();
  const res = await request(api.app).get(PATH).set(auth);
  expect(res.status).toBe(503);
  expect(res.body).toEqual({
    error: { code: 'UNAVAILABLE', message: 'a store is unavailable; retry later' },
  });
  expect(res.headers['retry-after']).toBe('1');
});

it('records its requests in the request metrics under the route, as the middleware records routed ones', async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const api = await apiWithSnapshot({
    ops: {
      routes: express.Router(),
      requestMiddleware: requestMetrics(metrics),
      observeRequest: requestObserver(metrics),
      onCacheLookup: metrics.onCacheLookup,
    },
  });
  const auth = bearer(await api.token(['snapshots:read']));
  await request(api.app).get(PATH).set(auth).expect(200); // Express
  await request(api.app).get(PATH).set(auth).expect(200); // fast
  await request(api.app).get(PATH).set(auth).expect(200); // fast
  await request(api.app).get('/v1/actors/nobody/snapshot').set(auth).expect(404); // handed over
  const counts = (await metrics.requestsTotal.get()).values.map((v) => [
    v.labels.route,
    v.labels.status,
    v.value,
  ]);
  expect(counts).toEqual(
    expect.arrayContaining([
      ['/v1/actors/:id/snapshot', '200', 3],
      ['/v1/actors/:id/snapshot', '404', 1],
    ]),
  );
  expect(counts).toHaveLength(2);
  const durations = (await metrics.requestDuration.get()).values.filter(
    (v) => v.metricName === 'actor_core_request_duration_seconds_count',
  );
  expect(durations.map((v) => [v.labels.route, v.value])).toEqual([['/v1/actors/:id/snapshot', 4]]);
  expect((await metrics.cacheHits.get()).values[0]?.value).toBe(3);
});
