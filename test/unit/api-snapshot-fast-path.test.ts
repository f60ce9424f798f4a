/**
 * The snapshot fast path answers a plain GET with a known token itself, declines everything Express
 * would answer differently, and hands refusals, misses and store errors over with the read it made.
 * Stores and the verifier are stand-ins here; the integration suite runs it against real ones.
 */
import * as http from 'node:http';
import request from 'supertest';
import type { Principal, TokenVerifier } from '../../src/api/auth/token-verifier';
import type { RateLimiter } from '../../src/api/rate-limiter';
import { snapshotFastPath } from '../../src/api/snapshot-fast-path';
import { SnapshotHandover } from '../../src/api/snapshot-handover';
import type { CountedRead, SnapshotReader } from '../../src/api/snapshot-reader';

const RECORD = { actorId: 'a-1', version: 7, registryVersion: 'r1', snapshotJson: '{"Version":7}' };
const ALLOWED = { allowed: true, retryAfterSeconds: 0 };
const principal = (scopes: string[], subject?: string): Principal =>
  ({ subject, scopes: new Set(scopes) }) as unknown as Principal;
const TOKENS: Record<string, Principal> = {
  reader: principal(['snapshots:read'], 'svc'),
  admin: principal(['admin'], 'svc'),
  writer: principal(['actors:write'], 'svc'),
  anonymous: principal(['snapshots:read']),
};

interface Harness {
  server: http.Server;
  reads: Array<{ actorId: string; rateKey: string }>;
  handedOver: Array<{ url: string | undefined; read?: CountedRead; error?: unknown }>;
  observed: Array<{ method: string; route: string; status: number }>;
}

function harness(outcome: () => Promise<CountedRead>): Harness {
  const h: Omit<Harness, 'server'> = { reads: [], handedOver: [], observed: [] };
  const handover = new SnapshotHandover();
  const fastPath = snapshotFastPath({
    reader: {
      read: (actorId: string, rateKey: string) => {
        h.reads.push({ actorId, rateKey });
        return outcome();
      },
    } as unknown as SnapshotReader,
    limiter: { keyOf: (p: Principal) => `rate:${p.subject}` } as unknown as RateLimiter,
    verifier: { cached: (token: string) => TOKENS[token] } as unknown as TokenVerifier,
    handover,
    // The app's stand-in: says who served the request, and what was handed over with it.
    app: (req, res) => {
      let entry: Harness['handedOver'][number];
      try {
        const read = handover.take(req);
        entry = read === undefined ? { url: req.url } : { url: req.url, read };
      } catch (error) {
        entry = { url: req.url, error };
      }
      h.handedOver.push(entry);
      res.statusCode = 299;
      res.end('express');
    },
    securityHeaders: [
      ['X-Content-Type-Options', 'nosniff'],
      ['X-Frame-Options', 'SAMEORIGIN'],
    ],
    observe: (method, res, _start, route) =>
      res.once('finish', () => h.observed.push({ method, route: route(), status: res.statusCode })),
  });
  const server = http.createServer((req, res) => {
    if (!fastPath(req, res)) {
      h.handedOver.push({ url: req.url });
      res.statusCode = 298;
      res.end('declined');
    }
  });
  return { ...h, server };
}

const found = (): Promise<CountedRead> => Promise.resolve({ decision: ALLOWED, record: RECORD });

it('answers a plain GET with the snapshot, its validators and the security headers, and records it', async () => {
  const h = harness(found);
  const res = await request(h.server).get('/v1/actors/a-1/snapshot').set('Authorization', 'Bearer reader');
  expect(res.status).toBe(200);
  expect(res.text).toBe(RECORD.snapshotJson);
  expect(res.headers).toMatchObject({
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(RECORD.snapshotJson.length),
    etag: '"7-r1"',
    'x-actor-version': '7',
    'cache-control': 'private, no-cache',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
  });
  expect(h.reads).toEqual([{ actorId: 'a-1', rateKey: 'rate:svc' }]);
  expect(h.handedOver).toEqual([]);
  expect(h.observed).toEqual([{ method: 'GET', route: '/v1/actors/:id/snapshot', status: 200 }]);

  const cached = await request(h.server)
    .get('/v1/actors/a-1/snapshot')
    .set('Authorization', 'Bearer reader')
    .set('If-None-Match', 'W/"7-r1"');
  expect(cached.status).toBe(304);
  expect(cached.text).toBe('');
});

