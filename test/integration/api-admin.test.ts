/** /admin: Bull Board behind `admin`, by bearer token or by the login form's HttpOnly cookie. */
import express from 'express';
import request from 'supertest';
import { bearer, closeApis, openTestApi, type TestApi } from '../support/api';
import { clusterDatabase, closeClusters, TestCluster } from '../support/cluster';
import type { TestDatabase } from '../support/pg';

jest.setTimeout(30_000);

let db: TestDatabase;
let cluster: TestCluster;
let api: TestApi;

/** A stand-in for Bull Board (src/sidecar builds the real one). */
function boardStub(): express.Router {
  const board = express.Router();
  board.get('/', (_req, res) => res.type('html').send('<h1>queues</h1>'));
  board.get('/api/queues', (_req, res) => res.json({ queues: [] }));
  return board;
}

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

beforeAll(async () => {
  db = await clusterDatabase('api_admin');
});
beforeEach(async () => {
  cluster = await TestCluster.open(db, 'api-admin');
  api = await openTestApi(cluster, { ops: { routes: express.Router(), bullBoard: boardStub() } });
});
afterEach(async () => {
  await closeApis();
  await closeClusters();
});
afterAll(async () => {
  await db?.close();
});

function cookieOf(res: request.Response): string {
  const header = res.headers['set-cookie'] as unknown as string[] | undefined;
  const cookie = header?.find((c) => c.startsWith('ac_token='));
  if (cookie === undefined) throw new Error('no ac_token cookie was set');
  return cookie;
}

describe('/admin/queues', () => {
  it('takes an admin bearer token; 403 without the scope; JSON 401 for API clients without one', async () => {
    const admin = bearer(await api.token(['admin']));
    const ok = await request(api.app).get('/admin/queues/api/queues').set(admin);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ queues: [] });

    const reader = bearer(await api.token(['snapshots:read']));
    const forbidden = await request(api.app).get('/admin/queues/api/queues').set(reader);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN');

    const anonymous = await request(api.app).get('/admin/queues/api/queues');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('shows a browser without credentials the login form (401)', async () => {
    const res = await request(api.app).get('/admin/queues/').set('Accept', HTML);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<form method="post" action="/admin/login">');
    expect(res.text).toContain('name="token"');
  });
});

describe('the login form and its cookie', () => {
  it('GET /admin/login is the form', async () => {
    const res = await request(api.app).get('/admin/login');
    expect(res.status).toBe(200);
    expect(res.text).toContain('type="password"');
  });

  it('signs in with an admin token: a Secure, HttpOnly, SameSite=Strict cookie for /admin only', async () => {
    const token = await api.token(['admin'], { ttlSeconds: 600 });
    const login = await request(api.app).post('/admin/login').type('form').send({ token });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/admin/queues/');
    const cookie = cookieOf(login);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\/admin(;|$)/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)?.[1]);
    expect(maxAge).toBeGreaterThan(590);
    expect(maxAge).toBeLessThanOrEqual(600);

    const pair = cookie.split(';')[0]!;
    const board = await request(api.app).get('/admin/queues/').set('Accept', HTML).set('Cookie', pair);
    expect(board.status).toBe(200);
    expect(board.text).toBe('<h1>queues</h1>');

    // The cookie is accepted under /admin only: the API wants a bearer token.
    const v1 = await request(api.app).get('/v1/actors/x/snapshot').set('Cookie', pair);
    expect(v1.status).toBe(401);

    const logout = await request(api.app).post('/admin/logout').set('Cookie', pair);
    expect(logout.status).toBe(303);
    expect(cookieOf(logout)).toMatch(/^ac_token=;/);
  });

  it('refuses a token without admin (403), an invalid one (401) and none (400), setting no cookie', async () => {
    const cases: [string | undefined, number, RegExp][] = [
      [await api.token(['snapshots:read']), 403, /lacks the admin scope/],
      ['not-a-token', 401, /Sign-in failed/],
      [await api.token(['admin'], { audience: 'elsewhere' }), 401, /aud/],
      [undefined, 400, /Enter a token/],
    ];
    for (const [token, status, message] of cases) {
      const res = await request(api.app)
        .post('/admin/login')
        .type('form')
        .send(token === undefined ? {} : { token });
      expect(res.status).toBe(status);
      expect(res.text).toMatch(message);
      expect(res.headers['set-cookie']).toBeUndefined();
      if (token !== undefined) expect(res.text).not.toContain(token);
    }
  });

  it('a cookie holding a token without admin shows the form again (403)', async () => {
    const reader = await api.token(['snapshots:read']);
    const res = await request(api.app)
      .get('/admin/queues/')
      .set('Accept', HTML)
      .set('Cookie', `ac_token=${reader}`);
    expect(res.status).toBe(403);
    expect(res.text).toContain('lacks the admin scope');
  });
});
