/**
 * GET /v1/actors/:id/explain?dimension=D: how one dimension of the actor comes out of its stored
 * outputs (the core's explain, at the actor's current version), loaded in one query as the workers do.
 */
import type { Router } from 'express';
import type pg from 'pg';
import { loadActorLines } from '../../adapters/pg/actor-loader';
import { isActorCoreError } from '../../core/errors';
import { explain, explanationJson, type Explanation } from '../../core/explain';
import type { LoadedRegistries } from '../../registry';
import { ApiError, notFound } from '../api-error';
import { requireScope } from '../auth/authenticate';
import { explainQuerySchema } from '../schemas';
import { actorIdParam, parseWith } from '../validate';

export interface ExplainRouteDeps {
  pool: pg.Pool;
  registries: LoadedRegistries;
}

export function addExplainRoute(router: Router, deps: ExplainRouteDeps): void {
  router.get('/actors/:id/explain', requireScope('snapshots:read'), async (req, res) => {
    const actorId = actorIdParam(req);
    const { dimension } = parseWith(explainQuerySchema, req.query, 'INVALID_QUERY');
    const loaded = await loadActorLines(deps.pool, [actorId], { text: true });
    const actor = loaded.actors[0];
    if (actor === undefined) throw notFound('no such actor');
    let explanation: Explanation;
    try {
      explanation = explain(
        JSON.parse(actor.outputs as string),
        dimension,
        deps.registries.compiled,
        actor.version,
      );
    } catch (err) {
      // Stored outputs are validated on write; failing now means the registries changed under them.
      if (isActorCoreError(err)) {
        throw new ApiError(
          422,
          err.code,
          `the actor's stored outputs do not resolve: ${err.message}`,
          err.field,
        );
      }
      throw err;
    }
    res.type('application/json').send(explanationJson(explanation));
  });
}
