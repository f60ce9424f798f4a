/** requestMetrics labels requests with the matched route pattern, never the raw URL. */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { createMetrics, requestMetrics, UNMATCHED_ROUTE } from '../../src/metrics';

function app(metrics: ReturnType<typeof createMetrics>): express.Express {
  const actors = Router();
  actors.get('/actors/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  actors.get('/actors/:id/fail', () => {
    throw new Error('boom');
  });
  const server = express();
  server.use(requestMetrics(metrics));
  server.get('/health', (_req, res) => {
    res.send('ok');
  });
  server.use('/v1', actors);
  // An app-level error handler: the sub-router has been left (and its baseUrl restored) by then.
  server.use((_err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: 'internal' });
  });
  return server;
}

async function values(metrics: ReturnType<typeof createMetrics>, name: string) {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values ?? [];
}

describe('requestMetrics', () => {
  it('counts requests by method, route pattern and status, and times them', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const server = app(metrics);
    await request(server).get('/v1/actors/alice').expect(200);
    await request(server).get('/v1/actors/bob').expect(200);
    await request(server).get('/health').expect(200);
    await request(server).get('/v1/actors/carol/fail').expect(500);
    await request(server).get('/no/such/page/12345').expect(404);

    const counts = (await values(metrics, 'actor_core_requests_total')).map((v) => [v.labels, v.value]);
    expect(counts).toEqual(
      expect.arrayContaining([
        [{ method: 'GET', route: '/v1/actors/:id', status: '200' }, 2],
        [{ method: 'GET', route: '/health', status: '200' }, 1],
        [{ method: 'GET', route: '/v1/actors/:id/fail', status: '500' }, 1],
        [{ method: 'GET', route: UNMATCHED_ROUTE, status: '404' }, 1],
      ]),
    );
    expect(counts).toHaveLength(4);
    const text = await metrics.text();
    expect(text).not.toMatch(/alice|bob|carol|12345/);
    const durations = await values(metrics, 'actor_core_request_duration_seconds');
    const count = durations.find(
      (v) =>
        (v as { metricName?: string }).metricName === 'actor_core_request_duration_seconds_count' &&
        v.labels.route === '/v1/actors/:id' &&
        v.labels.method === 'GET',
    );
    expect(count?.value).toBe(2);
  });

  it('leaves req.route readable for the handlers', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const server = express();
    server.use(requestMetrics(metrics));
    server.get('/items/:n', (req, res) => {
      res.json({ path: (req.route as { path: string }).path });
    });
    const res = await request(server).get('/items/7').expect(200);
    expect(res.body).toEqual({ path: '/items/:n' });
  });
});
