/** The API's small pure pieces: ETags, field paths, error mapping, scopes, TTLs, the login page. */
import express from 'express';
import { DatabaseError } from 'pg';
import pino from 'pino';
import request from 'supertest';
import { z } from 'zod';
import { ApiError } from '../../src/api/api-error';
import { loginPage } from '../../src/api/auth/login-page';
import { hasScope, parseScopeClaim } from '../../src/api/auth/scopes';
import { parseTtl } from '../../src/api/auth/sign-token';
import { errorHandler, fromActorCoreError } from '../../src/api/error-handler';
import { etagMatches, snapshotEtag } from '../../src/api/etag';
import { fieldPath, parseWith } from '../../src/api/validate';
import { ActorCoreError } from '../../src/core';
import { ProducerClosedError } from '../../src/producer';

describe('snapshot ETags', () => {
  const etag = snapshotEtag(7, 'r1-abc');
  it.each([
    ['"7-r1-abc"', true],
    ['W/"7-r1-abc"', true],
    ['"6-r1-abc", "7-r1-abc"', true],
    ['*', true],
    ['"7-r1-abd"', false],
    ['"6-r1-abc", W/"8-r1-abc"', false],
  ])('If-None-Match %s matches: %s', (header, expected) => {
    expect(etag).toBe('"7-r1-abc"');
    expect(etagMatches(header, etag)).toBe(expected);
  });
});

describe('validation errors', () => {
  it('writes field paths the way clients do', () => {
    expect(fieldPath(['primary', 0, 'bucket'])).toBe('primary[0].bucket');
    expect(fieldPath([0, 'a'])).toBe('[0].a');
    expect(fieldPath([])).toBe('');
  });

  it('names the first invalid field, and an unknown key by its own name', () => {
    const schema = z.strictObject({
      ids: z.array(z.string().min(1)),
      nested: z.strictObject({ a: z.number() }),
    });
    const at = (value: unknown): ApiError => {
      try {
        parseWith(schema, value, 'INVALID_BODY');
      } catch (err) {
        return err as ApiError;
      }
      throw new Error('parsed');
    };
    expect(at({ ids: ['x', ''], nested: { a: 1 } })).toMatchObject({ status: 400, field: 'ids[1]' });
    expect(at({ ids: [], nested: { a: 1, b: 2 } })).toMatchObject({ field: 'nested.b' });
    expect(at({ ids: [], nested: { a: 1 }, c: 3 })).toMatchObject({ field: 'c' });
    const root = at('text');
    expect(root.field).toBeUndefined();
    expect(root.code).toBe('INVALID_BODY');
  });
});

describe('error mapping', () => {
  it('input errors are 400 with their field; store errors 503 with a generic message', () => {
    const input = fromActorCoreError(
      new ActorCoreError('UNKNOWN_BUCKET', 'bad bucket', { field: 'primary[0].bucket' }),
    );
    expect(input).toMatchObject({ status: 400, code: 'UNKNOWN_BUCKET', field: 'primary[0].bucket' });
    const down = fromActorCoreError(
      new ActorCoreError(
        'STORE_UNAVAILABLE',
        'Postgres unavailable: connect ECONNREFUSED 10.0.0.5:5432',
        {},
        false,
      ),
    );
    expect(down).toMatchObject({
      status: 503,
      code: 'UNAVAILABLE',
      message: 'a store is unavailable; retry later',
    });
    // A producer closed while the server shuts down: the client retries elsewhere.
    const closing = fromActorCoreError(new ProducerClosedError('enqueueResolve'));
    expect(closing).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    expect(fromActorCoreError(new ActorCoreError('DECRYPTION_FAILED', 'wrong key k2'))).toMatchObject({
      status: 500,
      message: 'internal error',
    });
  });

  it('never sends a stack or an internal message; always the JSON shape', async () => {
    const app = express();
    app.get('/boom', () => {
      throw new Error('password=hunter2 at /srv/app.js:12');
    });
    app.get('/down', () => {
      throw new ActorCoreError('STORE_UNAVAILABLE', 'redis://:secret@10.0.0.9 refused', {}, false);
    });
    app.use(errorHandler(pino({ level: 'silent' }), 1024));
    const boom = await request(app).get('/boom');
    expect(boom.status).toBe(500);
    expect(boom.body).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    const down = await request(app).get('/down');
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('1');
    expect(JSON.stringify(down.body)).not.toContain('secret');
  });
});

describe('the error hook', () => {
  it('is told of each 5xx answer by code (the ActorCoreError’s own when there is one), not of 4xx', async () => {
    const seen: Array<[string, number]> = [];
    const app = express();
    app.get('/boom', () => {
      throw new Error('boom');
    });
    app.get('/down', () => {
      throw new ActorCoreError('STORE_UNAVAILABLE', 'redis refused', {}, false);
    });
    app.get('/bad', () => {
      throw new ApiError(400, 'INVALID_BODY', 'bad');
    });
    app.use(
      errorHandler(pino({ level: 'silent' }), 1024, { onError: (code, status) => seen.push([code, status]) }),
    );
    await request(app).get('/boom').expect(500);
    await request(app).get('/down').expect(503);
    await request(app).get('/bad').expect(400);
    expect(seen).toEqual([
      ['INTERNAL', 500],
      ['STORE_UNAVAILABLE', 503],
    ]);
  });
});

describe('text Postgres cannot store', () => {
  it.each(['22P05', '22P02', '22021'])(
    'maps SQLSTATE %s to a 400 without logging the data (the backstop of validation)',
    async (sqlstate) => {
      const lines: string[] = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
      const app = express();
      app.get('/store', () => {
        const err = new DatabaseError('invalid input syntax for type json', 1, 'error');
        err.code = sqlstate;
        err.severity = 'ERROR';
        err.detail = 'Token "secret-data" is invalid.';
        throw err;
      });
      app.use(errorHandler(logger, 1024));
      const res = await request(app).get('/store');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_TEXT');
      expect(JSON.stringify(res.body)).not.toContain('secret-data');
      expect(lines.join('')).not.toContain('secret-data');
    },
  );

  it('leaves another invalid text representation (22P02 of a bad cast: our bug) a 500', async () => {
    const app = express();
    app.get('/store', () => {
      const err = new DatabaseError('invalid input syntax for type bigint: "x"', 1, 'error');
      err.code = '22P02';
      throw err;
    });
    app.use(errorHandler(pino({ level: 'silent' }), 1024));
    const res = await request(app).get('/store');
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('INTERNAL');
  });
});

describe('scopes', () => {
  it('come from a space-separated claim; admin implies every scope', () => {
    const scopes = parseScopeClaim('snapshots:read  jobs:write');
    expect([...scopes]).toEqual(['snapshots:read', 'jobs:write']);
    expect(hasScope(scopes, 'jobs:write')).toBe(true);
    expect(hasScope(scopes, 'actors:write')).toBe(false);
    expect(hasScope(parseScopeClaim('admin'), 'actors:write')).toBe(true);
    expect(parseScopeClaim(['admin']).size).toBe(0);
  });
});

describe('token lifetimes', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604_800],
  ])('%s is %d s', (text, seconds) => expect(parseTtl(text)).toBe(seconds));
  it.each(['0', '-1h', '1w', '1.5h', '366d', ''])('refuses %j', (text) =>
    expect(() => parseTtl(text)).toThrow(/--ttl/),
  );
});

describe('the login page', () => {
  it('escapes its message and has no script', () => {
    const page = loginPage('<script>alert(1)</script>');
    expect(page).not.toContain('<script>');
    expect(page).toContain('&#60;script&#62;');
  });
});
