/**
 * The OpenAPI 3.1 document of the API, served at GET /v1/openapi.json. A test walks the Express
 * router and checks that every route is documented here and every path here is routed, so the two
 * cannot drift; request bodies come from the zod schemas the routes parse with.
 */
import type { z } from 'zod';
import { packageVersion } from '../cli/package-version';
import { components, fromZod, ref } from './openapi-components';
import { explainQuerySchema } from './schemas';

type Scope = 'actors:write' | 'jobs:write' | 'snapshots:read' | 'admin';

const r = (name: keyof typeof components.responses) => ({ $ref: `#/components/responses/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const secured = (scope: Scope) => ({
  security: [{ bearerAuth: [scope] }],
  description: `Needs scope \`${scope}\` (or \`admin\`).`,
});
const common = {
  401: r('Unauthorized'),
  403: r('Forbidden'),
  429: r('TooManyRequests'),
  503: r('Unavailable'),
};
const actorId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Actor id, 1 to 255 characters (URL-encoded).',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};
const systemId = {
  name: 'systemId',
  in: 'path',
  required: true,
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};
/** Query parameters generated from the zod schema the route parses its query with (cannot drift). */
function queryParameters(schema: z.ZodObject): Record<string, unknown>[] {
  const json = fromZod(schema) as { properties: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: property,
  }));
}
const jsonBody = (schema: unknown) => ({ required: true, content: json(schema) });
const bodyErrors = { 400: r('BadRequest'), 413: r('PayloadTooLarge'), 415: r('UnsupportedMediaType') };
const html = { 'text/html': { schema: { type: 'string' } } };

const paths = {
  '/v1/actors/{id}': {
    put: {
      summary: 'Create an actor or replace its metadata (the version is unchanged)',
      operationId: 'putActor',
      ...secured('actors:write'),
      parameters: [actorId],
      requestBody: jsonBody(ref('ActorMetadata')),
      responses: {
        200: { description: 'Metadata replaced.', content: json(ref('ActorUpserted')) },
        201: { description: 'Actor created at version 1.', content: json(ref('ActorUpserted')) },
        ...bodyErrors,
        ...common,
      },
    },
  },
  '/v1/actors/{id}/subsystems/{systemId}': {
    put: {
      summary: "Store a subsystem's output: bumps the actor's version and enqueues its resolution",
      operationId: 'putSubsystem',
      ...secured('actors:write'),
      parameters: [actorId, systemId],
      requestBody: jsonBody(ref('SubsystemOutput')),
      responses: {
        200: { description: 'Stored; the job resolves this version.', content: json(ref('WriteResult')) },
        ...bodyErrors,
        ...common,
      },
    },
    delete: {
      summary: "Remove a subsystem's output: bumps the actor's version and enqueues its resolution",
      operationId: 'deleteSubsystem',
      ...secured('actors:write'),
      parameters: [actorId, systemId],
      responses: {
        200: { description: 'Removed.', content: json(ref('WriteResult')) },
        400: r('BadRequest'),
        404: r('NotFound'),
        ...common,
      },
    },
  },
  '/v1/actors/{id}/snapshot': {
    get: {
      summary: "The actor's snapshot (Redis, then Postgres)",
      operationId: 'getSnapshot',
      ...secured('snapshots:read'),
      parameters: [
        actorId,
        { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } },
      ],
      responses: {
        200: {
          description: 'The snapshot.',
          headers: {
            ETag: { schema: { type: 'string' }, description: '"<version>-<registryVersion>"' },
            'X-Actor-Version': { schema: { type: 'integer' } },
          },
          content: json(ref('Snapshot')),
        },
        304: { description: 'If-None-Match matched: the client holds the current snapshot.' },
        400: r('BadRequest'),
        404: r('NotFound'),
        ...common,
      },
    },
  },
  '/v1/actors/{id}/explain': {
    get: {
      summary: 'How one dimension of the actor was computed from its stored outputs',
      operationId: 'explainDimension',
      ...secured('snapshots:read'),
      parameters: [actorId, ...queryParameters(explainQuerySchema)],
      responses: {
        200: { description: 'The explanation.', content: json(ref('Explanation')) },
        400: r('BadRequest'),
        404: r('NotFound'),
        422: { description: "The actor's stored outputs no longer validate.", content: json(ref('Error')) },
        ...common,
      },
    },
  },
  '/v1/resolve': {
    post: {
      summary: 'Enqueue resolutions: some actors, or all (optionally only the stale ones)',
      operationId: 'resolve',
      ...secured('jobs:write'),
      requestBody: jsonBody(ref('ResolveRequest')),
      responses: {
        202: { description: 'Enqueued.', content: json(ref('ResolveAccepted')) },
        ...bodyErrors,
        ...common,
      },
    },
  },
  '/v1/jobs/{id}': {
    get: {
      summary: "A job's state and, once done, its result",
      operationId: 'getJob',
      ...secured('snapshots:read'),
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        200: { description: 'The job.', content: json(ref('Job')) },
        404: r('NotFound'),
        ...common,
      },
    },
  },
  '/v1/openapi.json': {
    get: {
      summary: 'This document',
      operationId: 'openapi',
      security: [],
      responses: {
        200: { description: 'OpenAPI 3.1.', content: json({ type: 'object' }) },
        429: r('TooManyRequests'),
      },
    },
  },
  '/admin/login': {
    get: {
      summary: 'The admin sign-in form (for Bull Board at /admin/queues)',
      operationId: 'adminLoginForm',
      security: [],
      responses: { 200: { description: 'HTML form.', content: html }, 429: r('TooManyRequests') },
    },
    post: {
      summary: 'Sign in with a token that has scope `admin`: sets the ac_token cookie (Path=/admin)',
      operationId: 'adminLogin',
      security: [],
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } },
          },
        },
      },
      responses: {
        303: { description: 'Signed in: to /admin/queues/, with Set-Cookie.' },
        400: { description: 'No token.', content: html },
        401: { description: 'Invalid token.', content: html },
        403: { description: 'The token lacks scope admin.', content: html },
        429: r('TooManyRequests'),
        503: { description: 'The token cannot be verified now (JWKS unreachable).', content: html },
      },
    },
  },
  '/admin/logout': {
    post: {
      summary: 'Sign out: clears the ac_token cookie',
      operationId: 'adminLogout',
      security: [],
      responses: { 303: { description: 'To /admin/login.' }, 429: r('TooManyRequests') },
    },
  },
};

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Actor Core API',
      version: packageVersion(),
      description:
        'Write subsystem outputs, enqueue resolutions, read snapshots. Bearer JWTs (HS256 or RS256) with scopes; ' +
        'errors are {"error":{"code","message","field?"}}. /health, /ready and /metrics are served beside it.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    paths,
    components,
  };
}
