/** createExpressServer: requests and responses are born with the app's prototypes, and all else is as usual. */
import express from 'express';
import request from 'supertest';
import { createExpressServer } from '../../src/api/express-server';

it("serves the app with request and response objects whose prototypes already are the app's", async () => {
  const app = express();
  let seen: { req: boolean; res: boolean } | undefined;
  app.get('/x/:id', (req, res) => {
    seen = {
      req: Object.getPrototypeOf(req) === app.request,
      res: Object.getPrototypeOf(res) === app.response,
    };
    res.status(201).json({ id: req.params.id, ip: typeof req.ip, query: req.query });
  });
  app.post('/echo', express.json(), (req, res) => {
    res.json(req.body);
  });
  const server = createExpressServer(app);
  try {
    const got = await request(server).get('/x/42?a=1');
    expect(got.status).toBe(201);
    expect(got.body).toEqual({ id: '42', ip: 'string', query: { a: '1' } });
    expect(seen).toEqual({ req: true, res: true });
    const echoed = await request(server)
      .post('/echo')
      .send({ n: [1, 2] });
    expect(echoed.body).toEqual({ n: [1, 2] });
  } finally {
    server.close();
  }
});
