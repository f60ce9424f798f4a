/** Snapshots (Redis, then Postgres), explanations, resolve requests and jobs, end to end with a worker. */
import request from 'supertest';
import { SnapshotRepository } from '../../src/adapters/pg';
import { explain } from '../../src/core';
import { bearer, closeApis, openTestApi, type TestApi } from '../support/api';
import { clusterDatabase, closeClusters, TestCluster } from '../support/cluster';
import { outputOf, type TestDatabase } from '../support/pg';

jest.setTimeout(60_000);

let db: TestDatabase;
let cluster: TestCluster;
let api: TestApi;
let reader: { Authorization: string };
let writer: { Authorization: string };

beforeAll(async () => {
  db = await clusterDatabase('api_reads');
});
beforeEach(async () => {
  cluster = await TestCluster.open(db, 'api-reads');
  api = await openTestApi(cluster);
  reader = bearer(await api.token(['snapshots:read']));
  writer = bearer(await api.token(['actors:write', 'jobs:write']));
});
afterEach(async () => {
  await closeApis();
  await closeClusters();
});
afterAll(async () => {
  await db?.close();
});

const SNAPSHOT =
  '{"Primary":{"strength":12},"Derived":{},"CapsUsed":{"strength":{"Min":0,"Max":100}},"Version":3}';

describe('GET /v1/actors/:id/snapshot', () => {
  it('serves the cached JSON text as is, with ETag and X-Actor-Version; If-None-Match gives 304', async () => {
    await api.deps.snapshots.setMany([
      { actorId: 'snap-1', version: 3, registryVersion: 'r1-test', snapshotJson: SNAPSHOT },
    ]);
    const res = await request(api.app).get('/v1/actors/snap-1/snapshot').set(reader);
    expect(res.status).toBe(200);
    expect(res.text).toBe(SNAPSHOT);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-length']).toBe(String(SNAPSHOT.length));
    expect(res.headers.etag).toBe('"3-r1-test"');
    expect(res.headers['x-actor-version']).toBe('3');

    const again = await request(api.app)
      .get('/v1/actors/snap-1/snapshot')
      .set(reader)
      .set('If-None-Match', '"3-r1-test"');
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    const weakList = await request(api.app)
      .get('/v1/actors/snap-1/snapshot')
      .set(reader)
      .set('If-None-Match', '"2-r1-test", W/"3-r1-test"');
    expect(weakList.status).toBe(304);
    const stale = await request(api.app)
      .get('/v1/actors/snap-1/snapshot')
      .set(reader)
      .set('If-None-Match', '"2-x"');
    expect(stale.status).toBe(200);
  });

  it('reads through to Postgres on a Redis miss (and refills Redis); 404 when neither has one', async () => {
    await db.pool.query("INSERT INTO actors (id, version, data) VALUES ('snap-pg', 3, '{}')");
    await new SnapshotRepository(db.pool).writeSnapshots([
      { actorId: 'snap-pg', version: 3, registryVersion: 'r1-test', snapshotJson: SNAPSHOT },
    ]);
    const res = await request(api.app).get('/v1/actors/snap-pg/snapshot').set(reader);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(SNAPSHOT));
    expect(res.headers.etag).toBe('"3-r1-test"');
    expect(await cluster.redis.exists(`${cluster.keyPrefix}:snapshot:snap-pg`)).toBe(1);

    const none = await request(api.app).get('/v1/actors/nobody/snapshot').set(reader);
    expect(none.status).toBe(404);
    expect(none.body).toEqual({ error: { code: 'NOT_FOUND', message: 'no snapshot for this actor' } });
  });
});

describe('GET /v1/actors/:id/explain', () => {
  it("explains a dimension of the actor's stored outputs as the core does; 400 without dimension; 404 unknown", async () => {
    await request(api.app)
      .put('/v1/actors/ex-1/subsystems/items')
      .set(writer)
      .send(outputOf('items', 12))
      .expect(200);
    const res = await request(api.app).get('/v1/actors/ex-1/explain?dimension=strength').set(reader);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      JSON.parse(JSON.stringify(explain([outputOf('items', 12)], 'strength', db.registries.compiled, 1))),
    );
    expect(res.body.primary.value).toBe(12);

    const missing = await request(api.app).get('/v1/actors/ex-1/explain').set(reader);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'INVALID_QUERY', field: 'dimension' });
    const bad = await request(api.app).get('/v1/actors/ex-1/explain?dimension=Bad-Name').set(reader);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_QUERY', field: 'dimension' });
    const unknown = await request(api.app).get('/v1/actors/nobody/explain?dimension=strength').set(reader);
    expect(unknown.status).toBe(404);
  });
});

