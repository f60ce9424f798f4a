/** Permanent vs transient job failures: a malformed job fails once for good; a lost store parks the job. */
import { clusterTestFile, holdTableLock, TestCluster, waitFor } from '../support/cluster';
import type { ResolveJobData } from '../../src/producer';

const file = clusterTestFile('worker_job_failures', 10, 29);

describe('job failures', () => {
  it('a job with malformed data fails at its first attempt, without retries, and the worker goes on', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-malformed');
    await cluster.startWorker();
    // Raw jobs, as a foreign or buggy producer would add them, each allowed 5 attempts.
    const malformed: unknown[] = [{}, { actorIds: 'actor-0000000' }, { actorIds: [1, 2] }, null];
    const jobs = await Promise.all(
      malformed.map((data) =>
        cluster.queue.add('resolve', data as ResolveJobData, { attempts: 5, backoff: 100 }),
      ),
    );
    for (const job of jobs) {
      await expect(cluster.producer.waitForResults([job.id!], 20_000)).rejects.toThrow(
        /failed: job data must be \{actorIds: string\[\]/,
      );
      const stored = (await cluster.queue.getJob(job.id!))!;
      expect(await stored.getState()).toBe('failed');
      expect(stored.attemptsMade).toBe(1);
      expect(stored.opts.attempts).toBe(5);
    }
    expect(await cluster.queue.getJobCounts('failed', 'delayed', 'wait', 'active')).toEqual({
      failed: 4,
      delayed: 0,
      wait: 0,
      active: 0,
    });

    // The worker is still serving good jobs.
    const [result] = await cluster.producer.waitForResults(
      (await cluster.producer.enqueueResolve(file.ids, { batchSize: 20 })).jobIds,
      20_000,
    );
    expect(result!.counts.written).toBe(file.ids.length);
    expect(await cluster.snapshotProblems(file.ids)).toEqual([]);
  });

  it('a job whose Postgres connection is lost is parked without spending an attempt, then succeeds', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-transient', { backoffMs: 100 });
    const worker = await cluster.startWorker();
    const release = await holdTableLock(file.db.pool, 'actors', 'ACCESS EXCLUSIVE');
    let jobId: string;
    try {
      [jobId] = (await cluster.producer.enqueueResolve(file.ids, { batchSize: 20, force: true })).jobIds as [
        string,
      ];
      // The job's load waits on the lock; its connection is then terminated under it.
      const blocked = `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'actor-core-worker'
          AND wait_event_type = 'Lock'`;
      await waitFor('the job’s load to wait on the lock', async () => {
        return ((await file.db.pool.query(blocked)).rowCount ?? 0) === 1;
      });
      const terminated = await file.db.pool.query(
        `SELECT pg_terminate_backend(pid) AS ok FROM (${blocked}) AS b`,
      );
      expect(terminated.rows).toEqual([{ ok: true }]);
    } finally {
      await release();
    }
    const [result] = await cluster.producer.waitForResults([jobId], 20_000);
    expect(result!.counts.written).toBe(file.ids.length);
    const job = (await cluster.queue.getJob(jobId))!;
    expect(await job.getState()).toBe('completed');
    // Two runs, of which only the successful one counts as an attempt.
    expect(job.attemptsStarted).toBe(2);
    expect(job.attemptsMade).toBe(1);
    expect(worker.lines('job failed, will retry')).toEqual([]);
    const parked = worker.lines('store unavailable: job parked without spending an attempt');
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ jobId, run: 1, err: { code: 'STORE_UNAVAILABLE' } });
    expect(parked[0]!.delayMs).toBeGreaterThanOrEqual(50);
    expect(parked[0]!.delayMs).toBeLessThanOrEqual(100);
    expect(await cluster.snapshotProblems(file.ids)).toEqual([]);
  });
  it('logs "will retry" while attempts are left and "job failed permanently" (error) on the last', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-last-attempt', { backoffMs: 100 });
    const worker = await cluster.startWorker();
    // An ordinary (neither permanent nor transient) failure on every attempt: the snapshot write raises.
    await file.db.pool.query(`
      CREATE FUNCTION test_refuse_snapshot() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'refused by the test'; END; $$ LANGUAGE plpgsql;
      CREATE TRIGGER test_refuse_snapshot BEFORE INSERT OR UPDATE ON snapshots
        FOR EACH ROW EXECUTE FUNCTION test_refuse_snapshot()`);
    try {
      const job = await cluster.queue.add(
        'resolve',
        { actorIds: file.ids.slice(0, 2), enqueuedAt: Date.now(), force: true },
        { attempts: 2, backoff: 100 },
      );
      await expect(cluster.producer.waitForResults([job.id!], 20_000)).rejects.toThrow(/refused by the test/);
      // The worker logs before it rethrows, but its stdout may reach us after the job's failed event.
      await worker.waitForLog('"job failed permanently"', (line) => line.msg === 'job failed permanently');
      expect(worker.lines('job failed, will retry')).toEqual([
        expect.objectContaining({ jobId: job.id, level: 40, attempt: 1, attempts: 2 }),
      ]);
      expect(worker.lines('job failed permanently')).toEqual([
        expect.objectContaining({ jobId: job.id, level: 50, attempt: 2, attempts: 2 }),
      ]);
    } finally {
      await file.db.pool.query(
        'DROP TRIGGER test_refuse_snapshot ON snapshots; DROP FUNCTION test_refuse_snapshot()',
      );
    }
  });
});
