/**
 * /metrics of a worker process (in this process, with its sidecar on a free port): the guide's six
 * series, job counts, histograms and pool series are there from the start, and move when it runs jobs.
 * Then the API's side: a read-through behind requestMetrics moves the cache and request series.
 */
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { ActorRepository, SnapshotRepository } from '../../src/adapters/pg';
import { SnapshotCache } from '../../src/adapters/redis';
import { freePort } from '../../src/local-services/free-port';
import { GUIDE_METRICS, WORKER_METRICS } from '../../src/metrics';
import { bearer, closeApis, openTestApi } from '../support/api';
import { createApiOpsMount, postgresCheck, redisCheck } from '../../src/sidecar';
import { startWorkerProcess, type WorkerProcess } from '../../src/worker/worker-process';
import { clusterDatabase, closeClusters, seedWorkload, sleep, TestCluster } from '../support/cluster';
import { requiredEnv } from '../support/databases';
import { outputOf, type TestDatabase } from '../support/pg';
import { metricTypes, sampleSum, sampleValue, scrape } from '../support/prometheus-text';

jest.setTimeout(60_000);

let db: TestDatabase;
let ids: string[];
const poison = 'poison-metrics';
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  db = await clusterDatabase('ops_metrics');
  ids = await seedWorkload(db, 41, 5);
  const actors = new ActorRepository({ pool: db.pool, registries: db.registries.compiled });
  await actors.putSubsystem(poison, outputOf('items', 5));
  // Stored outputs that no longer validate (raw SQL past the repository's validation).
  await db.pool.query(
    `UPDATE subsystems SET data = jsonb_set(data, '{primary,0,bucket}', '"SIDEWAYS"') WHERE actor_id = $1`,
    [poison],
  );
});
afterEach(async () => {
  await worker?.stop('test done');
  worker = undefined;
  await closeApis();
  await closeClusters();
});
afterAll(async () => {
  await db?.close();
});

/** The mount the API builds from its own connections (createApiOpsMount, looked up by `actor-core api`). */
function apiOpsMount(cluster: TestCluster): ReturnType<typeof createApiOpsMount> {
  return createApiOpsMount({
    pool: db.pool,
    queues: [cluster.producer.queue, cluster.producer.interactiveQueue],
    bullBoardPath: '/admin/queues',
    checks: { database: postgresCheck(db.pool), cache: redisCheck(cluster.redis) },
    isDraining: () => false,
  });
}

