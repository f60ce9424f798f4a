/**
 * Writes: an actor's metadata, and its subsystem outputs. A subsystem write or delete goes through
 * ActorWriter: it bumps the actor's version in Postgres and enqueues the resolution at that version,
 * so the response names the job that will produce the new snapshot. Every body is validated before
 * anything is stored; a SubsystemOutput by the core's own validation, whose field paths (relative to
 * a list, `subsystems[0].primary[0].bucket`) are given relative to the body (`primary[0].bucket`).
 */
import type { Router } from 'express';
import type { ActorRepository } from '../../adapters/pg/actor-repository';
import { isActorCoreError, type ActorCoreError } from '../../core/errors';
import type { SubsystemOutput } from '../../core/types';
import { validateOutputs } from '../../core/validate-output';
import type { ActorWriter } from '../../producer/actor-writer';
import type { LoadedRegistries } from '../../registry';
import { ApiError, notFound } from '../api-error';
import { requireScope } from '../auth/authenticate';
import { actorMetadataSchema, subsystemOutputBodySchema } from '../schemas';
import { jsonBodyParser } from '../json-body-parser';
import { actorIdParam, jsonBody, parseWith, systemIdParam } from '../validate';

export interface ActorRouteDeps {
  actors: ActorRepository;
  writer: ActorWriter;
  registries: LoadedRegistries;
  bodyLimitBytes: number;
}

const LIST_ITEM = 'subsystems[0]';

/** A validation error of the one-item list as a 400 about the body itself. */
function bodyError(err: ActorCoreError): ApiError {
  const field =
    err.field === undefined || err.field === LIST_ITEM
      ? undefined
      : err.field.startsWith(`${LIST_ITEM}.`)
        ? err.field.slice(LIST_ITEM.length + 1)
        : err.field;
  const message = err.message.split(`${LIST_ITEM}.`).join('').split(LIST_ITEM).join('the body');
  return new ApiError(400, err.code, message, field);
}

function validOutput(body: unknown, registries: LoadedRegistries): SubsystemOutput {
  try {
    return validateOutputs([body], registries.compiled)[0]!;
  } catch (err) {
    throw isActorCoreError(err) ? bodyError(err) : err;
  }
}

export function addActorRoutes(router: Router, deps: ActorRouteDeps): void {
  const write = requireScope('actors:write');
  // Parsed only on these routes, after the scope check: nobody unauthorised gets a body parsed.
  const json = jsonBodyParser(deps.bodyLimitBytes);

  router.put('/actors/:id', write, json, async (req, res) => {
    const actorId = actorIdParam(req);
    const data = parseWith(actorMetadataSchema, jsonBody(req), 'INVALID_BODY');
    const { version, created } = await deps.actors.upsertActor(actorId, data);
    res.status(created ? 201 : 200).json({ actorId, version, created });
  });

  router.put('/actors/:id/subsystems/:systemId', write, json, async (req, res) => {
    const actorId = actorIdParam(req);
    const systemId = systemIdParam(req);
    const output = validOutput(
      parseWith(subsystemOutputBodySchema, jsonBody(req), 'INVALID_BODY'),
      deps.registries,
    );
    if (output.meta.system !== systemId) {
      throw new ApiError(
        400,
        'SYSTEM_MISMATCH',
        'meta.system must equal the systemId of the path',
        'meta.system',
      );
    }
    const { version, jobId } = await deps.writer.putSubsystem(actorId, output);
    res.json({ actorId, version, jobId });
  });

  router.delete('/actors/:id/subsystems/:systemId', write, async (req, res) => {
    const actorId = actorIdParam(req);
    const systemId = systemIdParam(req);
    const result = await deps.writer.deleteSubsystem(actorId, systemId);
    if (result === undefined) throw notFound('the actor has no output of this subsystem');
    res.json({ actorId, version: result.version, jobId: result.jobId });
  });
}
