/**
 * Text Postgres cannot store (a NUL, a lone surrogate) anywhere in a request is a 400 naming where it
 * is, never a 500 from the database; and the odd requests around it (a `__proto__` key, an empty body,
 * a malformed percent-escape) are 400s that name what is wrong.
 */
import request from 'supertest';
import { bearer, closeApis, openTestApi, sendJsonText, type TestApi } from '../support/api';
import { clusterDatabase, closeClusters, TestCluster } from '../support/cluster';
import { outputOf, type TestDatabase } from '../support/pg';

jest.setTimeout(30_000);

let db: TestDatabase;
let cluster: TestCluster;
let api: TestApi;
let auth: { Authorization: string };

beforeAll(async () => {
  db = await clusterDatabase('api_request_text');
});
beforeEach(async () => {
  cluster = await TestCluster.open(db, 'api-request-text');
  api = await openTestApi(cluster);
  auth = bearer(await api.token(['actors:write', 'jobs:write']));
});
afterEach(async () => {
  await closeApis();
  await closeClusters();
});
afterAll(async () => {
  await db?.close();
});

async function actorRows(id: string): Promise<unknown[]> {
  return (await db.pool.query('SELECT id FROM actors WHERE id = $1', [id])).rows;
}

function putJson(path: string, json: string): request.Test {
  return sendJsonText(api, 'put', path, auth, json);
}

describe('unstorable text', () => {
  it.each([
    ['a NUL in a metadata value', '{"name":"a\\u0000b"}', 'name'],
    ['a lone surrogate in a metadata value', '{"name":"\\ud800"}', 'name'],
    ['a lone low surrogate deep in an array', '{"tags":[{"x":["ok","\\udc00"]}]}', 'tags[0].x[1]'],
    ['a NUL in a metadata key', '{"nested":{"a\\u0000":1}}', 'nested.a\\u0000'],
    ['a lone surrogate in a key', '{"\\ud800":1}', '\\ud800'],
  ])('refuses %s with a 400 naming the field, and stores nothing', async (_what, json, field) => {
    const res = await putJson('/v1/actors/text-1', json);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_BODY', field });
    expect(await actorRows('text-1')).toEqual([]);
  });

  it('accepts paired surrogates (an emoji) and other control characters in metadata', async () => {
    const res = await putJson('/v1/actors/text-2', '{"name":"\\ud83d\\ude00\\u0001"}');
    expect(res.status).toBe(201);
  });

  it('refuses a NUL in a SubsystemOutput (meta.stage) and in a resolve request', async () => {
    const output = outputOf('items');
    (output.meta as Record<string, unknown>).stage = 'a\u0000';
    const sub = await request(api.app).put('/v1/actors/text-3/subsystems/items').set(auth).send(output);
    expect(sub.status).toBe(400);
    expect(sub.body.error).toMatchObject({ code: 'INVALID_BODY', field: 'meta.stage' });
    expect(await actorRows('text-3')).toEqual([]);

    const resolve = await request(api.app)
      .post('/v1/resolve')
      .set(auth)
      .send({ actorIds: ['ok', 'b\u0000'] });
    expect(resolve.status).toBe(400);
    expect(resolve.body.error).toMatchObject({ code: 'INVALID_BODY', field: 'actorIds[1]' });
  });

  it.each(['a%00', 'a%0A', 'a%7F'])('refuses the systemId %s (control characters)', async (systemId) => {
    const del = await request(api.app).delete(`/v1/actors/text-4/subsystems/${systemId}`).set(auth);
    expect(del.status).toBe(400);
    expect(del.body.error).toMatchObject({ code: 'INVALID_SYSTEM_ID', field: 'systemId' });
    const put = await request(api.app)
      .put(`/v1/actors/text-4/subsystems/${systemId}`)
      .set(auth)
      .send(outputOf('items'));
    expect(put.status).toBe(400);
    expect(put.body.error).toMatchObject({ code: 'INVALID_SYSTEM_ID', field: 'systemId' });
  });
});

describe('odd requests', () => {
  it('refuses a "__proto__" key in metadata (JSON.parse keeps it, copying would drop it), naming it', async () => {
    const top = await putJson('/v1/actors/proto-1', '{"name":"a","__proto__":{"admin":true}}');
    expect(top.status).toBe(400);
    expect(top.body.error).toMatchObject({ code: 'INVALID_BODY', field: '__proto__' });
    const nested = await putJson('/v1/actors/proto-1', '{"profile":{"__proto__":1}}');
    expect(nested.body.error).toMatchObject({ code: 'INVALID_BODY', field: 'profile.__proto__' });
    expect(await actorRows('proto-1')).toEqual([]);
  });

  it('answers a JSON request without a body with 400 "a body is required", not 415', async () => {
    const none = await request(api.app)
      .put('/v1/actors/empty-1')
      .set(auth)
      .set('Content-Type', 'application/json');
    expect(none.status).toBe(400);
    expect(none.body.error).toEqual({ code: 'INVALID_BODY', message: 'a body is required (a JSON object)' });
    const zero = await request(api.app)
      .post('/v1/resolve')
      .set(auth)
      .set('Content-Type', 'application/json')
      .set('Content-Length', '0');
    expect(zero.status).toBe(400);
    expect(zero.body.error.message).toBe('a body is required (a JSON object)');
    expect(await actorRows('empty-1')).toEqual([]);
  });

  it.each([
    ['/v1/actors/%E0%A4%A/snapshot', 'get', 'id'],
    ['/v1/actors/%ZZ', 'put', 'id'],
    ['/v1/actors/ok/subsystems/%C3', 'delete', 'systemId'],
    ['/v1/jobs/%', 'get', 'id'],
  ] as const)('names the parameter of a malformed percent-escape: %s', async (path, method, field) => {
    const token = bearer(await api.token(['admin']));
    const res = await request(api.app)[method](path).set(token);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', field });
  });
});
