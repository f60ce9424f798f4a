/** The OpenAPI document against the app's router: every route documented, every documented path routed. */
import express from 'express';
import pino from 'pino';
import { loadSettings } from '../../config/settings';
import { createApiApp, type ApiDeps } from '../../src/api/create-app';
import { z } from 'zod';
import { openApiDocument } from '../../src/api/openapi';
import { explainQuerySchema } from '../../src/api/schemas';
import { expressRoutes } from '../support/express-routes';

type Parameter = { name: string; in: string; required?: boolean; schema: Record<string, unknown> };
type Operation = {
  operationId: string;
  responses: Record<string, unknown>;
  security?: unknown;
  parameters?: Parameter[];
};
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
};

/** The app's shape needs no store: the routes only use their dependencies when called. */
function appWithoutStores(withOps: boolean): express.Express {
  const settings = loadSettings({ JWT_SECRET: 'unit-test-secret-0123456789abcdef-0123' });
  const deps = {
    settings,
    logger: pino({ level: 'silent' }),
    redis: { defineCommand: () => undefined },
    registries: {},
    ...(withOps ? { ops: { routes: express.Router().get('/health', (_q, s) => s.end()) } } : {}),
  } as unknown as ApiDeps;
  return createApiApp(deps);
}

const doc = openApiDocument() as unknown as Doc;
const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
);
const routed = expressRoutes(appWithoutStores(false)).map((r) => `${r.method.toUpperCase()} ${r.path}`);

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1', () => {
    expect(doc.openapi).toBe('3.1.0');
  });

  it('documents every route the app serves', () => {
    expect(routed.length).toBeGreaterThanOrEqual(10);
    expect(routed.filter((r) => !documented.includes(r))).toEqual([]);
  });

  it('documents no route the app does not serve', () => {
    expect(documented.filter((d) => !routed.includes(d))).toEqual([]);
  });

  it('does not document the ops routes mounted beside it (src/sidecar documents those)', () => {
    const withOps = expressRoutes(appWithoutStores(true)).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(withOps.filter((r) => !documented.includes(r))).toEqual(['GET /health']);
  });

  it('resolves every $ref, and every operation has an id, responses and a security statement', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) {
      const [, section, name] = /"#\/components\/(\w+)\/(\w+)"/.exec(ref.slice(7)) ?? [];
      expect(doc.components[section ?? '']?.[name ?? '']).toBeDefined();
    }
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item)) {
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        expect(op.security).toBeDefined();
      }
    }
  });

  it('generates the request bodies from the zod schemas the routes parse with', () => {
    const request = doc.components.schemas!.ResolveRequest as { oneOf: { properties: object }[] };
    expect(Object.keys(request.oneOf[0]!.properties)).toEqual(['actorIds', 'priority', 'force']);
    expect(Object.keys(request.oneOf[1]!.properties)).toEqual([
      'all',
      'stale',
      'skipFailed',
      'priority',
      'force',
    ]);
  });

  const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
  );

  it('lists 429 for every operation: /v1 and /admin are rate limited throughout', () => {
    expect(operations.filter(({ op }) => op.responses['429'] === undefined).map((o) => o.name)).toEqual([]);
  });

  it('lists 400 for every operation whose path parameters are validated (actor id, systemId)', () => {
    const validated = operations.filter(({ op }) =>
      (op.parameters ?? []).some((p) => p.in === 'path' && p.schema.maxLength !== undefined),
    );
    expect(validated.map((o) => o.name)).toContain('DELETE /v1/actors/{id}/subsystems/{systemId}');
    expect(validated.filter(({ op }) => op.responses['400'] === undefined).map((o) => o.name)).toEqual([]);
  });

  it('lists 503 wherever a store or the token keys can be unavailable', () => {
    const secured = operations.filter(({ op }) => Array.isArray(op.security) && op.security.length > 0);
    expect(secured.length).toBeGreaterThan(5);
    expect(secured.filter(({ op }) => op.responses['503'] === undefined).map((o) => o.name)).toEqual([]);
    expect(doc.paths['/admin/login']!.post!.responses['503']).toBeDefined();
  });

  it('generates query parameters from the zod schemas the routes parse with', () => {
    const explain = doc.paths['/v1/actors/{id}/explain']!.get!;
    const query = (explain.parameters ?? []).filter((p) => p.in === 'query');
    const expected = z.toJSONSchema(explainQuerySchema) as {
      properties: Record<string, Record<string, unknown>>;
    };
    expect(query.map((p) => p.name)).toEqual(Object.keys(expected.properties));
    for (const p of query) expect(p.schema).toEqual(expected.properties[p.name]);
    expect(query[0]).toMatchObject({ name: 'dimension', required: true, schema: { maxLength: 128 } });
  });
});
