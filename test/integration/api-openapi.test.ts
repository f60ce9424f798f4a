/** GET /v1/openapi.json is the document, and it matches the routes of the app as really built. */
import request from 'supertest';
import { openApiDocument } from '../../src/api/openapi';
import { closeApis, openTestApi } from '../support/api';
import { clusterDatabase, closeClusters, TestCluster } from '../support/cluster';
import { expressRoutes } from '../support/express-routes';
import type { TestDatabase } from '../support/pg';

let db: TestDatabase;

beforeAll(async () => {
  db = await clusterDatabase('api_openapi');
});
afterEach(async () => {
  await closeApis();
  await closeClusters();
});
afterAll(async () => {
  await db?.close();
});

it('serves the OpenAPI 3.1 document of exactly the routes the app has', async () => {
  const api = await openTestApi(await TestCluster.open(db, 'api-openapi'));
  const res = await request(api.app).get('/v1/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));

  const paths = res.body.paths as Record<string, Record<string, unknown>>;
  const documented = Object.entries(paths).flatMap(([path, item]) =>
    Object.keys(item).map((m) => `${m} ${path}`),
  );
  const routed = expressRoutes(api.express).map((r) => `${r.method} ${r.path}`);
  expect([...routed].sort()).toEqual([...documented].sort());
});
