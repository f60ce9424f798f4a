/** Tokens (401), scopes (403), the rate limit shared through Redis (429), and the ops endpoints. */
import express from 'express';
import { SignJWT } from 'jose';
import request from 'supertest';
import { TEST_JWT_SECRET, bearer, closeApis, openTestApi, type TestApi } from '../support/api';
import { clusterDatabase, closeClusters, TestCluster } from '../support/cluster';
import type { TestDatabase } from '../support/pg';

jest.setTimeout(30_000);

let db: TestDatabase;
let cluster: TestCluster;

beforeAll(async () => {
  db = await clusterDatabase('api_auth');
});
beforeEach(async () => {
  cluster = await TestCluster.open(db, 'api-auth');
});
afterEach(async () => {
  await closeApis();
  await closeClusters();
});
afterAll(async () => {
  await db?.close();
});

/** A stand-in for src/sidecar's routes: the API only mounts them. */
function opsStub(): { routes: express.Router } {
  const routes = express.Router();
  routes.get('/health', (_req, res) => res.json({ status: 'ok' }));
  routes.get('/metrics', (_req, res) => res.type('text/plain').send('# metrics\n'));
  return { routes };
}

const SNAPSHOT_PATH = '/v1/actors/someone/snapshot';

describe('authentication (401)', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await openTestApi(cluster);
  });

  async function expect401(headers: Record<string, string>, message: RegExp): Promise<void> {
    const res = await request(api.app).get(SNAPSHOT_PATH).set(headers);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="actor-core"/);
    expect(res.body.error.message).toMatch(message);
    // Neither the token nor the secret ever comes back.
    const token = headers.Authorization?.slice(7);
    if (token !== undefined && token !== '') expect(JSON.stringify(res.body)).not.toContain(token);
    expect(JSON.stringify(res.body) + JSON.stringify(res.headers)).not.toContain(TEST_JWT_SECRET);
  }

  it('without a token', async () => {
    await expect401({}, /bearer token is required/);
    const res = await request(api.app).get(SNAPSHOT_PATH);
    expect(res.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'a bearer token is required' } });
  });

  it('with a malformed header, a bad signature, an expired token, a wrong issuer or audience', async () => {
    await expect401({ Authorization: 'Basic dXNlcjpwYXNz' }, /must be "Bearer <token>"/);
    await expect401({ Authorization: 'Bearer not.a.jwt' }, /invalid/);
    const other = await api.token(['snapshots:read'], {
      secret: 'another-secret-0123456789abcdef-0123456789',
    });
    await expect401(bearer(other), /signature is invalid/);
    const old = Math.floor(Date.now() / 1000) - 3600;
    await expect401(bearer(await api.token(['snapshots:read'], { now: old, ttlSeconds: 60 })), /expired/);
    await expect401(bearer(await api.token(['snapshots:read'], { issuer: 'someone-else' })), /"iss" claim/);
    await expect401(bearer(await api.token(['snapshots:read'], { audience: 'another-api' })), /"aud" claim/);
  });

  it('with a token that never expires, or one signed with alg none', async () => {
    const noExp = await new SignJWT({ scope: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('actor-core')
      .setAudience('actor-core')
      .setSubject('forever')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    await expect401(bearer(noExp), /"exp" claim/);
    const [, payload] = noExp.split('.');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    await expect401(bearer(none), /./);
  });
});

describe('authorization (403)', () => {
  it.each([
    ['put', '/v1/actors/x', 'actors:write'],
    ['put', '/v1/actors/x/subsystems/items', 'actors:write'],
    ['delete', '/v1/actors/x/subsystems/items', 'actors:write'],
    ['post', '/v1/resolve', 'jobs:write'],
    ['get', '/v1/jobs/1', 'snapshots:read'],
    ['get', SNAPSHOT_PATH, 'snapshots:read'],
    ['get', '/v1/actors/x/explain?dimension=strength', 'snapshots:read'],
  ] as const)('%s %s needs %s', async (method, path, scope) => {
    const api = await openTestApi(cluster);
    const others = ['actors:write', 'jobs:write', 'snapshots:read'].filter((s) => s !== scope);
    const call = (token: string) => request(api.app)[method](path).set(bearer(token)).send({});
    const res = await call(await api.token(others));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: { code: 'FORBIDDEN', message: `the token lacks the "${scope}" scope` },
    });
    expect(res.headers['www-authenticate']).toContain('insufficient_scope');
    // With the scope, or with admin, the request gets past authorization.
    for (const scopes of [[scope], ['admin']]) {
      const ok = await call(await api.token(scopes));
      expect([200, 201, 202, 400, 404]).toContain(ok.status);
    }
  });

  it('the OpenAPI document needs no token', async () => {
    const api = await openTestApi(cluster);
    const res = await request(api.app).get('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
  });
});

