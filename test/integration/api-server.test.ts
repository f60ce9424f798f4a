/** startApiServer: its own connections, the ops mount factory, and a graceful stop that drains. */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import type { OpsContext } from '../../src/api/ops-mount';
import { startApiServer, type ApiServer } from '../../src/api/start-api-server';
import { apiSettings, bearer, signTestToken, TEST_JWT_SECRET } from '../support/api';
import { cliBin } from '../support/cli';
import { clusterDatabase, closeClusters, TestCluster } from '../support/cluster';
import type { TestDatabase } from '../support/pg';
import { repoRoot } from '../support/shared';

jest.setTimeout(30_000);

let db: TestDatabase;
let server: ApiServer | undefined;

beforeAll(async () => {
  db = await clusterDatabase('api_server');
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await closeClusters();
});
afterAll(async () => {
  await db?.close();
});

async function start(cluster: TestCluster, onContext?: (context: OpsContext) => void): Promise<ApiServer> {
  return startApiServer({
    settings: apiSettings(cluster),
    registries: db.registries,
    logger: pino({ level: 'silent' }),
    port: 0,
    host: '127.0.0.1',
    shutdownTimeoutMs: 5000,
    opsMount: (context) => {
      onContext?.(context);
      const routes = express.Router();
      routes.get('/ready', (_req, res) => res.status(context.isDraining() ? 503 : 200).json({}));
      return { routes };
    },
  });
}

/** A PUT whose body arrives in two parts: in flight until `finish()` sends the rest. */
function slowPut(
  url: string,
  token: string,
): { finish: () => void; response: Promise<{ status: number; body: string }> } {
  const body = JSON.stringify({ note: 'slow' });
  const req = http.request(`${url}/v1/actors/slow-1`, {
    method: 'PUT',
    headers: {
      ...bearer(token),
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 5));
  return { finish: () => req.end(body.slice(5)), response };
}

it('serves the API and the ops routes built by the factory on its connections', async () => {
  const cluster = await TestCluster.open(db, 'api-server');
  let context: OpsContext | undefined;
  server = await start(cluster, (c) => (context = c));
  expect(context?.queues.map((q) => q.name)).toEqual([
    cluster.settings.queue.name,
    `${cluster.settings.queue.name}-interactive`,
  ]);
  expect(context?.bullBoardPath).toBe('/admin/queues');
  await expect(context!.checks.database()).resolves.toBeUndefined();
  await expect(context!.checks.cache()).resolves.toBeUndefined();

  expect((await request(server.url).get('/ready')).status).toBe(200);
  const token = await signTestToken(['actors:write']);
  const put = await request(server.url).put('/v1/actors/srv-1').set(bearer(token)).send({ a: 1 });
  expect(put.status).toBe(201);
});

it('on stop: readiness fails, no new connections, the request in flight finishes, then it closes', async () => {
  const cluster = await TestCluster.open(db, 'api-server-stop');
  let context: OpsContext | undefined;
  server = await start(cluster, (c) => (context = c));
  const url = server.url;
  const slow = slowPut(url, await signTestToken(['actors:write']));
  await new Promise((resolve) => setTimeout(resolve, 100)); // the request has reached the server

  let stopped = false;
  const stopping = server.stop('test').then(() => (stopped = true));
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(context!.isDraining()).toBe(true);
  expect(stopped).toBe(false);
  await expect(request(url).get('/ready')).rejects.toThrow(/ECONNREFUSED/);

  slow.finish();
  const res = await slow.response;
  expect(res.status).toBe(201);
  expect(JSON.parse(res.body)).toEqual({ actorId: 'slow-1', version: 1, created: true });
  await stopping;
  expect(stopped).toBe(true);
  server = undefined;
});

it('refuses to start without a JWT key, before connecting anything', async () => {
  const cluster = await TestCluster.open(db, 'api-server-nokey');
  const settings = apiSettings(cluster);
  await expect(
    startApiServer({
      settings: { ...settings, security: { ...settings.security, jwtSecret: undefined } },
      registries: db.registries,
      logger: pino({ level: 'silent' }),
      port: 0,
    }),
  ).rejects.toMatchObject({ code: 'INVALID_CONFIG', field: 'JWT_SECRET' });
});

it('`actor-core api` serves until SIGTERM, then exits 0', async () => {
  const cluster = await TestCluster.open(db, 'api-cli');
  const child = spawn(process.execPath, [cliBin, 'api', '--port', '0'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...cluster.env,
      JWT_SECRET: TEST_JWT_SECRET,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let output = '';
  const listening = new Promise<{ port: number; ops: boolean }>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      output += text;
      const line = output.split('\n').find((l) => l.includes('"api listening"'));
      if (line !== undefined) resolve(JSON.parse(line) as { port: number; ops: boolean });
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
    void exited.then((code) => reject(new Error(`exited ${code} before listening: ${output}`)));
  });
  const { port, ops } = await listening;
  const url = `http://127.0.0.1:${port}`;
  expect((await request(url).get('/v1/openapi.json')).status).toBe(200);
  // The ops module of src/sidecar, mounted beside the API: health, and Bull Board behind admin.
  expect(ops).toBe(true);
  expect((await request(url).get('/health')).status).toBe(200);
  expect((await request(url).get('/admin/queues/').set('Accept', 'text/html')).status).toBe(401);
  const admin = bearer(await signTestToken(['admin']));
  const board = await request(url).get('/admin/queues/').set(admin);
  expect(board.status).toBe(200);
  expect(board.text).toContain('__UI_CONFIG__');
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(output).toContain('"stopped"');
});
