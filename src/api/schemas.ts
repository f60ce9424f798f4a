/**
 * The zod schemas of the API's bodies and queries. They are the single source of truth: routes parse
 * with them, and the OpenAPI document (openapi.ts) is generated from them, so the two cannot drift.
 * SubsystemOutput bodies are only required to be objects here: the core's validateOutputs checks them,
 * with the registries, and names the field.
 */
import { z } from 'zod';
import { MAX_ACTOR_ID_LENGTH } from '../adapters/pg/actor-id';

/** Actors per POST /v1/resolve request (bigger sets: `{all: true}` or several requests). */
export const MAX_RESOLVE_IDS = 10_000;

const actorId = z.string().min(1).max(MAX_ACTOR_ID_LENGTH);
const priority = z.enum(['interactive', 'change', 'bulk']);

/** PUT /v1/actors/:id — the actor's metadata (stored encrypted when ENCRYPTION_KEY is set). */
export const actorMetadataSchema = z
  .record(z.string(), z.unknown())
  .meta({ description: "The actor's metadata: any JSON object." });

/** PUT /v1/actors/:id/subsystems/:systemId — a SubsystemOutput, validated by the core. */
export const subsystemOutputBodySchema = z.record(z.string(), z.unknown()).meta({
  description:
    'A SubsystemOutput (primary, derived, caps, context?, meta{system, stage?, version?}); meta.system must equal the systemId in the path.',
});

/** POST /v1/resolve, some actors; the route picks this or `resolveAllSchema` by the presence of `all`. */
export const resolveIdsSchema = z.strictObject({
  actorIds: z.array(actorId).min(1).max(MAX_RESOLVE_IDS),
  priority: priority.optional(),
  force: z.boolean().optional().meta({ description: 'Resolve even actors whose snapshot is current.' }),
});

export const resolveAllSchema = z.strictObject({
  all: z.literal(true),
  stale: z
    .boolean()
    .optional()
    .meta({ description: 'Only actors whose snapshot is missing or older than the actor.' }),
  skipFailed: z.boolean().optional().meta({
    description:
      'Not the actors whose current version failed validation: they would fail again until written again.',
  }),
  priority: priority.optional(),
  force: z.boolean().optional(),
});

export const explainQuerySchema = z.object({
  dimension: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/)
    .max(128),
});
