/**
 * Following resolve jobs to their end from the producer's side: a `JobTracker` records when each job's
 * completed (or failed) event arrives on the queue's events stream, and per-actor enqueue-to-snapshot
 * latency is that arrival time minus the job's `enqueuedAt` (from its data), counted once per actor of
 * the job. An event that was missed (the listener starts reading a moment after it is ready, and the
 * stream is capped) is made up for by reading the job's state when nothing has arrived for a while.
 */
import { Job, type Queue, type QueueEvents } from 'bullmq';
import {
  emptyCounts,
  type ActorOutcome,
  type ResolveJobData,
  type ResolveJobResult,
} from '../queue/resolve-jobs';

export interface JobOutcome {
  jobId: string;
  /** When we learnt that it finished (ms since the epoch). */
  at: number;
  /** Set when it completed. */
  result?: ResolveJobResult;
  /** Set when it failed for good. */
  failedReason?: string;
  /** True when read from the job's state, not from an event (`at` is then the job's finishedOn). */
  fromState?: boolean;
}

export interface WaitOptions {
  /** Rejects the wait after this long. */
  timeoutMs: number;
  /** A promise that rejects to abandon the wait (Ctrl-C, a worker that died). */
  abort?: Promise<never>;
  /** Look at the jobs' state after this long without any news; default 2 s. */
  quietMs?: number;
}

export class JobTracker {
  private readonly outcomes = new Map<string, JobOutcome>();
  private wake: (() => void) | undefined;
  private readonly onCompleted = (args: { jobId: string; returnvalue: unknown }): void => {
    this.record({ jobId: args.jobId, at: Date.now(), result: parseResult(args.returnvalue) });
  };
  private readonly onFailed = (args: { jobId: string; failedReason: string }): void => {
    this.record({ jobId: args.jobId, at: Date.now(), failedReason: args.failedReason });
  };

  /**
   * `queueOf` gives the queue that holds a job (the producer's `queueOf`); `events` are the events of
   * every queue the jobs may be in (the producer's `allQueueEvents()`).
   */
  constructor(
    private readonly queueOf: (jobId: string) => Queue<ResolveJobData, ResolveJobResult>,
    private readonly events: readonly QueueEvents[],
    private readonly onOutcome?: (outcome: JobOutcome) => void,
  ) {
    for (const source of events) {
      source.on('completed', this.onCompleted);
      source.on('failed', this.onFailed);
    }
  }

  outcome(jobId: string): JobOutcome | undefined {
    return this.outcomes.get(jobId);
  }

  /** Resolves when every one of `jobIds` has finished (completed or failed for good). */
  async waitFor(jobIds: readonly string[], options: WaitOptions): Promise<JobOutcome[]> {
    const deadline = Date.now() + options.timeoutMs;
    const quietMs = options.quietMs ?? 2_000;
    let pending = jobIds.filter((id) => !this.outcomes.has(id));
    let lastNews = Date.now();
    let aborted: unknown;
    let abortedFlag = false;
    options.abort?.catch((err: unknown) => {
      aborted = err;
      abortedFlag = true;
      this.wake?.();
    });
    while (pending.length > 0) {
      if (abortedFlag) throw aborted;
      if (Date.now() > deadline) {
        throw new Error(
          `${pending.length} of ${jobIds.length} jobs not finished after ${options.timeoutMs} ms`,
        );
      }
      const before = pending.length;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 250);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      pending = pending.filter((id) => !this.outcomes.has(id));
      if (pending.length < before) lastNews = Date.now();
      else if (Date.now() - lastNews > quietMs) {
        await this.readStates(pending.slice(0, 1000));
        lastNews = Date.now();
        pending = pending.filter((id) => !this.outcomes.has(id));
      }
    }
    if (abortedFlag) throw aborted;
    return jobIds.map((id) => this.outcomes.get(id)!);
  }

  /** Stops listening (the events connection is the producer's to close). */
  dispose(): void {
    for (const source of this.events) {
      source.off('completed', this.onCompleted);
      source.off('failed', this.onFailed);
    }
  }

  private record(outcome: JobOutcome): void {
    if (this.outcomes.has(outcome.jobId)) return;
    this.outcomes.set(outcome.jobId, outcome);
    this.onOutcome?.(outcome);
    this.wake?.();
  }

  private async readStates(jobIds: readonly string[]): Promise<void> {
    await Promise.all(
      jobIds.map(async (jobId) => {
        const job = await Job.fromId<ResolveJobData, ResolveJobResult>(this.queueOf(jobId), jobId);
        if (job === undefined) {
          this.record({ jobId, at: Date.now(), failedReason: 'the job was removed', fromState: true });
          return;
        }
        if (job.finishedOn === undefined) return;
        const state = await job.getState();
        if (state === 'completed') {
          this.record({ jobId, at: job.finishedOn, result: parseResult(job.returnvalue), fromState: true });
        } else if (state === 'failed') {
          this.record({ jobId, at: job.finishedOn, failedReason: job.failedReason, fromState: true });
        }
      }),
    );
  }
}

