/**
 * monitoring.prometheus.enabled: false takes /metrics away from the API's ops routes and from a
 * worker's sidecar; /health stays. (Stub stores: these routes only call their checks.)
 */
import express from 'express';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import pino from 'pino';
import request from 'supertest';
import { loadSettings } from '../../config/settings';
import { freePort } from '../../src/local-services/free-port';
import { createMetrics } from '../../src/metrics/create-metrics';
import { createApiOpsMount } from '../../src/sidecar';
import { startWorkerSidecar } from '../../src/worker/worker-observability';

const pool = { query: async () => ({ rows: [{ applied: 0 }] }) } as unknown as pg.Pool;
const cacheRedis = { status: 'ready', ping: async () => 'PONG' } as unknown as Redis;
const checks = { database: async () => undefined, cache: async () => undefined };

function apiRoutes(metricsEnabled: boolean | undefined): express.Express {
  const mount = createApiOpsMount({
    pool,
    queues: [],
    bullBoardPath: '/admin/queues',
    checks,
    isDraining: () => false,
    ...(metricsEnabled === undefined ? {} : { settings: { monitoring: { metricsEnabled } } }),
  });
  return express().use(mount.routes);
}

it('the API serves /metrics unless the configuration turns it off', async () => {
  expect((await request(apiRoutes(undefined)).get('/metrics')).status).toBe(200);
  expect((await request(apiRoutes(true)).get('/metrics')).status).toBe(200);
  const off = apiRoutes(false);
  expect((await request(off).get('/metrics')).status).toBe(404);
  expect((await request(off).get('/health')).status).toBe(200);
});

it('a worker’s sidecar serves /metrics unless the configuration turns it off', async () => {
  for (const [enabled, status] of [
    [true, 200],
    [false, 404],
  ] as const) {
    const base = loadSettings({ WORKER_SIDECAR_PORT: String(await freePort()), HOST: '127.0.0.1' });
    const settings = { ...base, monitoring: { ...base.monitoring, metricsEnabled: enabled } };
    const sidecar = await startWorkerSidecar(settings, pino({ level: 'silent' }), {
      pool,
      cacheRedis,
      metrics: createMetrics(),
      isDraining: () => false,
    });
    try {
      const url = `http://127.0.0.1:${sidecar!.port}`;
      expect([enabled, (await fetch(`${url}/metrics`)).status]).toEqual([enabled, status]);
      expect((await fetch(`${url}/health`)).status).toBe(200);
    } finally {
      await sidecar?.close();
    }
  }
});
