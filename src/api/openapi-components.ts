/**
 * The OpenAPI components: data shapes (the spec's SubsystemOutput, Contribution, CapContribution and
 * Snapshot, as in ../shared/spec/schemas), request bodies (generated from the zod schemas the routes
 * parse with) and the shared error responses.
 */
import { z } from 'zod';
import { actorMetadataSchema, resolveAllSchema, resolveIdsSchema } from './schemas';

/** A zod schema as an OpenAPI 3.1 (JSON Schema 2020-12) schema object. */
export function fromZod(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema) as Record<string, unknown>;
  delete out.$schema; // the document's dialect (OpenAPI 3.1: JSON Schema 2020-12) applies
  return out;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const dimension = { type: 'string', pattern: '^[a-z][a-z0-9_]*$' };
const numberMap = { type: 'object', additionalProperties: { type: 'number' } };

const schemas = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', examples: ['INVALID_BODY', 'UNKNOWN_BUCKET', 'FORBIDDEN'] },
          message: { type: 'string' },
          field: { type: 'string', description: 'The offending field, e.g. primary[0].bucket.' },
        },
      },
    },
  },
  ActorMetadata: fromZod(actorMetadataSchema),
  Contribution: {
    type: 'object',
    additionalProperties: false,
    required: ['dimension', 'bucket', 'value', 'system'],
    properties: {
      dimension,
      bucket: { type: 'string', enum: ['FLAT', 'MULT', 'POST_ADD', 'OVERRIDE'] },
      value: { type: 'number' },
      system: { type: 'string' },
      priority: { type: 'integer' },
    },
  },
  CapContribution: {
    type: 'object',
    additionalProperties: false,
    required: ['system', 'dimension', 'mode', 'kind', 'value'],
    properties: {
      system: { type: 'string' },
      dimension,
      mode: { type: 'string', enum: ['BASELINE', 'ADDITIVE', 'OVERRIDE', 'HARD_MAX', 'HARD_MIN'] },
      kind: { type: 'string', enum: ['max', 'min'] },
      value: { type: 'number' },
      priority: { type: 'integer' },
      scope: { type: 'string' },
      realm: { type: 'string', description: 'Required when scope is REALM.' },
      tags: { type: 'array', items: { type: 'string' } },
    },
  },
  SubsystemOutput: {
    type: 'object',
    additionalProperties: false,
    required: ['primary', 'derived', 'caps', 'meta'],
    properties: {
      primary: { type: 'array', items: ref('Contribution') },
      derived: { type: 'array', items: ref('Contribution') },
      caps: { type: 'array', items: ref('CapContribution') },
      context: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          properties: {
            additive_percent: { type: 'number' },
            multipliers: { type: 'array', items: { type: 'number' } },
            post_add: { type: 'number' },
          },
        },
      },
      meta: {
        type: 'object',
        additionalProperties: false,
        required: ['system'],
        properties: { system: { type: 'string' }, stage: { type: 'string' }, version: { type: 'integer' } },
      },
    },
  },
  Snapshot: {
    type: 'object',
    required: ['Primary', 'Derived', 'CapsUsed', 'Version'],
    properties: {
      Primary: numberMap,
      Derived: numberMap,
      CapsUsed: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          required: ['Min', 'Max'],
          properties: { Min: { type: 'number' }, Max: { type: 'number' } },
        },
      },
      Version: { type: 'integer' },
      Context: { type: 'object' },
    },
  },
  Explanation: {
    type: 'object',
    description:
      'Each contribution in the order applied with the running value, each cap layer, the final clamp. ' +
      'capsUsed names the layer (or clamp_default) that set each side, the layer whose OVERRIDE fixed a ' +
      'side under PRIORITIZED_OVERRIDE (minFixedBy, maxFixedBy), a floor lowered to Max ' +
      '(floorAboveMax) and the other sources binding at the same value (minAlsoFrom, maxAlsoFrom). ' +
      'JSON has no infinities or NaN: they are written as the strings "Infinity", "-Infinity" and "NaN".',
    required: ['dimension', 'version', 'seen', 'rule', 'layers', 'capsUsed'],
    properties: {
      dimension,
      version: { type: 'integer' },
      seen: { type: 'boolean' },
      rule: { type: 'object' },
      across_policy: { type: 'string' },
      layers: { type: 'array', items: { type: 'object' } },
      capsUsed: { type: 'object' },
      primary: { type: 'object' },
      derived: { type: 'object' },
    },
  },
  ActorUpserted: {
    type: 'object',
    required: ['actorId', 'version', 'created'],
    properties: { actorId: { type: 'string' }, version: { type: 'integer' }, created: { type: 'boolean' } },
  },
  WriteResult: {
    type: 'object',
    required: ['actorId', 'version', 'jobId'],
    properties: {
      actorId: { type: 'string' },
      version: { type: 'integer', description: "The actor's version after the write." },
      jobId: { type: 'string', description: 'The job resolving this version (GET /v1/jobs/{id}).' },
    },
  },
  ResolveRequest: { oneOf: [fromZod(resolveIdsSchema), fromZod(resolveAllSchema)] },
  ResolveAccepted: {
    type: 'object',
    required: ['jobIds', 'actors'],
    properties: { jobIds: { type: 'array', items: { type: 'string' } }, actors: { type: 'integer' } },
  },
  Job: {
    type: 'object',
    required: ['id', 'queue', 'state', 'actors', 'attemptsMade', 'createdAt'],
    properties: {
      id: { type: 'string' },
      queue: { type: 'string' },
      state: {
        type: 'string',
        enum: [
          'waiting',
          'prioritized',
          'delayed',
          'active',
          'completed',
          'failed',
          'waiting-children',
          'unknown',
        ],
      },
      progress: {},
      actors: { type: 'integer' },
      attemptsMade: { type: 'integer' },
      createdAt: { type: 'integer', description: 'ms since the epoch' },
      processedAt: { type: 'integer' },
      finishedAt: { type: 'integer' },
      result: {
        type: 'object',
        description: 'Once completed: what happened to each actor, and the counts.',
        properties: {
          outcomes: {
            type: 'object',
            additionalProperties: {
              type: 'string',
              enum: ['written', 'current', 'stale', 'failed', 'missing'],
            },
          },
          counts: { type: 'object', additionalProperties: { type: 'integer' } },
          errors: { type: 'object', additionalProperties: { type: 'string' } },
          finishedAt: { type: 'integer' },
        },
      },
      failedReason: {
        type: 'string',
        description: 'why the job failed; a store failure names the store and the step, not its address',
      },
    },
  },
};

const errorResponse = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers === undefined ? {} : { headers }),
  content: { 'application/json': { schema: ref('Error') } },
});

const responses = {
  BadRequest: errorResponse('Invalid request: the error names the field.'),
  Unauthorized: errorResponse(
    'No token, or an invalid one (bad signature, expired, wrong issuer or audience).',
    {
      'WWW-Authenticate': { schema: { type: 'string' } },
    },
  ),
  Forbidden: errorResponse('The token lacks the scope.'),
  NotFound: errorResponse('Not found.'),
  PayloadTooLarge: errorResponse('The body is larger than BODY_LIMIT_BYTES.'),
  UnsupportedMediaType: errorResponse('The body is not application/json.'),
  TooManyRequests: errorResponse(
    'Rate limit exceeded (per token subject, else per IP, shared by all instances).',
    {
      'Retry-After': { schema: { type: 'integer' }, description: 'Seconds until the window ends.' },
    },
  ),
  Unavailable: errorResponse('Postgres or Redis is unavailable; retry later.', {
    'Retry-After': { schema: { type: 'integer' } },
  }),
};

export const components = {
  securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  schemas,
  responses,
};

export { ref };