describe('a worker’s /metrics', () => {
  it('has every series from the start, and they move when the worker runs jobs', async () => {
    const cluster = await TestCluster.open(db, 'ops-metrics');
    const port = await freePort();
    const settings = {
      ...cluster.settings,
      worker: { ...cluster.settings.worker, threads: 1 },
      monitoring: { ...cluster.settings.monitoring, workerSidecarPort: port },
    };
    worker = await startWorkerProcess({
      settings,
      databaseUrl: db.url,
      redisUrl: requiredEnv('REDIS_URL'),
      registries: db.registries,
      logger: pino({ level: 'silent' }),
    });
    expect(worker.sidecarPort).toBe(port);
    const url = `http://127.0.0.1:${port}/metrics`;
    const bulk = settings.queue.name;
    const interactive = `${bulk}-interactive`;

    const before = await scrape(url);
    const types = metricTypes(before);
    expect(types.get(GUIDE_METRICS.requestsTotal)).toBe('counter');
    expect(types.get(GUIDE_METRICS.requestDuration)).toBe('histogram');
    expect(types.get(GUIDE_METRICS.activeActors)).toBe('gauge');
    expect(types.get(GUIDE_METRICS.cacheHits)).toBe('counter');
    expect(types.get(GUIDE_METRICS.cacheMisses)).toBe('counter');
    expect(types.get(GUIDE_METRICS.errorsTotal)).toBe('counter');
    for (const name of Object.values(WORKER_METRICS)) expect(types.has(name)).toBe(true);
    expect(types.get(WORKER_METRICS.jobDuration)).toBe('histogram');
    expect(types.get(WORKER_METRICS.actorResolveDuration)).toBe('histogram');
    expect(types.get(WORKER_METRICS.batchSize)).toBe('histogram');
    expect(types.has('process_resident_memory_bytes')).toBe(true);
    for (const queue of [bulk, interactive]) {
      expect(sampleValue(before, WORKER_METRICS.queueJobs, { queue, state: 'waiting' })).toBe(0);
      expect(sampleValue(before, WORKER_METRICS.queueJobs, { queue, state: 'completed' })).toBe(0);
    }
    expect(sampleValue(before, WORKER_METRICS.poolThreads)).toBe(1);
    expect(sampleValue(before, WORKER_METRICS.poolUtilization)).toBeGreaterThanOrEqual(0);
    expect(sampleValue(before, GUIDE_METRICS.activeActors)).toBe(0);
    expect(sampleSum(before, `${WORKER_METRICS.jobDuration}_count`)).toBe(0);

    // Two bulk jobs (one holding the poison actor) and one interactive job. The producer's event
    // readers start first: a job finishing before their first read would be missed by waitForResults.
    await cluster.producer.allQueueEvents();
    await sleep(200);
    const batch = await cluster.producer.enqueueResolve([...ids.slice(0, 40), poison], { batchSize: 21 });
    const single = await cluster.producer.enqueueResolve([ids[40]!]);
    await cluster.producer.waitForResults([...batch.jobIds, ...single.jobIds], 30_000);

    const after = await scrape(url);
    const completed = (queue: string) => ({ queue, outcome: 'completed' });
    expect(sampleValue(after, `${WORKER_METRICS.jobDuration}_count`, completed(bulk))).toBe(2);
    expect(sampleValue(after, `${WORKER_METRICS.jobDuration}_count`, completed(interactive))).toBe(1);
    expect(sampleValue(after, `${WORKER_METRICS.jobDuration}_sum`, completed(bulk))).toBeGreaterThan(0);
    expect(sampleValue(after, `${WORKER_METRICS.batchSize}_sum`, { queue: bulk })).toBe(41);
    expect(sampleValue(after, `${WORKER_METRICS.batchSize}_sum`, { queue: interactive })).toBe(1);
    for (const phase of ['load', 'aggregate', 'write']) {
      expect(sampleValue(after, `${WORKER_METRICS.jobPhaseDuration}_count`, { queue: bulk, phase })).toBe(2);
    }
    // Every resolved actor (the poison one too: it was parsed and failed inside a thread).
    expect(sampleValue(after, `${WORKER_METRICS.actorResolveDuration}_count`)).toBe(42);
    expect(sampleValue(after, `${WORKER_METRICS.actorResolveDuration}_sum`)).toBeGreaterThan(0);
    expect(sampleValue(after, WORKER_METRICS.actorsTotal, { queue: bulk, outcome: 'written' })).toBe(40);
    expect(sampleValue(after, WORKER_METRICS.actorsTotal, { queue: bulk, outcome: 'failed' })).toBe(1);
    expect(sampleValue(after, WORKER_METRICS.actorsTotal, { queue: interactive, outcome: 'written' })).toBe(
      1,
    );
    expect(sampleValue(after, GUIDE_METRICS.errorsTotal, { code: 'UNKNOWN_BUCKET' })).toBe(1);
    expect(sampleValue(after, GUIDE_METRICS.activeActors)).toBe(42);
    expect(sampleValue(after, WORKER_METRICS.queueJobs, { queue: bulk, state: 'completed' })).toBe(2);
    expect(sampleValue(after, WORKER_METRICS.queueJobs, { queue: interactive, state: 'completed' })).toBe(1);
    expect(sampleValue(after, WORKER_METRICS.poolUtilization)).toBeGreaterThan(0);
  });
});

