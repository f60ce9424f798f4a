/** The e2e bench's breakdown of interactive jobs into stages, from log records and events. */
import { INTERACTIVE_STAGES, summarizeStages, type StagedJob } from '../../bench/e2e-stages';

const job = (n: number, overrides: Partial<StagedJob> = {}): StagedJob => ({
  info: { jobId: `i.${n}`, enqueuedAt: 1_000 * n, actors: 1 },
  // Taken 4 + n ms after enqueue, runs 10 ms (load 2, resolve 1, write 7 of which Postgres 5), event 3 ms later.
  timings: { loadMs: 2, resolveMs: 1, writeMs: 7, writePgMs: 5 },
  jobMs: 10,
  completed: { at: 1_000 * n + 4 + n + 10 + 3, finishedAt: 1_000 * n + 4 + n + 10 },
  ...overrides,
});

describe('summarizeStages', () => {
  it('splits each job into wait, load, resolve, Postgres write, the rest of the write and the event', () => {
    const stages = summarizeStages([job(1), job(2), job(3)]);
    expect(stages.wait).toEqual({ count: 3, p50: 6, p99: 7, max: 7 });
    expect(stages.load).toMatchObject({ count: 3, p50: 2 });
    expect(stages.resolve).toMatchObject({ p50: 1 });
    expect(stages.write_pg).toMatchObject({ p50: 5 });
    expect(stages.write_rest).toMatchObject({ p50: 2 });
    expect(stages.event).toMatchObject({ count: 3, p50: 3, max: 3 });
  });

  it('counts a stage only over the jobs for which it is known', () => {
    const untimed = job(4);
    delete untimed.timings;
    const stages = summarizeStages([
      job(1),
      untimed,
      job(2, { completed: undefined }),
      job(3, { timings: { loadMs: 9, resolveMs: 1, writeMs: 7, writePgMs: Number.NaN } }),
    ]);
    expect(stages.load.count).toBe(3);
    expect(stages.load.max).toBe(9);
    expect(stages.write_pg.count).toBe(2); // NaN: a worker that does not log the Postgres part
    expect(stages.wait.count).toBe(3);
    expect(stages.event.count).toBe(3);
  });

  it('gives every stage an empty summary when there are no jobs', () => {
    const stages = summarizeStages([]);
    for (const stage of INTERACTIVE_STAGES) expect(stages[stage].count).toBe(0);
  });
});
