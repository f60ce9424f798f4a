/**
 * The figures of one scenario, printed as one JSON line (`FAULT_SUMMARY {…}`, for scripts and CI logs)
 * and one readable line. Times are ms; "after fault" means after the fault was injected.
 */
import type { UpdaterStats } from './actor-updater';
import type { JobStats } from './bulk-run';
import type { Verification } from './verify-snapshots';

export interface ScenarioSummary {
  scenario: string;
  fault: string;
  actors: number;
  jobs: { bulk: number; change: number };
  /** Share of the bulk jobs done when the fault was injected. */
  progressAtFault: number;
  ms: {
    /** From the first enqueue to the last job finished. */
    total: number;
    /** From the first enqueue to the fault. */
    faultAt: number;
    /** The fault itself: kill, or stop + downtime + start until the server accepts clients again. */
    faultDuration: number;
    /** To the first job started after the fault and finished (the queue moves again). */
    firstCompletionAfterFault: number | null;
    /** To the last retried, parked or taken-over job finished: the work the fault hit is recovered. */
    recovered: number | null;
    /** To the last job finished: every actor done. */
    allDoneAfterFault: number;
  };
  retries: {
    /** Attempts that failed and were retried, as the workers logged them. */
    failedAttempts: number;
    /** Jobs that needed more than one attempt. */
    retriedJobs: number;
    /** The most attempts one job needed, and the limit (JOB_ATTEMPTS). */
    maxAttempts: string;
    /** Jobs taken over from a worker that lost them (stalled). */
    stalledRecovered: number;
    /** Jobs parked in `delayed` while their store was down, and how many times (no attempt spent). */
    parkedJobs: number;
    parkings: number;
    /** Jobs failed for good. */
    failedJobs: number;
    /** Acknowledged jobs that no longer exist (a Redis crash lost them). */
    lostJobs: number;
    errors: string[];
    /** BullMQ connection errors the workers logged (and rode through). */
    workerErrors: number;
  };
  updates: UpdaterStats;
  verified: Omit<Verification, 'problems'>;
  problems: string[];
}

export interface SummaryInput {
  scenario: string;
  fault: string;
  actors: number;
  enqueuedAt: number;
  faultAt: number;
  faultEnd: number;
  progressAtFault: number;
  stats: JobStats;
  updates: UpdaterStats;
  verification: Verification;
  /** JOB_ATTEMPTS of the run. */
  attemptLimit: number;
}

export function summarize(input: SummaryInput): ScenarioSummary {
  const { stats, verification, faultAt } = input;
  const first = stats.firstFinishedAfter(faultAt);
  const { problems, ...verified } = verification;
  return {
    scenario: input.scenario,
    fault: input.fault,
    actors: input.actors,
    jobs: { bulk: stats.bulkJobs, change: stats.changeJobs },
    progressAtFault: Math.round(input.progressAtFault * 1000) / 1000,
    ms: {
      total: stats.lastFinished - input.enqueuedAt,
      faultAt: faultAt - input.enqueuedAt,
      faultDuration: input.faultEnd - faultAt,
      firstCompletionAfterFault: first === undefined ? null : first - faultAt,
      recovered: stats.lastAffectedFinished === undefined ? null : stats.lastAffectedFinished - faultAt,
      allDoneAfterFault: stats.lastFinished - faultAt,
    },
    retries: {
      failedAttempts: stats.failedAttempts,
      retriedJobs: stats.retriedJobs,
      maxAttempts: `${stats.maxAttemptsMade}/${input.attemptLimit}`,
      stalledRecovered: stats.stalledJobs,
      parkedJobs: stats.parkedJobs,
      parkings: stats.parkings,
      failedJobs: stats.failedJobs,
      lostJobs: stats.lost.length,
      errors: stats.failedAttemptErrors,
      workerErrors: stats.workerErrors,
    },
    updates: input.updates,
    verified,
    problems,
  };
}

const seconds = (ms: number | null): string => (ms === null ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

export function printSummary(summary: ScenarioSummary): void {
  const { ms, retries, verified: v, updates: u } = summary;
  const readable =
    `[faults] ${summary.scenario} (${summary.fault}): ${summary.actors} actors, ` +
    `${summary.jobs.bulk} bulk + ${summary.jobs.change} change jobs; fault at ${seconds(ms.faultAt)} ` +
    `(${Math.round(summary.progressAtFault * 100)} % done), lasting ${seconds(ms.faultDuration)}; ` +
    `first job run after it done ${seconds(ms.firstCompletionAfterFault)} after it, hit work recovered ` +
    `${seconds(ms.recovered)} after, all done ${seconds(ms.allDoneAfterFault)} after; total ${seconds(ms.total)}. ` +
    `Retries: ${retries.failedAttempts} failed attempts, ${retries.retriedJobs} jobs retried ` +
    `(at most ${retries.maxAttempts} attempts), ` +
    `${retries.stalledRecovered} stalled jobs recovered, ${retries.parkedJobs} jobs parked ` +
    `(${retries.parkings} parkings, no attempt spent), ${retries.failedJobs} failed for good, ` +
    `${retries.lostJobs} lost. ` +
    `Writes during the run: ${u.writes} to ${u.actorsUpdated} actors (${u.writeRetries} write and ` +
    `${u.enqueueRetries} enqueue retries). Verified: ${v.pgAtVersion}/${v.actors} Postgres and ` +
    `${v.redisAtVersion}/${v.actors} Redis at the actor's version, content equal to a fresh resolve ` +
    `${v.pgContentEqual}/${v.actors} and ${v.redisContentEqual}/${v.actors}; ${v.problemCount} problems.`;
  process.stdout.write(`${readable}\nFAULT_SUMMARY ${JSON.stringify(summary)}\n`);
}
