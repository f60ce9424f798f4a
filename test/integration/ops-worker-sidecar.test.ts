/**
 * A real `actor-core worker` process serves its sidecar on WORKER_SIDECAR_PORT: /health and /ready
 * while it works, /metrics that move with its jobs, and /ready 503 from the moment SIGTERM starts its
 * drain until it exits.
 */
import { Redis } from 'ioredis';
import pino from 'pino';
import { freePort, isListening } from '../../src/local-services/free-port';
import { createMetrics, GUIDE_METRICS, WORKER_METRICS } from '../../src/metrics';
import { startWorkerSidecar } from '../../src/worker/worker-observability';
import { apiSettings, signTestToken } from '../support/api';
import { requiredEnv } from '../support/databases';
import type { TestDatabase } from '../support/pg';
import {
  clusterDatabase,
  closeClusters,
  holdTableLock,
  seedWorkload,
  sleep,
  startWorkerProcess,
  TestCluster,
  waitFor,
  workerSessionsWaitingOnLocks,
} from '../support/cluster';
import { sampleValue, scrape } from '../support/prometheus-text';

jest.setTimeout(60_000);

let db: TestDatabase;
let ids: string[];

beforeAll(async () => {
  db = await clusterDatabase('ops_worker_sidecar');
  ids = await seedWorkload(db, 30, 9);
});
afterEach(closeClusters);
afterAll(async () => {
  await db?.close();
});

/**
 * Starts the producer's queue-events readers before jobs are enqueued: waitForResults creates them on
 * first use, and their first XREAD starts at '$', so a job finishing in the moment between their
 * connection and that read would be missed (its state was read just before it completed).
 */
async function listening(cluster: TestCluster): Promise<void> {
  await cluster.producer.allQueueEvents();
  await sleep(200);
}

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the worker sidecar', () => {
  it('serves health, readiness and metrics, and turns not-ready while draining', async () => {
    const cluster = await TestCluster.open(db, 'ops-sidecar', { shutdownTimeoutMs: 20_000 });
    const port = await freePort();
    const worker = await startWorkerProcess({ ...cluster.env, WORKER_SIDECAR_PORT: String(port) });
    expect(worker.lines('worker started')[0]?.sidecarPort).toBe(port);
    const base = `http://127.0.0.1:${port}`;

    expect(await get(`${base}/health`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await get(`${base}/ready`)).toMatchObject({
      status: 200,
      body: { status: 'ready', draining: false, checks: { migrations: { status: 'ok' } } },
    });

    await listening(cluster);
    const first = await cluster.producer.enqueueResolve(ids.slice(0, 20), { batchSize: 20 });
    await cluster.producer.waitForResults(first.jobIds, 30_000);
    const metrics = await scrape(`${base}/metrics`);
    const bulk = { queue: cluster.settings.queue.name, outcome: 'completed' };
    expect(sampleValue(metrics, `${WORKER_METRICS.jobDuration}_count`, bulk)).toBe(1);
    expect(sampleValue(metrics, `${WORKER_METRICS.actorResolveDuration}_count`)).toBe(20);
    expect(sampleValue(metrics, GUIDE_METRICS.activeActors)).toBe(20);

    // Keep a job active (stopped at its load), then ask the worker to stop.
    const release = await holdTableLock(db.pool, 'actors', 'ACCESS EXCLUSIVE');
    try {
      const second = await cluster.producer.enqueueResolve(ids.slice(20), { batchSize: 10 });
      await waitFor(
        'the job to wait on the lock',
        async () => (await workerSessionsWaitingOnLocks(db.pool)) > 0,
      );
      const exited = worker.stop();
      await waitFor('/ready to turn 503', async () => (await get(`${base}/ready`)).status === 503);
      const ready = await get(`${base}/ready`);
      expect(ready.body).toMatchObject({ status: 'not_ready', draining: true });
      expect(ready.body.reasons).toEqual(['draining: the process is stopping']);
      // Still alive while it finishes its job.
      expect((await get(`${base}/health`)).status).toBe(200);
      await release();
      await cluster.producer.waitForResults(second.jobIds, 30_000);
      expect(await exited).toEqual({ code: 0, signal: null });
    } finally {
      await release();
    }
    expect(await isListening(port)).toBe(false);
  });

  it('runs without a sidecar when WORKER_SIDECAR_PORT is 0, or when its port is taken', async () => {
    const cluster = await TestCluster.open(db, 'ops-sidecar-off');
    const off = await startWorkerProcess({ ...cluster.env, WORKER_SIDECAR_PORT: '0' });
    expect(off.lines('worker started')[0]?.sidecarPort).toBeUndefined();

    const port = await freePort();
    const owner = await startWorkerProcess({ ...cluster.env, WORKER_SIDECAR_PORT: String(port) });
    expect(owner.lines('worker started')[0]?.sidecarPort).toBe(port);
    const second = await startWorkerProcess({ ...cluster.env, WORKER_SIDECAR_PORT: String(port) });
    expect(second.lines('worker started')[0]?.sidecarPort).toBeUndefined();
    expect(second.lines('sidecar not started: this worker serves no /health, /ready or /metrics')).toEqual([
      expect.objectContaining({ port, err: 'EADDRINUSE' }),
    ]);

    // And all three work. (Jobs of current actors finish in ms: listen before enqueueing, see listening().)
    await listening(cluster);
    const { jobIds } = await cluster.producer.enqueueResolve(ids.slice(0, 9), { batchSize: 3 });
    await cluster.producer.waitForResults(jobIds, 30_000);
    for (const w of [off, owner, second]) expect((await w.stop()).code).toBe(0);
  });
});

describe('the worker sidecar with OPEN_OPS_ENDPOINTS=false', () => {
  it('serves /health, /ready and /metrics to an admin token only, as the API does; other paths 404', async () => {
    const cluster = await TestCluster.open(db, 'ops-sidecar-closed');
    const port = await freePort();
    const base = apiSettings(cluster, { openOpsEndpoints: false });
    const settings = {
      ...base,
      server: { ...base.server, host: '127.0.0.1' },
      monitoring: { ...base.monitoring, workerSidecarPort: port },
    };
    const cacheRedis = new Redis(requiredEnv('REDIS_URL'));
    const sidecar = await startWorkerSidecar(settings, pino({ level: 'silent' }), {
      pool: db.pool,
      cacheRedis,
      metrics: createMetrics({ defaultMetrics: false }),
      isDraining: () => false,
    });
    try {
      expect(sidecar?.port).toBe(port);
      const url = `http://127.0.0.1:${port}`;
      const as = async (path: string, scopes?: string[]): Promise<number> => {
        const headers: Record<string, string> =
          scopes === undefined ? {} : { Authorization: `Bearer ${await signTestToken(scopes)}` };
        return (await fetch(`${url}${path}`, { headers })).status;
      };
      for (const path of ['/health', '/ready', '/metrics', '/METRICS', '/metrics/']) {
        expect([path, await as(path)]).toEqual([path, 401]);
        expect([path, await as(path, ['snapshots:read'])]).toEqual([path, 403]);
      }
      const refused = await fetch(`${url}/metrics`);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await refused.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      for (const path of ['/health', '/ready', '/metrics']) {
        expect([path, await as(path, ['admin'])]).toEqual([path, 200]);
      }
      expect(await as('/nope')).toBe(404);
    } finally {
      await sidecar?.close();
      cacheRedis.disconnect();
    }
  });
});
