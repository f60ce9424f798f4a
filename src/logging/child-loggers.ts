/**
 * The child logger convention: a unit of work gets a child logger that carries its ids, so that one
 * filter (`jobId = "…"`, `actorId = "…"`) finds every line about it across processes.
 *
 * - `jobLogger(logger, job.id)` adds `jobId` (the BullMQ job id): everything a worker logs while it runs
 *   that job goes through it.
 * - `actorLogger(logger, actorId)` adds `actorId`: lines about one actor (a rejected input, a write).
 * - Nest them for both: `actorLogger(jobLogger(logger, job.id), actorId)`.
 *
 * Field names are camelCase and the same everywhere (the demo and tests parse `jobId` back). Extra
 * fields go in `fields`; they are scrubbed here, because pino runs no formatter on child bindings.
 */
import type { Logger } from 'pino';
import { scrub } from './redact';

type Fields = Readonly<Record<string, unknown>>;

/** A child logger for one job; an undefined id (BullMQ's type allows it) adds no `jobId`. */
export function jobLogger(logger: Logger, jobId: string | undefined, fields: Fields = {}): Logger {
  return logger.child({ ...(scrub(fields) as Fields), jobId });
}

/** A child logger for one actor. */
export function actorLogger(logger: Logger, actorId: string, fields: Fields = {}): Logger {
  return logger.child({ ...(scrub(fields) as Fields), actorId });
}
