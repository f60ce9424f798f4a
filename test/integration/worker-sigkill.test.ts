/**
 * A worker killed with SIGKILL in the middle of its jobs: their locks expire, another worker takes
 * them over as stalled, and every actor still ends resolved at its version in both stores.
 */
import { ActorRepository } from '../../src/adapters/pg';
import {
  actorVersions,
  clusterTestFile,
  holdTableLock,
  pgSnapshots,
  redisSnapshots,
  TestCluster,
  waitFor,
  workerSessionsWaitingOnLocks,
} from '../support/cluster';

const file = clusterTestFile('worker_sigkill', 400, 17);

const STALLED_LINE = 'job stalled: another worker will take it over';

describe('a worker killed with SIGKILL', () => {
  it('loses its active jobs to the next worker, which recovers them as stalled and resolves every actor', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-sigkill', {
      lockDurationMs: 3000,
      stalledIntervalMs: 1000,
    });
    const first = await cluster.startWorker();
    // The jobs' loads wait on this lock, so they are certainly active (not yet finished) when killed.
    const release = await holdTableLock(file.db.pool, 'actors', 'ACCESS EXCLUSIVE');
    let jobIds: string[];
    let killed: string[];
    try {
      ({ jobIds } = await cluster.producer.enqueueResolve(file.ids, { batchSize: 100 }));
      expect(jobIds).toHaveLength(4);
      await waitFor('2 active jobs', async () => (await cluster.queue.getActiveCount()) === 2);
      killed = (await cluster.queue.getActive()).map((job) => job.id!).sort();
      const status = await first.signal('SIGKILL');
      expect(status).toEqual({ code: null, signal: 'SIGKILL' });
    } finally {
      await release();
    }
    expect(first.lines('job done')).toEqual([]);
    expect(await cluster.queue.getActiveCount()).toBe(2); // still locked by the dead worker

    const second = await cluster.startWorker();
    await cluster.waitUntilResolved(file.ids, 30_000);
    const results = await cluster.producer.waitForResults(jobIds, 30_000);
    expect(results.reduce((n, r) => n + r.counts.written, 0)).toBe(400);

    // The killed jobs were taken over as stalled (once), not failed, and completed by the second worker.
    await second.waitForLog('the stalled lines', () => second.lines(STALLED_LINE).length === 2, 10_000);
    expect(
      second
        .lines(STALLED_LINE)
        .map((line) => line.jobId)
        .sort(),
    ).toEqual(killed);
    for (const id of killed) {
      const job = (await cluster.queue.getJob(id))!;
      expect(await job.getState()).toBe('completed');
      expect(job.stalledCounter).toBe(1);
      expect(job.failedReason).toBeUndefined();
    }
    expect(
      second
        .lines('job done')
        .map((line) => line.jobId)
        .sort(),
    ).toEqual([...jobIds].sort());
    expect(await cluster.queue.getJobCounts('active', 'failed', 'wait', 'prioritized')).toEqual({
      active: 0,
      failed: 0,
      wait: 0,
      prioritized: 0,
    });
  });

  it('between its Postgres write and its Redis write: the recovered job still brings Redis up to date', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-sigkill-write', {
      lockDurationMs: 3000,
      stalledIntervalMs: 1000,
    });
    const some = file.ids.slice(0, 100);
    const first = await cluster.startWorker();
    await cluster.producer.waitForResults(
      // Forced: the first test resolved them in Postgres already, but this test's Redis prefix is new.
      (await cluster.producer.enqueueResolve(some, { batchSize: 50, force: true })).jobIds,
      30_000,
    );
    expect(await cluster.snapshotProblems(some)).toEqual([]);
    const before = await actorVersions(file.db.pool, some);

    // A write to each actor: every snapshot is now one version behind, in both stores.
    const actors = new ActorRepository({ pool: file.db.pool, registries: file.db.registries.compiled });
    for (const id of some) {
      await actors.putSubsystem(id, {
        primary: [{ dimension: 'luck', bucket: 'FLAT', value: 3, system: 'late_write' }],
        derived: [],
        caps: [],
        meta: { system: 'late_write' },
      });
    }

    // The jobs resolve, then wait on the snapshots table: the worker dies before its Redis writes.
    const release = await holdTableLock(file.db.pool, 'snapshots', 'EXCLUSIVE');
    let jobIds: string[];
    try {
      ({ jobIds } = await cluster.producer.enqueueResolve(some, { batchSize: 50 }));
      await waitFor(
        'both jobs to wait on the snapshot write',
        async () => (await workerSessionsWaitingOnLocks(file.db.pool)) === 2,
      );
      await first.signal('SIGKILL');
    } finally {
      await release();
    }
    // The dead worker's statements were sent whole: Postgres commits them once the lock is released.
    await waitFor('the orphaned Postgres writes', async () => {
      const stored = await pgSnapshots(file.db.pool, some);
      return some.every((id) => stored.get(id)?.version === before.get(id)! + 1);
    });
    const cached = await redisSnapshots(cluster.redis, cluster.keyPrefix, some);
    expect(some.every((id) => cached.get(id)?.version === before.get(id))).toBe(true);

    // The next worker takes the stalled jobs over and completes them. Redis must then be at the actors'
    // versions too: the retry finds Postgres current, and copies its snapshots over the older ones
    // Redis holds (refill-cache.ts), which read-through lookups would serve until their TTL ends.
    const second = await cluster.startWorker();
    await cluster.producer.waitForResults(jobIds, 30_000);
    await second.waitForLog('the stalled lines', () => second.lines(STALLED_LINE).length === 2, 10_000);
    await cluster.waitUntilResolved(some, 3000);
  });
});