describe('rate limiting, shared through Redis (429)', () => {
  it('counts per token subject across instances; Retry-After; the ops endpoints are not limited', async () => {
    const options = { rateLimit: { windowMs: 30_000, max: 3 }, ops: opsStub() };
    const first = await openTestApi(cluster, options);
    const second = await openTestApi(cluster, options); // another instance, same Redis
    const alice = bearer(await first.token(['snapshots:read'], { sub: 'alice' }));
    const bob = bearer(await first.token(['snapshots:read'], { sub: 'bob' }));

    expect((await request(first.app).get(SNAPSHOT_PATH).set(alice)).status).toBe(404);
    expect((await request(second.app).get(SNAPSHOT_PATH).set(alice)).status).toBe(404);
    expect((await request(first.app).get(SNAPSHOT_PATH).set(alice)).status).toBe(404);
    const limited = await request(second.app).get(SNAPSHOT_PATH).set(alice);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);

    // Another subject has a counter of its own; the ops endpoints are never counted.
    expect((await request(first.app).get(SNAPSHOT_PATH).set(bob)).status).toBe(404);
    for (let i = 0; i < 5; i++) expect((await request(first.app).get('/health')).status).toBe(200);

    const key = `${cluster.keyPrefix}:ratelimit:sub:alice`;
    expect(await cluster.redis.get(key)).toBe('4');
    const ttl = await cluster.redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('counts requests without a token by IP address', async () => {
    const api = await openTestApi(cluster, { rateLimit: { windowMs: 30_000, max: 2 } });
    expect((await request(api.app).get('/v1/openapi.json')).status).toBe(200);
    expect((await request(api.app).get(SNAPSHOT_PATH)).status).toBe(401);
    const limited = await request(api.app).get('/v1/openapi.json');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    const keys = await cluster.redis.keys(`${cluster.keyPrefix}:ratelimit:ip:*`);
    expect(keys).toHaveLength(1);
  });

  it('behind a trusted proxy counts the client named by X-Forwarded-For, else ignores the header', async () => {
    const ipKeys = async (): Promise<string[]> =>
      (await cluster.redis.keys(`${cluster.keyPrefix}:ratelimit:ip:*`)).sort();
    const untrusting = await openTestApi(cluster, { rateLimit: { windowMs: 30_000, max: 5 } });
    // A client cannot pick its own counter by forging the header.
    await request(untrusting.app).get('/v1/openapi.json').set('X-Forwarded-For', '203.0.113.7');
    await request(untrusting.app).get('/v1/openapi.json').set('X-Forwarded-For', '203.0.113.8');
    const direct = await ipKeys();
    expect(direct).toHaveLength(1);
    expect(direct[0]).not.toMatch(/203\.0\.113/);
    expect(await cluster.redis.get(direct[0]!)).toBe('2');

    const behindHaproxy = await openTestApi(cluster, {
      rateLimit: { windowMs: 30_000, max: 1 },
      trustProxy: ['loopback'],
    });
    const from = (ip: string) =>
      request(behindHaproxy.app).get('/v1/openapi.json').set('X-Forwarded-For', ip);
    expect((await from('203.0.113.7')).status).toBe(200);
    expect((await from('203.0.113.8')).status).toBe(200);
    expect((await from('203.0.113.7')).status).toBe(429);
    expect(await ipKeys()).toEqual(
      [
        ...direct,
        `${cluster.keyPrefix}:ratelimit:ip:203.0.113.7`,
        `${cluster.keyPrefix}:ratelimit:ip:203.0.113.8`,
      ].sort(),
    );
  });

  it('a new window starts when the last one expires', async () => {
    const api = await openTestApi(cluster, { rateLimit: { windowMs: 300, max: 1 } });
    const token = bearer(await api.token(['snapshots:read'], { sub: 'carol' }));
    expect((await request(api.app).get(SNAPSHOT_PATH).set(token)).status).toBe(404);
    expect((await request(api.app).get(SNAPSHOT_PATH).set(token)).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await request(api.app).get(SNAPSHOT_PATH).set(token)).status).toBe(404);
  });
});

describe('the ops endpoints', () => {
  it('are open by default', async () => {
    const api = await openTestApi(cluster, { ops: opsStub() });
    expect((await request(api.app).get('/health')).body).toEqual({ status: 'ok' });
    expect((await request(api.app).get('/metrics')).text).toBe('# metrics\n');
  });

  it('need admin when OPEN_OPS_ENDPOINTS is false', async () => {
    const api = await openTestApi(cluster, { ops: opsStub(), openOpsEndpoints: false });
    expect((await request(api.app).get('/health')).status).toBe(401);
    const reader = bearer(await api.token(['snapshots:read']));
    expect((await request(api.app).get('/metrics').set(reader)).status).toBe(403);
    const admin = bearer(await api.token(['admin']));
    expect((await request(api.app).get('/health').set(admin)).status).toBe(200);
  });

  it('when closed, guard only their own paths: any other path is a plain 404', async () => {
    const api = await openTestApi(cluster, { ops: opsStub(), openOpsEndpoints: false });
    for (const path of ['/nope', '/wp-login.php', '/v2/actors', '/healthz']) {
      const res = await request(api.app).get(path);
      expect([path, res.status, res.body.error?.code]).toEqual([path, 404, 'NOT_FOUND']);
    }
    // Every spelling that could reach the ops routes is guarded.
    for (const path of ['/metrics/', '/HEALTH', '/ready']) {
      expect([path, (await request(api.app).get(path)).status]).toEqual([path, 401]);
    }
  });
});
