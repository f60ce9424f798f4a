/** createExpressServer: requests and responses are born with the app's prototypes, and all else is as usual. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
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

describe('the server timeouts of the configuration', () => {
  const timeouts = { readTimeoutMs: 400, writeTimeoutMs: 400, idleTimeoutMs: 400 };

  /** A server with `timeouts` on a free local port; `hang` never answers. */
  async function serve(given = timeouts): Promise<{ server: http.Server; port: number }> {
    const app = express();
    app.get('/ok', (_req, res) => void res.send('ok'));
    app.get('/hang', () => undefined);
    const server = createExpressServer(app, app, given);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as AddressInfo).port };
  }

  /** Writes `text` on a new connection; resolves with what came back and when the server closed it. */
  function exchange(port: number, text: string): Promise<{ reply: string; closedAfterMs: number }> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      let reply = '';
      const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
      socket.setEncoding('utf8').on('data', (chunk: string) => (reply += chunk));
      socket.on('error', reject);
      socket.on('close', () => resolve({ reply, closedAfterMs: Date.now() - started }));
      setTimeout(() => socket.destroy(new Error('the server kept the connection 5 s')), 5000);
    });
  }

  it('sets them on the server', async () => {
    const { server } = await serve();
    try {
      expect(server).toMatchObject({
        requestTimeout: 400,
        headersTimeout: 400,
        timeout: 400,
        keepAliveTimeout: 400,
      });
    } finally {
      server.close();
    }
  });

  it('answers 408 to a request whose headers do not arrive within the read timeout', async () => {
    // A longer write timeout: the socket's inactivity would otherwise end it first, without a 408.
    const { server, port } = await serve({ ...timeouts, writeTimeoutMs: 3000 });
    try {
      const { reply, closedAfterMs } = await exchange(port, 'GET /ok HTTP/1.1\r\nHost: x\r\n');
      expect(reply).toMatch(/^HTTP\/1\.1 408 /);
      expect(closedAfterMs).toBeGreaterThanOrEqual(350);
    } finally {
      server.close();
    }
  });

  it('closes a kept-alive connection left idle past the idle timeout', async () => {
    const { server, port } = await serve();
    try {
      const { reply, closedAfterMs } = await exchange(port, 'GET /ok HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(reply).toMatch(/^HTTP\/1\.1 200 /);
      expect(closedAfterMs).toBeGreaterThanOrEqual(350);
    } finally {
      server.close();
    }
  });

  it('drops a connection whose answer stalls past the write timeout', async () => {
    const { server, port } = await serve();
    try {
      const { reply, closedAfterMs } = await exchange(port, 'GET /hang HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(reply).toBe('');
      expect(closedAfterMs).toBeGreaterThanOrEqual(350);
    } finally {
      server.close();
    }
  });
});