describe('POST /v1/resolve and GET /v1/jobs/:id', () => {
  it('enqueues actors (202) and reports the jobs; validation names the field; unknown jobs are 404', async () => {
    const res = await request(api.app)
      .post('/v1/resolve')
      .set(writer)
      .send({ actorIds: ['a', 'b', 'c'], priority: 'bulk' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ jobIds: [expect.any(String)], actors: 3 });
    const job = await request(api.app).get(`/v1/jobs/${res.body.jobIds[0]}`).set(reader);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      id: res.body.jobIds[0],
      state: 'prioritized',
      actors: 3,
      attemptsMade: 0,
    });

    const bad = await request(api.app)
      .post('/v1/resolve')
      .set(writer)
      .send({ actorIds: ['a', ''] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_BODY', field: 'actorIds[1]' });
    const extra = await request(api.app)
      .post('/v1/resolve')
      .set(writer)
      .send({ actorIds: ['a'], colour: 'red' });
    expect(extra.body.error).toMatchObject({ code: 'INVALID_BODY', field: 'colour' });
    const priority = await request(api.app)
      .post('/v1/resolve')
      .set(writer)
      .send({ all: true, priority: 'urgent' });
    expect(priority.body.error).toMatchObject({ code: 'INVALID_BODY', field: 'priority' });
    const skipFailed = await request(api.app)
      .post('/v1/resolve')
      .set(writer)
      .send({ all: true, skipFailed: 'yes' });
    expect(skipFailed.body.error).toMatchObject({ code: 'INVALID_BODY', field: 'skipFailed' });

    for (const id of ['12345678', 'meta', 'i.nope', 'x:y']) {
      const unknown = await request(api.app)
        .get(`/v1/jobs/${encodeURIComponent(id)}`)
        .set(reader);
      expect(unknown.status).toBe(404);
    }
  });

  it('finds the job of a write to the longest actor id (its id in hex: 1,530 characters)', async () => {
    // 255 characters of 3 UTF-8 bytes each: `actorx.` + 1,530 hex characters + `.v1`.
    const actorId = '€'.repeat(255);
    const put = await request(api.app)
      .put(`/v1/actors/${encodeURIComponent(actorId)}/subsystems/items`)
      .set(writer)
      .send(outputOf('items'));
    expect(put.status).toBe(200);
    const jobId = (put.body as { jobId: string }).jobId;
    expect(jobId).toHaveLength('actorx.'.length + 1530 + '.v1'.length);
    const job = await request(api.app).get(`/v1/jobs/${jobId}`).set(reader);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ id: jobId, actors: 1 });
    const tooLong = await request(api.app)
      .get(`/v1/jobs/actorx.${'0'.repeat(1600)}.v1`)
      .set(reader);
    expect(tooLong.status).toBe(404);
  });

  it('enqueues every actor with {all: true}', async () => {
    for (const id of ['all-1', 'all-2']) {
      await request(api.app)
        .put(`/v1/actors/${id}`)
        .set(bearer(await api.token(['actors:write'])))
        .send({});
    }
    const res = await request(api.app).post('/v1/resolve').set(writer).send({ all: true });
    expect(res.status).toBe(202);
    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM actors');
    expect(res.body.actors).toBe(Number(rows[0]!.n));
    expect(res.body.jobIds.length).toBeGreaterThan(0);
    // The filters pass through: actors resolved at their version, or failed at it, are left out.
    const filtered = await request(api.app)
      .post('/v1/resolve')
      .set(writer)
      .send({ all: true, stale: true, skipFailed: true });
    expect(filtered.status).toBe(202);
    const pending = await db.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM actors a
       LEFT JOIN snapshots s ON s.actor_id = a.id LEFT JOIN resolution_errors e ON e.actor_id = a.id
       WHERE (s.version IS NULL OR s.version < a.version) AND (e.version IS NULL OR e.version < a.version)`,
    );
    expect(Number(pending.rows[0]!.n)).toBeLessThan(Number(rows[0]!.n));
    expect(filtered.body.actors).toBe(Number(pending.rows[0]!.n));
  });

  it('end to end: a write is resolved by a worker; the job reports it and the snapshot is served', async () => {
    await cluster.startWorker();
    const put = await request(api.app)
      .put('/v1/actors/e2e-1/subsystems/items')
      .set(writer)
      .send(outputOf('items', 21));
    const { jobId, version } = put.body as { jobId: string; version: number };
    await cluster.producer.waitForResults([jobId], 30_000);

    const job = await request(api.app).get(`/v1/jobs/${jobId}`).set(reader);
    expect(job.body).toMatchObject({
      id: jobId,
      state: 'completed',
      result: { outcomes: { 'e2e-1': 'written' }, counts: { written: 1, failed: 0 } },
    });
    const snapshot = await request(api.app).get('/v1/actors/e2e-1/snapshot').set(reader);
    expect(snapshot.status).toBe(200);
    expect(snapshot.headers['x-actor-version']).toBe(String(version));
    expect(snapshot.headers.etag).toBe(`"${version}-${db.registries.registryVersion}"`);
    expect(snapshot.body.Primary.strength).toBe(21);
  });
});