it('decodes a percent-encoded id as Express would, and admin tokens read too', async () => {
  const h = harness(found);
  const res = await request(h.server)
    .get('/v1/actors/b%20c%2Fd/snapshot')
    .set('Authorization', 'Bearer admin');
  expect(res.status).toBe(200);
  expect(h.reads).toEqual([{ actorId: 'b c/d', rateKey: 'rate:svc' }]);
});

it.each([
  ['another method', 'POST', '/v1/actors/a-1/snapshot', 'Bearer reader'],
  ['no token', 'GET', '/v1/actors/a-1/snapshot', undefined],
  ['another scheme', 'GET', '/v1/actors/a-1/snapshot', 'Basic cmVhZGVy'],
  ['a malformed bearer header', 'GET', '/v1/actors/a-1/snapshot', 'Bearer'],
  ['a token not verified yet', 'GET', '/v1/actors/a-1/snapshot', 'Bearer unknown'],
  ['a token without snapshots:read', 'GET', '/v1/actors/a-1/snapshot', 'Bearer writer'],
  ['a token without a subject (counted by IP)', 'GET', '/v1/actors/a-1/snapshot', 'Bearer anonymous'],
  ['a query string', 'GET', '/v1/actors/a-1/snapshot?fields=all', 'Bearer reader'],
  ['a query string ending in /snapshot', 'GET', '/v1/actors/a-1?x=/snapshot', 'Bearer reader'],
  ['a trailing slash', 'GET', '/v1/actors/a-1/snapshot/', 'Bearer reader'],
  ['another letter case', 'GET', '/V1/Actors/a-1/snapshot', 'Bearer reader'],
  ['a longer path', 'GET', '/v1/actors/a/b/snapshot', 'Bearer reader'],
  ['an empty id', 'GET', '/v1/actors//snapshot', 'Bearer reader'],
  ['a bad escape', 'GET', '/v1/actors/%E0%A4%A/snapshot', 'Bearer reader'],
  ['a control character in the id', 'GET', '/v1/actors/a%00b/snapshot', 'Bearer reader'],
  ['an id over 255 characters', 'GET', `/v1/actors/${'x'.repeat(256)}/snapshot`, 'Bearer reader'],
])('declines %s: Express serves it, and nothing was read', async (_what, method, url, authorization) => {
  const h = harness(found);
  let req = method === 'POST' ? request(h.server).post(url) : request(h.server).get(url);
  if (authorization !== undefined) req = req.set('Authorization', authorization);
  const res = await req;
  expect(res.status).toBe(298);
  expect(h.reads).toEqual([]);
  expect(h.handedOver).toEqual([{ url }]);
});

it('hands a refused request over to Express with the read it made (counted once, by Express not recorded here)', async () => {
  const refused = { decision: { allowed: false, retryAfterSeconds: 12 }, record: undefined };
  const h = harness(() => Promise.resolve(refused));
  const res = await request(h.server).get('/v1/actors/a-1/snapshot').set('Authorization', 'Bearer reader');
  expect(res.status).toBe(299);
  expect(h.reads).toHaveLength(1);
  expect(h.handedOver).toEqual([{ url: '/v1/actors/a-1/snapshot', read: refused }]);
  expect(h.observed).toEqual([]);
  expect(res.headers['x-content-type-options']).toBeUndefined();
});

it('hands a miss over to Express with the read it made', async () => {
  const miss = { decision: ALLOWED, record: undefined };
  const h = harness(() => Promise.resolve(miss));
  await request(h.server).get('/v1/actors/a-1/snapshot').set('Authorization', 'Bearer reader');
  expect(h.handedOver).toEqual([{ url: '/v1/actors/a-1/snapshot', read: miss }]);
});

it("hands a store's error over to Express, which gets it thrown when it takes the read", async () => {
  const down = new Error('connection lost');
  const h = harness(() => Promise.reject(down));
  const res = await request(h.server).get('/v1/actors/a-1/snapshot').set('Authorization', 'Bearer reader');
  expect(res.status).toBe(299);
  expect(h.handedOver).toEqual([{ url: '/v1/actors/a-1/snapshot', error: down }]);
});

it('a handed-over read is taken once', () => {
  const handover = new SnapshotHandover();
  const req = {};
  const read = { decision: ALLOWED, record: undefined };
  handover.put(req, { read });
  expect(handover.take(req)).toBe(read);
  expect(handover.take(req)).toBeUndefined();
  expect(handover.take({})).toBeUndefined();
});
