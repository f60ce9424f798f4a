/**
 * Per-actor latencies of the demo and the e2e bench, from jobs' enqueue times and their outcomes.
 */
import {
  actorLatencies,
  storedLatencies,
  summarizeLatencies,
  type JobInfo,
  type JobOutcome,
} from '../../src/demo/latency';
import { emptyCounts } from '../../src/queue/resolve-jobs';

function tracker(outcomes: JobOutcome[]): { outcome: (jobId: string) => JobOutcome | undefined } {
  const byId = new Map(outcomes.map((o) => [o.jobId, o]));
  return { outcome: (jobId) => byId.get(jobId) };
}

function completed(jobId: string, finishedAt: number, at: number): JobOutcome {
  return { jobId, at, result: { outcomes: {}, counts: emptyCounts(), errors: {}, finishedAt } };
}

const jobs: JobInfo[] = [
  { jobId: 'a', enqueuedAt: 1_000, actors: 2 },
  { jobId: 'b', enqueuedAt: 1_010, actors: 1 },
  { jobId: 'c', enqueuedAt: 1_020, actors: 1 }, // failed: no result
  { jobId: 'd', enqueuedAt: 1_030, actors: 1 }, // no outcome yet
];
const outcomes = tracker([
  completed('a', 1_030, 1_045),
  completed('b', 1_050, 1_120),
  { jobId: 'c', at: 1_040, failedReason: 'boom' },
]);

describe('latencies', () => {
  it('counts each actor of a completed job once, to the completed event at the producer', () => {
    expect(actorLatencies(jobs, outcomes)).toEqual([45, 45, 110]);
  });

  it('counts each actor of a completed job once, to the moment its writes finished', () => {
    expect(storedLatencies(jobs, outcomes)).toEqual([30, 30, 40]);
  });

  it('never reports a negative latency when clocks disagree', () => {
    const early = tracker([completed('a', 990, 995)]);
    expect(storedLatencies([jobs[0]!], early)).toEqual([0, 0]);
    expect(actorLatencies([jobs[0]!], early)).toEqual([0, 0]);
  });

  it('summarizes by nearest rank', () => {
    const summary = summarizeLatencies([40, 10, 30, 20]);
    expect(summary).toMatchObject({ count: 4, p50: 20, p99: 40, max: 40 });
  });
});
