/** Graceful shutdown: on SIGTERM a worker takes no new job, finishes its active ones and exits 0. */
import {
  clusterTestFile,
  holdTableLock,
  sleep,
  TestCluster,
  type ExitStatus,
  waitFor,
} from '../support/cluster';

const file = clusterTestFile('worker_shutdown', 200, 31);

const TIMED_OUT_LINE = 'active jobs did not finish in time: leaving them to be retried as stalled';

describe('a worker stopped with SIGTERM', () => {
  it('finishes its active jobs, takes no new ones and exits 0 within the shutdown timeout', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-shutdown', { shutdownTimeoutMs: 10_000 });
    const worker = await cluster.startWorker();
    // Loads wait on this lock: the worker's two jobs stay active until the test lets them go.
    const release = await holdTableLock(file.db.pool, 'actors', 'ACCESS EXCLUSIVE');
    let jobIds: string[];
    let active: string[];
    let exiting: Promise<ExitStatus>;
    let signalled: number;
    try {
      ({ jobIds } = await cluster.producer.enqueueResolve(file.ids, { batchSize: 50, force: true }));
      expect(jobIds).toHaveLength(4);
      await waitFor('2 active jobs', async () => (await cluster.queue.getActiveCount()) === 2);
      active = (await cluster.queue.getActive()).map((job) => job.id!).sort();
      signalled = Date.now();
      exiting = worker.stop(20_000);
      await worker.waitForLog('"stopping"', (line) => line.msg === 'stopping: no new jobs', 5000);
      await sleep(500);
      expect(worker.exitStatus).toBeUndefined(); // still waiting for its jobs
    } finally {
      await release();
    }
    const status = await exiting;
    expect(status).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(worker.lines('stopped')).toHaveLength(1);
    expect(worker.lines(TIMED_OUT_LINE)).toEqual([]);

    // Its jobs completed (not stalled, not failed); the others were left for the next worker.
    expect(await cluster.queue.getActiveCount()).toBe(0);
    expect(
      worker
        .lines('job done')
        .map((line) => line.jobId)
        .sort(),
    ).toEqual(active);
    for (const id of jobIds) {
      const job = (await cluster.queue.getJob(id))!;
      if (active.includes(id)) {
        expect(await job.getState()).toBe('completed');
        expect(job.returnvalue.counts.written).toBe(50);
        expect(job.attemptsMade).toBe(1);
        expect(job.stalledCounter).toBe(0);
      } else {
        expect(['waiting', 'prioritized']).toContain(await job.getState());
        expect(job.attemptsStarted).toBe(0);
      }
    }
    expect(await cluster.queue.getJobCountByTypes('failed')).toBe(0);
  });

  it('exits 0 soon after the shutdown timeout when a job does not finish; the job is retried elsewhere', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-shutdown-timeout', {
      shutdownTimeoutMs: 1500,
      lockDurationMs: 3000,
      stalledIntervalMs: 1000,
    });
    const worker = await cluster.startWorker({ concurrency: 1 });
    const release = await holdTableLock(file.db.pool, 'actors', 'ACCESS EXCLUSIVE');
    let jobIds: string[];
    let exitedAfter: number;
    try {
      ({ jobIds } = await cluster.producer.enqueueResolve(file.ids.slice(0, 40), {
        batchSize: 40,
        force: true,
      }));
      await waitFor('the job to be active', async () => (await cluster.queue.getActiveCount()) === 1);
      const signalled = Date.now();
      // The job's load is stuck on the lock for longer than the shutdown timeout.
      // Documented: at most SHUTDOWN_TIMEOUT_MS for active jobs, then close and exit 0.
      const status = await worker.stop(8000);
      exitedAfter = Date.now() - signalled;
      expect(status).toEqual({ code: 0, signal: null });
    } finally {
      await release();
    }
    expect(worker.lines(TIMED_OUT_LINE)).toHaveLength(1);
    expect(exitedAfter).toBeLessThan(1500 + 3000);

    // Another worker takes the abandoned job over once its lock expires.
    const next = await cluster.startWorker();
    const [result] = await cluster.producer.waitForResults(jobIds, 20_000);
    expect(result!.counts.written).toBe(40);
    // Its log line may reach us after the completed event did (stdout is a pipe, the event is Redis).
    await next.waitForLog('"job done"', (line) => line.msg === 'job done', 5000);
    expect(next.lines('job done').map((line) => line.jobId)).toEqual(jobIds);
    expect(await cluster.snapshotProblems(file.ids.slice(0, 40))).toEqual([]);
  });
});
