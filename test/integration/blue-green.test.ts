/**
 * Blue-green deployment for real: two `actor-core api` processes (blue and green) behind HAProxy
 * running deploy/haproxy.cfg, steady load through HAProxy while deploy/blue-green.sh switches to green
 * and the old process is then stopped with SIGTERM, as a deploy does. No request may fail. A switch to
 * a colour that is not healthy must fail, switch nothing and leave the traffic on the live one. (The
 * deployment's files, checked without running: blue-green-files.test.ts.)
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { actorLine, loadActorLines, SnapshotRepository } from '../../src/adapters/pg';
import { resolveActorLine } from '../../src/core';
import { freePort } from '../../src/local-services/free-port';
import { bearer, signTestToken, TEST_JWT_SECRET } from '../support/api';
import { cliBin } from '../support/cli';
import { clusterDatabase, seedWorkload, sleep, WorkerHandle } from '../support/cluster';
import { freshDatabase, requiredEnv, uniquePrefix, type FreshDatabase } from '../support/databases';
import {
  figures,
  closeHaproxies,
  HaproxyProcess,
  parseStat,
  runBlueGreen,
  steadyLoad,
  type HaproxyEnv,
  type LoadOptions,
} from '../support/haproxy';
import type { TestDatabase } from '../support/pg';
import { sampleSum } from '../support/prometheus-text';
import { repoRoot } from '../support/shared';

jest.setTimeout(120_000);

const SNAPSHOT_ROUTE = '/v1/actors/:id/snapshot';
const keyPrefix = uniquePrefix('blue-green');
let db: TestDatabase;
let unmigrated: FreshDatabase | undefined;
let actorId: string;
let snapshotJson: string;
let headers: { Authorization: string };
let dir: string;
const apis = new Set<WorkerHandle>();

beforeAll(async () => {
  db = await clusterDatabase('blue_green');
  [actorId] = (await seedWorkload(db, 1, 23)) as [string];
  const [actor] = (await loadActorLines(db.pool, [actorId])).actors;
  const resolved = resolveActorLine(actorLine(actor!), db.registries.compiled);
  if (!('snapshot' in resolved)) throw new Error(`the seeded actor does not resolve: ${resolved.error.code}`);
  snapshotJson = JSON.stringify(resolved.snapshot);
  await new SnapshotRepository(db.pool).writeSnapshots([
    { actorId, version: actor!.version, registryVersion: db.registries.registryVersion, snapshotJson },
  ]);
  headers = bearer(await signTestToken(['snapshots:read'], { ttlSeconds: 600 }));
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actor-core-bg-'));
});
afterEach(async () => {
  await closeHaproxies();
  await Promise.all(
    [...apis].map((api) => (api.exitStatus === undefined ? api.signal('SIGKILL', 10_000) : null)),
  );
  apis.clear();
  fs.rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await unmigrated?.drop();
  await db?.close();
  const redis = new Redis(requiredEnv('REDIS_URL'));
  const keys = await redis.keys(`${keyPrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

interface Api {
  handle: WorkerHandle;
  port: number;
  address: string;
}

/** A real `actor-core api` process on a port the OS picks. */
async function startApi(databaseUrl = db.url): Promise<Api> {
  const env = {
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '4',
    REDIS_URL: requiredEnv('REDIS_URL'),
    REDIS_KEY_PREFIX: keyPrefix,
    QUEUE_NAME: keyPrefix.replace(/:/g, '.'),
    JWT_SECRET: TEST_JWT_SECRET,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '10000',
    // One token makes every request of the load: the default 6,000 a minute per client would 429 it.
    RATE_LIMIT_MAX: '1000000',
  };
  const child = spawn(process.execPath, [cliBin, 'api', '--port', '0'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const handle = new WorkerHandle(child);
  apis.add(handle);
  const line = await handle.waitForLog('"api listening"', (l) => l.msg === 'api listening');
  const port = Number(line.port);
  return { handle, port, address: `127.0.0.1:${port}` };
}

async function startHaproxy(
  blue: string,
  green: string,
  extra: Partial<HaproxyEnv> = {},
): Promise<HaproxyProcess> {
  const env: HaproxyEnv = {
    ...extra,
    HAPROXY_BIND: `127.0.0.1:${await freePort()}`,
    BLUE_ADDR: blue,
    GREEN_ADDR: green,
    HAPROXY_SOCKET: path.join(dir, 'admin.sock'),
    HAPROXY_STATE_FILE: path.join(dir, 'server-state'),
  };
  const haproxy = await HaproxyProcess.start(env);
  await haproxy.waitForStatus('blue', 'UP');
  expect((await haproxy.servers()).get('green')?.status).toBe('MAINT');
  return haproxy;
}

function scriptEnv(haproxy: HaproxyProcess, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HAPROXY_SOCKET: haproxy.env.HAPROXY_SOCKET,
    HAPROXY_STATE_FILE: haproxy.env.HAPROXY_STATE_FILE,
    ...extra,
  };
}

/** A GET over TLS that trusts `caFile` only, with the test's bearer token. */
function httpsGet(
  url: string,
  caFile: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: fs.readFileSync(caFile), headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

/** How many snapshot requests this API process has answered (its /metrics). */
async function servedBy(api: Api): Promise<number> {
  const res = await fetch(`http://${api.address}/metrics`);
  return sampleSum(await res.text(), 'actor_core_requests_total', { route: SNAPSHOT_ROUTE });
}

/** Steady load on the snapshot route through HAProxy. */
function load(url: string, options: LoadOptions): ReturnType<typeof steadyLoad> {
  return steadyLoad(`${url}/v1/actors/${actorId}/snapshot`, headers, options);
}

describe('deploy/blue-green.sh with HAProxy and two API processes', () => {
  it('switches blue → green under steady load without a failed request; blue then stops, green serves', async () => {
    const blue = await startApi();
    const green = await startApi();
    const haproxy = await startHaproxy(blue.address, green.address);
    const first = await fetch(`${haproxy.url}/v1/actors/${actorId}/snapshot`, { headers });
    expect(first.status).toBe(200);
    // Read through from Postgres (jsonb: its own key order), then cached in Redis.
    expect(await first.json()).toEqual(JSON.parse(snapshotJson));
    const start = { blue: await servedBy(blue), green: await servedBy(green) };
    expect(start).toEqual({ blue: 1, green: 0 });

    const traffic = load(haproxy.url, { rate: 400, connections: 8, seconds: 9 });
    await sleep(3000);
    const switchStarted = Date.now();
    const switched = await runBlueGreen(['switch'], scriptEnv(haproxy));
    const switchEnded = Date.now();
    expect(switched).toMatchObject({ code: 0, stderr: '' });
    expect(switched.stdout).toContain('blue-green: switched: green is live, blue is in maintenance');
    // Blue was drained and is in maintenance: the load's kept-alive connections bring it nothing more.
    const blueServed = await servedBy(blue);
    await sleep(500);
    expect(await servedBy(blue)).toBe(blueServed);
    // What a deploy does next: stop the old process. It drains and exits 0 while the load goes on.
    expect(await blue.handle.stop(15_000)).toEqual({ code: 0, signal: null });
    const blueStopped = Date.now();
    const result = await traffic.done;
    const greenServed = await servedBy(green);
    process.stderr.write(
      `\n[blue-green] ${figures(result)}; switch took ${switchEnded - switchStarted} ms; ` +
        `served by blue ${blueServed - start.blue}, by green ${greenServed}\n`,
    );

    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result.ok).toBe(result.total);
    expect(traffic.responses.every((r) => r.status === 200)).toBe(true);
    const count = (from: number, to: number): number =>
      traffic.responses.filter((r) => r.at >= from && r.at < to).length;
    expect(count(0, switchStarted)).toBeGreaterThan(300);
    expect(count(switchStarted, switchEnded)).toBeGreaterThan(100);
    expect(count(switchEnded, blueStopped)).toBeGreaterThan(20);
    expect(count(blueStopped, Infinity)).toBeGreaterThan(300);
    // Every response came from one of the two, once; green served everything after the switch.
    const served = blueServed - start.blue + greenServed;
    expect(served).toBeGreaterThanOrEqual(result.total);
    expect(served).toBeLessThanOrEqual(result.sent);
    expect(greenServed).toBeGreaterThanOrEqual(count(switchEnded, Infinity));
    const backend = parseStat(await haproxy.command('show stat actor_core 2 -1')).get('BACKEND')!;
    expect({ hrsp_5xx: backend.hrsp_5xx, eresp: backend.eresp }).toEqual({ hrsp_5xx: '0', eresp: '0' });
    process.stderr.write(
      `[blue-green] HAProxy retries ${backend.wretr}, redispatches ${backend.wredis}; the switch said:\n` +
        switched.stdout,
    );

    const status = await runBlueGreen(['status'], scriptEnv(haproxy));
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^blue +admin=maint /m);
    expect(status.stdout).toMatch(/^green +admin=ready +status=UP /m);
    expect(status.stdout.trim().split('\n').pop()).toBe('live: green');

    // A restarted HAProxy reads the states the switch saved: green stays live.
    await haproxy.stop();
    const restarted = await HaproxyProcess.start(haproxy.env);
    await restarted.waitForStatus('green', 'UP');
    expect((await restarted.servers()).get('blue')?.status).toBe('MAINT');
    const greenBefore = await servedBy(green);
    const after = await fetch(`${restarted.url}/v1/actors/${actorId}/snapshot`, { headers });
    expect(after.status).toBe(200);
    expect(await servedBy(green)).toBe(greenBefore + 1);
  });

  it('a drained server gets no new requests, even on the clients’ kept-alive connections', async () => {
    // What the switch relies on: HAProxy balances each request, not each client connection.
    const blue = await startApi();
    const green = await startApi();
    const haproxy = await startHaproxy(blue.address, green.address);
    expect(await haproxy.command('set server actor_core/green state ready')).toBe('\n');
    const traffic = load(haproxy.url, { rate: 200, connections: 4, seconds: 4 });
    await sleep(1000);
    const bothServed = { blue: await servedBy(blue), green: await servedBy(green) };
    expect(bothServed.blue).toBeGreaterThan(20);
    expect(bothServed.green).toBeGreaterThan(20);
    const clientConnections = async (): Promise<number> =>
      Number(parseStat(await haproxy.command('show stat public 1 -1')).get('FRONTEND')!.stot);
    const connectionsAtDrain = await clientConnections();
    expect(await haproxy.command('set server actor_core/blue state drain')).toBe('\n');
    await sleep(200); // the requests blue had in flight finish
    const drained = await servedBy(blue);
    const greenAtDrain = await servedBy(green);
    await sleep(1500);
    expect(await servedBy(blue)).toBe(drained);
    expect((await servedBy(green)) - greenAtDrain).toBeGreaterThan(150);
    const result = await traffic.done;
    expect(result).toMatchObject({ errors: 0, timeouts: 0, non2xx: 0 });
    // No client connection was opened after the drain: the requests moved on the connections as they were.
    expect(await clientConnections()).toBe(connectionsAtDrain);
  });

  it('refuses to switch to a green that is up but not ready: nothing switched, the load stays on blue', async () => {
    const blue = await startApi();
    // A new version ahead of its migration: it runs, but /ready answers 503.
    unmigrated = await freshDatabase('blue_green_unmigrated');
    const green = await startApi(unmigrated.url);
    expect((await fetch(`http://${green.address}/ready`)).status).toBe(503);
    const haproxy = await startHaproxy(blue.address, green.address);
    const start = await servedBy(blue);

    const traffic = load(haproxy.url, { rate: 200, connections: 4, seconds: 5 });
    await sleep(500);
    const switched = await runBlueGreen(['switch'], scriptEnv(haproxy, { BLUE_GREEN_HEALTH_TIMEOUT: '3' }));
    const result = await traffic.done;
    process.stderr.write(`\n[blue-green] refused switch under load: ${figures(result)}\n`);

    expect(switched.code).toBe(1);
    expect(switched.stdout).not.toContain('is live');
    const errorLines = switched.stderr.trim().split('\n');
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(
      /^blue-green: error: green is not healthy: its readiness check did not pass within 3 s \(status DOWN, last check L7STS\/503\); nothing switched, live: blue$/,
    );
    expect(result).toMatchObject({ errors: 0, timeouts: 0, non2xx: 0 });
    expect(result.total).toBeGreaterThan(500);
    expect((await servedBy(blue)) - start).toBeGreaterThanOrEqual(result.total);
    expect(await servedBy(green)).toBe(0);
    // Green is back in maintenance, as it was.
    const status = await runBlueGreen(['status'], scriptEnv(haproxy));
    expect(status.stdout).toMatch(/^green +admin=maint /m);
    expect(status.stdout.trim().split('\n').pop()).toBe('live: blue');
  });

  it('does not serve /metrics on the public port, however the path is spelled', async () => {
    const blue = await startApi();
    const haproxy = await startHaproxy(blue.address, `127.0.0.1:${await freePort()}`);
    const spellings = ['/metrics', '/METRICS', '/Metrics', '/metrics/', '//metrics', '/metrics?x=1'];
    const statuses = await Promise.all(
      spellings.map(async (p) => [p, (await fetch(`${haproxy.url}${p}`)).status] as const),
    );
    expect(statuses).toEqual(spellings.map((p) => [p, 404]));
    // The instance itself still serves its scrape target.
    expect((await fetch(`http://${blue.address}/metrics`)).status).toBe(200);
    expect((await fetch(`${haproxy.url}/v1/actors/${actorId}/snapshot`, { headers })).status).toBe(200);
  });

  it('serves HTTPS with the certificate it is given, and redirects plain HTTP there', async () => {
    const blue = await startApi();
    const pem = path.join(dir, 'actor-core.test.pem');
    const key = path.join(dir, 'tls.key');
    const cert = path.join(dir, 'tls.crt');
    const made = spawnSync('openssl', [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=actor-core.test'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
    ]);
    expect(made.status).toBe(0);
    fs.writeFileSync(pem, fs.readFileSync(cert, 'utf8') + fs.readFileSync(key, 'utf8'));
    const tlsBind = `127.0.0.1:${await freePort()}`;
    const haproxy = await startHaproxy(blue.address, `127.0.0.1:${await freePort()}`, {
      HAPROXY_TLS_CERT: pem,
      HAPROXY_TLS_BIND: tlsBind,
    });
    const secure = await httpsGet(`https://${tlsBind}/v1/actors/${actorId}/snapshot`, cert);
    expect(secure.status).toBe(200);
    expect(JSON.parse(secure.body)).toEqual(JSON.parse(snapshotJson));
    expect(secure.headers['strict-transport-security']).toBe('max-age=31536000');
    // Behind the standard ports the Host names no port, and the redirect goes to 443.
    const plain = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const url = `${haproxy.url}/v1/actors/${actorId}/snapshot?x=1`;
      http.get(url, { headers: { ...headers, host: 'stats.example' } }, resolve).on('error', reject);
    });
    plain.resume();
    expect(plain.statusCode).toBe(308);
    expect(plain.headers.location).toBe(`https://stats.example/v1/actors/${actorId}/snapshot?x=1`);
  });

  it('refuses to switch to a green that is not running, naming the failed check', async () => {
    const blue = await startApi();
    const haproxy = await startHaproxy(blue.address, `127.0.0.1:${await freePort()}`);
    const switched = await runBlueGreen(
      ['switch', 'green'],
      scriptEnv(haproxy, { BLUE_GREEN_HEALTH_TIMEOUT: '2' }),
    );
    expect(switched.code).toBe(1);
    expect(switched.stderr.trim()).toMatch(
      /^blue-green: error: green is not healthy: .*last check L4CON.*; nothing switched, live: blue$/,
    );
    expect((await fetch(`${haproxy.url}/v1/actors/${actorId}/snapshot`, { headers })).status).toBe(200);
    expect((await haproxy.servers()).get('green')?.status).toBe('MAINT');
    // And it says what is wrong with its own arguments and with an unreachable HAProxy.
    expect(await runBlueGreen(['switch', 'purple'], scriptEnv(haproxy))).toMatchObject({
      code: 1,
      stderr: "blue-green: error: unknown colour 'purple': use blue or green\n",
    });
    const unreachable = await runBlueGreen(['status'], { HAPROXY_SOCKET: path.join(dir, 'none.sock') });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^blue-green: error: cannot reach HAProxy's runtime API at .*none\.sock/,
    );
  });
});
