/** The write routes: actor metadata and subsystem outputs, validated before anything is stored. */
import request from 'supertest';
import { parseKeyRing } from '../../src/adapters/crypto';
import { actorDataCodec } from '../../src/adapters/pg';
import { bearer, closeApis, openTestApi, sendJsonText, type TestApi } from '../support/api';
import { clusterDatabase, closeClusters, TestCluster } from '../support/cluster';
import { outputOf, type TestDatabase } from '../support/pg';

jest.setTimeout(30_000);

let db: TestDatabase;
let cluster: TestCluster;
let api: TestApi;
let auth: { Authorization: string };

beforeAll(async () => {
  db = await clusterDatabase('api_actors');
});
beforeEach(async () => {
  cluster = await TestCluster.open(db, 'api-actors');
  api = await openTestApi(cluster, { bodyLimitBytes: 4096 });
  auth = bearer(await api.token(['actors:write']));
});
afterEach(async () => {
  await closeApis();
  await closeClusters();
});
afterAll(async () => {
  await db?.close();
});

async function rows(sql: string, values: unknown[]): Promise<Record<string, unknown>[]> {
  return (await db.pool.query(sql, values)).rows as Record<string, unknown>[];
}

describe('PUT /v1/actors/:id', () => {
  it('creates the actor (201), then replaces its metadata (200) without changing the version', async () => {
    const first = await request(api.app).put('/v1/actors/meta-1').set(auth).send({ name: 'Ayla', level: 3 });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ actorId: 'meta-1', version: 1, created: true });
    const second = await request(api.app).put('/v1/actors/meta-1').set(auth).send({ name: 'Ayla II' });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ actorId: 'meta-1', version: 1, created: false });
    expect(await rows('SELECT data FROM actors WHERE id = $1', ['meta-1'])).toEqual([
      { data: { name: 'Ayla II' } },
    ]);
  });

  it('stores the metadata encrypted when the repository has a key ring', async () => {
    const ring = parseKeyRing(Buffer.alloc(32, 7).toString('base64'));
    await api.close();
    api = await openTestApi(cluster, { codec: actorDataCodec(ring) });
    const res = await request(api.app).put('/v1/actors/secret-1').set(auth).send({ email: 'a@example.com' });
    expect(res.status).toBe(201);
    const [row] = await rows('SELECT data FROM actors WHERE id = $1', ['secret-1']);
    expect(JSON.stringify(row!.data)).not.toContain('example.com');
    expect(row!.data).toEqual(expect.objectContaining({ iv: expect.any(String), ct: expect.any(String) }));
  });

  it.each([
    ['an array', [1, 2], 'INVALID_BODY'],
    // express.json is strict: a body must be an object or an array.
    ['a string', 'text', 'INVALID_JSON'],
  ])('refuses %s with a 400 and stores nothing', async (_name, body, code) => {
    const res = await sendJsonText(api, 'put', '/v1/actors/meta-bad', auth, JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(await rows('SELECT id FROM actors WHERE id = $1', ['meta-bad'])).toEqual([]);
  });

  it('answers malformed JSON with 400 INVALID_JSON, a non-JSON body with 415, a too large one with 413', async () => {
    const malformed = await sendJsonText(api, 'put', '/v1/actors/m', auth, '{"a":');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({
      error: { code: 'INVALID_JSON', message: 'the body is not valid JSON' },
    });

    const text = await request(api.app)
      .put('/v1/actors/m')
      .set(auth)
      .set('Content-Type', 'text/plain')
      .send('hi');
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');

    const big = await request(api.app)
      .put('/v1/actors/m')
      .set(auth)
      .send({ blob: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    expect(big.body).toEqual({
      error: { code: 'PAYLOAD_TOO_LARGE', message: 'the body is larger than the limit of 4096 bytes' },
    });
    expect(await rows('SELECT id FROM actors WHERE id = $1', ['m'])).toEqual([]);
  });

  it('refuses an actor id longer than 255 characters', async () => {
    const res = await request(api.app)
      .put(`/v1/actors/${'a'.repeat(256)}`)
      .set(auth)
      .send({});
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_ACTOR_ID', field: 'id' });
  });
});

describe('PUT /v1/actors/:id/subsystems/:systemId', () => {
  it('stores the output, bumps the version and enqueues the resolution at that version', async () => {
    const first = await request(api.app)
      .put('/v1/actors/sub-1/subsystems/items')
      .set(auth)
      .send(outputOf('items', 5));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ actorId: 'sub-1', version: 1, jobId: 'actor.sub-1.v1' });
    const second = await request(api.app)
      .put('/v1/actors/sub-1/subsystems/race')
      .set(auth)
      .send(outputOf('race', 7));
    expect(second.body).toEqual({ actorId: 'sub-1', version: 2, jobId: 'actor.sub-1.v2' });

    expect(await rows('SELECT version FROM actors WHERE id = $1', ['sub-1'])).toEqual([{ version: '2' }]);
    const stored = await rows(
      'SELECT system_id, data FROM subsystems WHERE actor_id = $1 ORDER BY system_id',
      ['sub-1'],
    );
    expect(stored).toEqual([
      { system_id: 'items', data: outputOf('items', 5) },
      { system_id: 'race', data: outputOf('race', 7) },
    ]);
    const job = await cluster.queue.getJob('actor.sub-1.v2');
    expect(job?.data.actorIds).toEqual(['sub-1']);
  });

  it('names the invalid field relative to the body, and stores nothing', async () => {
    const output = outputOf('items');
    (output.primary as { bucket: string }[])[0]!.bucket = 'SIDEWAYS';
    const res = await request(api.app).put('/v1/actors/sub-bad/subsystems/items').set(auth).send(output);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'UNKNOWN_BUCKET', field: 'primary[0].bucket' });
    expect(res.body.error.message).toMatch(/^primary\[0\]\.bucket must be one of/);
    expect(await rows('SELECT id FROM actors WHERE id = $1', ['sub-bad'])).toEqual([]);
    expect(await rows('SELECT actor_id FROM subsystems WHERE actor_id = $1', ['sub-bad'])).toEqual([]);
    expect(await cluster.queue.getJobCounts()).toEqual(
      expect.objectContaining({ waiting: 0, prioritized: 0 }),
    );
  });

  it('refuses an output whose meta.system is not the systemId of the path', async () => {
    const res = await request(api.app)
      .put('/v1/actors/sub-2/subsystems/items')
      .set(auth)
      .send(outputOf('race'));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'SYSTEM_MISMATCH', field: 'meta.system' });
    expect(await rows('SELECT id FROM actors WHERE id = $1', ['sub-2'])).toEqual([]);
  });

  it('refuses an unknown field and a missing section, naming them', async () => {
    const extra = await request(api.app)
      .put('/v1/actors/sub-3/subsystems/items')
      .set(auth)
      .send({ ...outputOf('items'), extra: 1 });
    expect(extra.status).toBe(400);
    expect(extra.body.error.code).toBe('UNKNOWN_FIELD');
    const noCaps = outputOf('items');
    delete noCaps.caps;
    const missing = await request(api.app).put('/v1/actors/sub-3/subsystems/items').set(auth).send(noCaps);
    expect(missing.body.error).toMatchObject({ code: 'MISSING_FIELD', field: 'caps' });
  });
});

