/** The job ids the producer gives, and nothing else: what may be looked up as a job. */
import { MAX_ACTOR_ID_LENGTH } from '../adapters/pg/actor-id';

/**
 * The longest actor job id: `actorx.` + the UTF-8 of the actor id in hex (at most 3 bytes per UTF-16
 * unit: 6 hex characters each) + `.v` + a write's version (at most 20 digits), or + `.n` / `.f` + 20
 * hex characters for a single-actor resolve (src/producer/actor-jobs.ts).
 */
const MAX_ACTOR_JOB_SUFFIX = 6 * MAX_ACTOR_ID_LENGTH + '.v'.length + 20;

function jobIdPattern(): RegExp {
  const actor = `actorx?\\.[A-Za-z0-9_.-]{1,${MAX_ACTOR_JOB_SUFFIX}}`;
  // Interactive: `i.` + an actor job id (a legacy `i.<uuid>` too).
  const interactive = `i\\.(?:[A-Za-z0-9_.-]{1,64}|${actor})`;
  return new RegExp(`^(?:\\d{1,20}|${interactive}|${actor})$`);
}

/**
 * The ids producers give jobs: BullMQ's numbers (bulk), `[i.]actor.<id>.n<hex>` / `.f<hex>` (single
 * actors, `i.` on the interactive lane) and `actor.<id>.v<n>` (writes), with `actorx.<hex>` for ids
 * that are not plain. Anything else is unknown without asking Redis, and cannot name one
 * of the queue's own keys (`meta`, `id`, `events`…), which Job.fromId would happily read as a job.
 */
const JOB_ID = jobIdPattern();

export function isProducerJobId(id: string): boolean {
  return JOB_ID.test(id);
}
