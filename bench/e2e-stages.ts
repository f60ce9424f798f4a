/**
 * Where single-actor interactive jobs spend their time, stage by stage, from what the bench already
 * has: each job's enqueue time (job data), the worker's debug records ("batch timings", "job done")
 * and the completed event's arrival. Clocks: the producer's and the workers', one machine.
 *
 *   wait      enqueue → taken by a worker (finishedAt − job ms − enqueuedAt)
 *   load      the Postgres load
 *   resolve   the aggregation (on the interactive lane's main thread)
 *   write_pg  the snapshot statement
 *   write_rest Redis (and any resolution_errors rows), after Postgres
 *   event     the worker's finish → the completed event at the producer
 */
import { summarizeLatencies, type JobInfo, type LatencySummary } from '../src/demo/latency';

export const INTERACTIVE_STAGES = ['wait', 'load', 'resolve', 'write_pg', 'write_rest', 'event'] as const;
export type InteractiveStage = (typeof INTERACTIVE_STAGES)[number];

/** What is known of one job; any part may be missing (a log line lost, an event not seen). */
export interface StagedJob {
  info: JobInfo;
  /** From its "batch timings" record. */
  timings?: { loadMs: number; resolveMs: number; writeMs: number; writePgMs?: number };
  /** From its "job done" record: processedOn → finishedAt at the worker. */
  jobMs?: number;
  /** When its completed event reached the producer, and the worker's finishedAt in its result. */
  completed?: { at: number; finishedAt: number };
}

/** p50 / p99 / max per stage, over the jobs for which the stage is known. */
export function summarizeStages(jobs: readonly StagedJob[]): Record<InteractiveStage, LatencySummary> {
  const values: Record<InteractiveStage, number[]> = {
    wait: [],
    load: [],
    resolve: [],
    write_pg: [],
    write_rest: [],
    event: [],
  };
  for (const job of jobs) {
    const t = job.timings;
    if (t !== undefined) {
      values.load.push(t.loadMs);
      values.resolve.push(t.resolveMs);
      if (t.writePgMs !== undefined) {
        values.write_pg.push(t.writePgMs);
        values.write_rest.push(t.writeMs - t.writePgMs);
      }
    }
    const c = job.completed;
    if (c !== undefined) {
      values.event.push(Math.max(0, c.at - c.finishedAt));
      if (job.jobMs !== undefined)
        values.wait.push(Math.max(0, c.finishedAt - job.jobMs - job.info.enqueuedAt));
    }
  }
  const out = {} as Record<InteractiveStage, LatencySummary>;
  for (const stage of INTERACTIVE_STAGES)
    out[stage] = summarizeLatencies(values[stage].filter(Number.isFinite));
  return out;
}