/** Event payloads carry the return value as JSON text (or already parsed). */
function parseResult(value: unknown): ResolveJobResult {
  return (typeof value === 'string' ? JSON.parse(value) : value) as ResolveJobResult;
}

/** What latency needs of a job: when it was enqueued and how many actors it carries. */
export interface JobInfo {
  jobId: string;
  enqueuedAt: number;
  actors: number;
}

/** Reads `enqueuedAt` and the actor count from each job's data (jobs that are gone are left out). */
export async function readJobInfo(
  queueOf: (jobId: string) => Queue<ResolveJobData, ResolveJobResult>,
  jobIds: readonly string[],
): Promise<JobInfo[]> {
  const out: JobInfo[] = [];
  for (let i = 0; i < jobIds.length; i += 200) {
    const jobs = await Promise.all(
      jobIds.slice(i, i + 200).map((id) => Job.fromId<ResolveJobData, ResolveJobResult>(queueOf(id), id)),
    );
    for (const job of jobs) {
      if (job?.id === undefined) continue;
      out.push({ jobId: job.id, enqueuedAt: job.data.enqueuedAt, actors: job.data.actorIds.length });
    }
  }
  return out;
}

/** One latency per actor of each completed job: `end(…)` minus the job's enqueuedAt (never below 0). */
function latencies(
  jobs: readonly JobInfo[],
  tracker: Pick<JobTracker, 'outcome'>,
  end: (arrivedAt: number, result: ResolveJobResult) => number,
): number[] {
  const out: number[] = [];
  for (const job of jobs) {
    const outcome = tracker.outcome(job.jobId);
    if (outcome?.result === undefined) continue;
    const ms = Math.max(0, end(outcome.at, outcome.result) - job.enqueuedAt);
    for (let i = 0; i < job.actors; i++) out.push(ms);
  }
  return out;
}

/** One latency per actor: its job's completion arrival minus the job's enqueuedAt. */
export function actorLatencies(jobs: readonly JobInfo[], tracker: Pick<JobTracker, 'outcome'>): number[] {
  return latencies(jobs, tracker, (arrivedAt) => arrivedAt);
}

/**
 * One latency per actor: the moment its job's writes finished (the result's `finishedAt`, when the
 * snapshot is in Postgres and Redis) minus the job's enqueuedAt. `actorLatencies` adds the completed
 * event's way back to the producer; both clocks are the same machine's in the demo and the bench.
 */
export function storedLatencies(jobs: readonly JobInfo[], tracker: Pick<JobTracker, 'outcome'>): number[] {
  return latencies(jobs, tracker, (_arrivedAt, result) => result.finishedAt);
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of ascending `sorted` (NaN when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? NaN : sorted[sorted.length - 1]!,
  };
}

export interface OutcomeTotals {
  /** Actors per outcome, over the completed jobs. */
  counts: Record<ActorOutcome, number>;
  /** Jobs that failed for good (their actors are in no count). */
  failedJobs: number;
  /** The last arrival (ms since the epoch); NaN when there is none. */
  lastAt: number;
}

export function tallyOutcomes(outcomes: readonly JobOutcome[]): OutcomeTotals {
  const counts = emptyCounts();
  let failedJobs = 0;
  let lastAt = NaN;
  for (const outcome of outcomes) {
    lastAt = Number.isNaN(lastAt) ? outcome.at : Math.max(lastAt, outcome.at);
    if (outcome.result === undefined) {
      failedJobs++;
      continue;
    }
    for (const key of Object.keys(counts) as ActorOutcome[]) counts[key] += outcome.result.counts[key] ?? 0;
  }
  return { counts, failedJobs, lastAt };
}
