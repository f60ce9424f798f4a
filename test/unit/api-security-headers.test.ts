/** headersSetBy takes the headers a middleware sets on every response, exactly as Express would send them. */
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { headersSetBy } from '../../src/api/security-headers';

it("gives helmet's headers as an app served through it sends them", async () => {
  const middleware = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  const app = express();
  app.use((_req, res, next) => {
    res.setHeader('X-Powered-By', 'something'); // helmet removes it
    next();
  });
  app.use(middleware);
  app.get('/', (_req, res) => void res.end('ok'));
  const served = (await request(app).get('/')).headers;

  const taken = headersSetBy(middleware);
  expect(taken.length).toBeGreaterThanOrEqual(10);
  for (const [name, value] of taken) expect([name, served[name.toLowerCase()]]).toEqual([name, value]);
  expect(taken.map(([name]) => name.toLowerCase())).not.toContain('x-powered-by');
  expect(served['x-powered-by']).toBeUndefined();
  expect(taken.find(([name]) => name === 'Content-Security-Policy')?.[1]).not.toContain(
    'upgrade-insecure-requests',
  );
});

it('refuses a middleware whose headers depend on the request', () => {
  const perRequest: RequestHandler = (req, res, next) => {
    res.setHeader('X-Path', req.path);
    next();
  };
  expect(() => headersSetBy(perRequest)).toThrow(/reads the request \(path\)/);
});

it('refuses a middleware that does not call next() synchronously, or fails', () => {
  const later: RequestHandler = (_req, _res, next) => void setImmediate(next);
  expect(() => headersSetBy(later)).toThrow(/did not call next\(\) synchronously/);
  const failing: RequestHandler = (_req, _res, next) => next(new Error('bad directive'));
  expect(() => headersSetBy(failing)).toThrow('bad directive');
});
