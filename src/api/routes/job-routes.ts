/**
 * Resolution requests and their jobs: POST /v1/resolve enqueues (202: the work happens on the
 * workers), GET /v1/jobs/:id says where a job is and, once done, what happened to each actor.
 */
import type { Router } from 'express';
import { Job } from 'bullmq';
import { storeError } from '../../adapters/redis/store-error';
import type { ResolveProducer } from '../../producer/resolve-producer';
import { isProducerJobId } from '../../queue/job-ids';
import type { ResolveJobData, ResolveJobResult } from '../../queue/resolve-jobs';
import { notFound } from '../api-error';
import { requireScope } from '../auth/authenticate';
import { resolveAllSchema, resolveIdsSchema } from '../schemas';
import { jsonBodyParser } from '../json-body-parser';
import { jsonBody, parseWith } from '../validate';

export interface JobRouteDeps {
  producer: ResolveProducer;
  bodyLimitBytes: number;
}

export interface JobView {
  id: string;
  queue: string;
  state: string;
  progress: unknown;
  actors: number;
  attemptsMade: number;
  createdAt: number;
  processedAt?: number;
  finishedAt?: number;
  result?: ResolveJobResult;
  failedReason?: string;
}

/**
 * A job's failure reason as a client sees it. A store failure says which store and what the worker was
 * doing, not the driver's text after it, which names internal addresses ("connect ECONNREFUSED
 * 10.0.3.7:5432"): the worker's log has that. Other reasons (an invalid actor's) pass unchanged.
 */
export function publicFailedReason(reason: string): string {
  const store = /^((?:Postgres unavailable|Redis failed) while [^:]*):/.exec(reason);
  return store === null ? reason : `${store[1]} (the worker's log has the details)`;
}

function view(job: Job<ResolveJobData, ResolveJobResult>, id: string, state: string): JobView {
  const out: JobView = {
    id,
    queue: job.queueName,
    state,
    progress: job.progress,
    actors: Array.isArray(job.data?.actorIds) ? job.data.actorIds.length : 0,
    attemptsMade: job.attemptsMade,
    createdAt: job.timestamp,
  };
  if (job.processedOn !== undefined) out.processedAt = job.processedOn;
  if (job.finishedOn !== undefined) out.finishedAt = job.finishedOn;
  if (state === 'completed' && job.returnvalue !== null && job.returnvalue !== undefined)
    out.result = job.returnvalue;
  if (job.failedReason !== undefined && job.failedReason !== '')
    out.failedReason = publicFailedReason(job.failedReason);
  return out;
}

export function addJobRoutes(router: Router, deps: JobRouteDeps): void {
  const json = jsonBodyParser(deps.bodyLimitBytes);

  router.post('/resolve', requireScope('jobs:write'), json, async (req, res) => {
    const body = jsonBody(req);
    const isAll = typeof body === 'object' && body !== null && 'all' in body;
    const options = isAll ? parseWith(resolveAllSchema, body, 'INVALID_BODY') : undefined;
    const ids = isAll ? undefined : parseWith(resolveIdsSchema, body, 'INVALID_BODY');
    const spec = (options ?? ids)!;
    const enqueue = {
      ...(spec.priority === undefined ? {} : { priority: spec.priority }),
      ...(spec.force === true ? { force: true } : {}),
    };
    const result =
      options !== undefined
        ? await deps.producer.enqueueAll(
            { stale: options.stale === true, skipFailed: options.skipFailed === true },
            enqueue,
          )
        : await deps.producer.enqueueResolve(ids!.actorIds, enqueue);
    res.status(202).json({ jobIds: result.jobIds, actors: result.actors });
  });

  router.get('/jobs/:id', requireScope('snapshots:read'), async (req, res) => {
    const id = req.params.id;
    if (typeof id !== 'string' || !isProducerJobId(id)) throw notFound('no such job');
    let found: { job: Job<ResolveJobData, ResolveJobResult>; state: string } | undefined;
    try {
      const job = await Job.fromId<ResolveJobData, ResolveJobResult>(deps.producer.queueOf(id), id);
      if (job !== undefined) found = { job, state: await job.getState() };
    } catch (err) {
      throw storeError(err, 'reading a job');
    }
    if (found === undefined) throw notFound('no such job');
    res.json(view(found.job, id, found.state));
  });
}
