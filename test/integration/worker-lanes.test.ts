/**
 * Split lanes: a `--lane bulk` worker never takes an interactive job, and a `--lane interactive` worker
 * takes only interactive jobs; together they resolve everything.
 */
import { INTERACTIVE_JOB_PREFIX } from '../../src/queue/resolve-jobs';
import { clusterTestFile, TestCluster, waitFor } from '../support/cluster';

const file = clusterTestFile('worker_lanes', 60, 41);

describe('worker lanes', () => {
  it('keeps interactive jobs for the interactive lane and bulk jobs for the bulk lane', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-lanes');
    const bulkWorker = await cluster.startWorker({ lane: 'bulk' });
    const [single, ...bulkIds] = file.ids;

    const interactive = await cluster.producer.enqueueResolve([single!], { priority: 'interactive' });
    const bulk = await cluster.producer.enqueueResolve(bulkIds, { batchSize: 20 });
    expect(interactive.jobIds).toEqual([expect.stringMatching(new RegExp(`^${INTERACTIVE_JOB_PREFIX}`))]);
    expect(bulk.jobIds).toHaveLength(3);

    // The bulk lane does all of its own work and leaves the interactive job waiting.
    const bulkResults = await cluster.producer.waitForResults(bulk.jobIds, 30_000);
    expect(bulkResults.reduce((n, r) => n + r.counts.written, 0)).toBe(59);
    const interactiveQueue = cluster.producer.interactiveQueue;
    expect(await interactiveQueue.getJobCounts('waiting', 'active', 'completed')).toEqual({
      waiting: 1,
      active: 0,
      completed: 0,
    });

    // An interactive-lane worker takes it at once, and nothing else.
    const interactiveWorker = await cluster.startWorker({ lane: 'interactive' });
    const [result] = await cluster.producer.waitForResults(interactive.jobIds, 30_000);
    expect(result!.counts.written).toBe(1);
    await waitFor(
      'the interactive job completed',
      async () => (await interactiveQueue.getCompletedCount()) === 1,
    );
    expect(await cluster.snapshotProblems(file.ids)).toEqual([]);

    const done = cluster.jobsDoneByWorker();
    expect(done.get(bulkWorker.pid)!.sort()).toEqual([...bulk.jobIds].sort());
    expect(done.get(interactiveWorker.pid)).toEqual(interactive.jobIds);
    expect(bulkWorker.lines('worker started')[0]).toMatchObject({ lane: 'bulk' });
    expect(interactiveWorker.lines('worker started')[0]).toMatchObject({ lane: 'interactive' });

    const [stopBulk, stopInteractive] = await Promise.all([bulkWorker.stop(), interactiveWorker.stop()]);
    expect(stopBulk).toEqual({ code: 0, signal: null });
    expect(stopInteractive).toEqual({ code: 0, signal: null });
  });
});
