/** Two worker processes on one queue share its jobs, and each job is done exactly once. */
import { clusterTestFile, holdTableLock, TestCluster, waitFor } from '../support/cluster';

const file = clusterTestFile('worker_two_workers', 300, 37);

describe('two worker processes on one queue', () => {
  it('both take jobs, no job runs twice, and every actor ends resolved at its version', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-two');
    const [a, b] = await Promise.all([cluster.startWorker(), cluster.startWorker()]);
    expect(a!.pid).not.toBe(b!.pid);

    // Hold the loads until both workers are busy (2 jobs each), so neither can take everything.
    const release = await holdTableLock(file.db.pool, 'actors', 'ACCESS EXCLUSIVE');
    let jobIds: string[];
    try {
      ({ jobIds } = await cluster.producer.enqueueResolve(file.ids, { batchSize: 20 }));
      expect(jobIds).toHaveLength(15);
      await waitFor('4 active jobs (2 per worker)', async () => (await cluster.queue.getActiveCount()) === 4);
    } finally {
      await release();
    }
    const results = await cluster.producer.waitForResults(jobIds, 30_000);
    expect(results.reduce((n, r) => n + r.counts.written, 0)).toBe(300);
    expect(await cluster.snapshotProblems(file.ids)).toEqual([]);

    const done = cluster.jobsDoneByWorker();
    const doneByA = done.get(a!.pid)!;
    const doneByB = done.get(b!.pid)!;
    expect(doneByA.length).toBeGreaterThanOrEqual(2);
    expect(doneByB.length).toBeGreaterThanOrEqual(2);
    // Every job exactly once, by one of them.
    expect([...doneByA, ...doneByB].sort()).toEqual([...jobIds].sort());
    expect(doneByA.filter((id) => doneByB.includes(id))).toEqual([]);
    expect(await cluster.queue.getJobCounts('completed', 'failed', 'active')).toEqual({
      completed: 15,
      failed: 0,
      active: 0,
    });

    // Both stop cleanly.
    const [stopA, stopB] = await Promise.all([a!.stop(), b!.stop()]);
    expect(stopA).toEqual({ code: 0, signal: null });
    expect(stopB).toEqual({ code: 0, signal: null });
  });
});