describe('repeated keys in a body', () => {
  it('refuses a key repeated in one object of an output, naming it and where, and stores nothing', async () => {
    // JSON.parse would keep the 99: the client's first value would be lost without a word.
    const body = JSON.stringify(outputOf('items', 5)).replace('"value":5', '"value":5,"value":99');
    const res = await sendJsonText(api, 'put', '/v1/actors/dup-1/subsystems/items', auth, body);
    const column = body.indexOf('"value":99') + 1;
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: {
        code: 'INVALID_BODY',
        message: `the body repeats a key: key "value" appears twice in one object (line 1, column ${column}); only its last value would count`,
      },
    });
    expect(await rows('SELECT id FROM actors WHERE id = $1', ['dup-1'])).toEqual([]);
  });

  it('refuses one in a resolve request too, and takes the same key in two objects', async () => {
    const jobs = bearer(await api.token(['jobs:write']));
    const repeated = await sendJsonText(
      api,
      'post',
      '/v1/resolve',
      jobs,
      '{"actorIds": ["a"], "actorIds": ["b"]}',
    );
    expect(repeated.status).toBe(400);
    expect(repeated.body.error.message).toMatch(/^the body repeats a key: key "actorIds" appears twice/);
    const output = outputOf('items', 5);
    const twoObjects = await request(api.app).put('/v1/actors/dup-2/subsystems/items').set(auth).send(output);
    expect(twoObjects.status).toBe(200);
  });

  it('does not take two keys of a UTF-16 body for one (its text is read in its own charset)', async () => {
    const res = await request(api.app)
      .put('/v1/actors/utf16-1')
      .set(auth)
      .set('Content-Type', 'application/json; charset=utf-16le')
      .serialize(((bytes: Buffer) => bytes) as unknown as (body: unknown) => string) // send the bytes as they are
      .send(Buffer.from('{"é": 1, "ê": 2}', 'utf16le'));
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 201 });
  });
});

describe('DELETE /v1/actors/:id/subsystems/:systemId', () => {
  it('removes the output, bumps the version and enqueues; 404 when there is no such output', async () => {
    await request(api.app)
      .put('/v1/actors/del-1/subsystems/items')
      .set(auth)
      .send(outputOf('items'))
      .expect(200);
    const res = await request(api.app).delete('/v1/actors/del-1/subsystems/items').set(auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ actorId: 'del-1', version: 2, jobId: 'actor.del-1.v2' });
    expect(await rows('SELECT actor_id FROM subsystems WHERE actor_id = $1', ['del-1'])).toEqual([]);

    const again = await request(api.app).delete('/v1/actors/del-1/subsystems/items').set(auth);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('NOT_FOUND');
    const unknown = await request(api.app).delete('/v1/actors/nobody/subsystems/items').set(auth);
    expect(unknown.status).toBe(404);
  });
});