describe('the API’s side: createApiOpsMount, a read-through behind its request metrics', () => {
  it('moves the cache hit and miss counters and the request series', async () => {
    const cluster = await TestCluster.open(db, 'ops-read-through');
    // Snapshots to read: resolve three actors through a worker first.
    worker = await startWorkerProcess({
      settings: { ...cluster.settings, monitoring: { ...cluster.settings.monitoring, workerSidecarPort: 0 } },
      databaseUrl: db.url,
      redisUrl: requiredEnv('REDIS_URL'),
      registries: db.registries,
      logger: pino({ level: 'silent' }),
    });
    expect(worker.sidecarPort).toBeUndefined();
    const [a, b] = ids as [string, string];
    await cluster.producer.allQueueEvents();
    await sleep(200);
    const { jobIds } = await cluster.producer.enqueueResolve([a, b], { force: true });
    await cluster.producer.waitForResults(jobIds, 30_000);
    await cluster.redis.del(`${cluster.keyPrefix}:snapshot:${b}`); // b: in Postgres only

    const ops = apiOpsMount(cluster);
    const cache = new SnapshotCache({
      redis: cluster.redis,
      keyPrefix: cluster.keyPrefix,
      ttlSeconds: 60,
      source: new SnapshotRepository(db.pool),
      onLookup: ops.onCacheLookup,
    });
    const app = express();
    app.use(ops.requestMiddleware);
    app.use(ops.routes);
    app.get('/actors/:id/snapshot', async (req, res) => {
      const record = await cache.getSnapshot(req.params.id);
      if (record === undefined) res.status(404).json({ error: 'NOT_FOUND' });
      else res.type('application/json').send(record.snapshotJson);
    });
    expect(ops.bullBoard).toBeDefined();
    expect((await request(app).get('/ready').expect(200)).body.checks.migrations.status).toBe('ok');

    await request(app).get(`/actors/${a}/snapshot`).expect(200); // hit
    await request(app).get(`/actors/${b}/snapshot`).expect(200); // miss, filled from Postgres
    await request(app).get(`/actors/${b}/snapshot`).expect(200); // hit (refilled)
    await request(app).get('/actors/nobody/snapshot').expect(404); // miss
    const text = (await request(app).get('/metrics').expect(200)).text;

    expect(sampleValue(text, GUIDE_METRICS.cacheHits)).toBe(2);
    expect(sampleValue(text, GUIDE_METRICS.cacheMisses)).toBe(2);
    expect(sampleValue(text, WORKER_METRICS.cacheFills)).toBe(1);
    const route = '/actors/:id/snapshot';
    expect(sampleValue(text, GUIDE_METRICS.requestsTotal, { method: 'GET', route, status: '200' })).toBe(3);
    expect(sampleValue(text, GUIDE_METRICS.requestsTotal, { method: 'GET', route, status: '404' })).toBe(1);
    expect(sampleValue(text, `${GUIDE_METRICS.requestDuration}_count`, { method: 'GET', route })).toBe(4);
    expect(text).not.toContain('nobody');
    // The API's registry reads the producer's queues at scrape time too.
    const { queue, interactiveQueue } = cluster.producer;
    expect(sampleValue(text, WORKER_METRICS.queueJobs, { queue: queue.name, state: 'completed' })).toBe(1);
    expect(
      sampleValue(text, WORKER_METRICS.queueJobs, { queue: interactiveQueue.name, state: 'waiting' }),
    ).toBe(0);
  });
});

describe('the API’s errors', () => {
  it('count its 5xx answers in actor_core_errors_total by code, and not its 4xx', async () => {
    const cluster = await TestCluster.open(db, 'ops-api-errors');
    const ops = apiOpsMount(cluster);
    const api = await openTestApi(cluster, { ops });
    const reader = bearer(await api.token(['snapshots:read']));
    await request(api.app).get('/v1/actors/nobody/snapshot').set(reader).expect(404);
    await request(api.app).get('/v1/jobs/nope').set(reader).expect(404);
    api.redis.disconnect(); // the API's cache: its reads now fail
    const down = await request(api.app).get(`/v1/actors/${ids[0]!}/snapshot`).set(reader);
    expect(down.status).toBe(503);

    const text = (await request(api.app).get('/metrics').expect(200)).text;
    expect(sampleValue(text, GUIDE_METRICS.errorsTotal, { code: 'STORE_UNAVAILABLE' })).toBe(1);
    expect(sampleSum(text, GUIDE_METRICS.errorsTotal)).toBe(1);
  });
});

describe('the API’s request metrics', () => {
  it('label routes by their pattern: a path in another letter case is a 404 (unmatched), not a new series', async () => {
    const cluster = await TestCluster.open(db, 'ops-api-routes');
    const ops = apiOpsMount(cluster);
    const api = await openTestApi(cluster, { ops });
    const reader = bearer(await api.token(['snapshots:read']));
    await request(api.app).get('/admin/login').expect(200);
    await request(api.app).get('/v1/openapi.json').set(reader).expect(200);
    await request(api.app).get('/metrics/').expect(200); // the same route: no trailing-slash series
    for (const path of [
      '/ADMIN/login',
      '/Admin/login',
      '/V1/openapi.json',
      '/V1/actors/x/snapshot',
      '/METRICS',
    ]) {
      const res = await request(api.app).get(path).set(reader);
      expect([path, res.status]).toEqual([path, 404]);
    }

    const text = (await request(api.app).get('/metrics').expect(200)).text;
    const routes = new Set(
      [...text.matchAll(new RegExp(`^${GUIDE_METRICS.requestsTotal}\\{[^}]*route="([^"]*)"`, 'gm'))].map(
        (m) => m[1],
      ),
    );
    expect([...routes].sort()).toEqual(['/admin/login', '/metrics', '/v1/openapi.json', 'unmatched']);
    expect(
      sampleValue(text, GUIDE_METRICS.requestsTotal, { method: 'GET', route: 'unmatched', status: '404' }),
    ).toBe(5);
  });
});
