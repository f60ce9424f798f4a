/** Deduplication: re-enqueueing a waiting actor adds no job, and re-enqueueing resolved actors adds no work. */
import { clusterTestFile, pgSnapshots, TestCluster } from '../support/cluster';

const file = clusterTestFile('worker_dedup', 12, 5);

describe('deduplication', () => {
  it('keeps one job for an actor enqueued many times while it waits; a resolved actor costs no work', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-dedup');
    const [single] = file.ids as [string];

    // No worker yet: every enqueue of the single actor lands on the same waiting job.
    const sequential: string[] = [];
    for (let i = 0; i < 10; i++) sequential.push(...(await cluster.producer.enqueueResolve([single])).jobIds);
    const concurrent = await Promise.all(
      Array.from({ length: 10 }, () => cluster.producer.enqueueResolve([single])),
    );
    const singleIds = new Set([...sequential, ...concurrent.flatMap((r) => r.jobIds)]);
    expect(singleIds.size).toBe(1);
    const [singleJob] = [...singleIds] as [string];
    // A single actor is interactive by default: its own lane, the interactive queue.
    const lane = cluster.producer.queueOf(singleJob);
    expect(lane).toBe(cluster.producer.interactiveQueue);
    expect(await lane.count()).toBe(1);
    expect(await cluster.queue.count()).toBe(0);
    expect((await lane.getJob(singleJob))?.data.actorIds).toEqual([single]);

    // A bulk request for all of them (batches are not deduplicated: they are the bulk path).
    const bulk = await cluster.producer.enqueueResolve(file.ids, { batchSize: 5 });
    expect(bulk.jobIds).toHaveLength(3);
    expect(await cluster.queue.count()).toBe(3);

    await cluster.startWorker();
    const [singleResult, ...bulkResults] = await cluster.producer.waitForResults(
      [singleJob, ...bulk.jobIds],
      30_000,
    );
    expect(singleResult!.outcomes).toEqual({ [single]: 'written' });
    expect(bulkResults.reduce((n, r) => n + Object.keys(r.outcomes).length, 0)).toBe(file.ids.length);
    expect(await cluster.snapshotProblems(file.ids)).toEqual([]);
    const resolvedAt = await file.db.pool.query<{ actor_id: string; resolved_at: Date }>(
      'SELECT actor_id, resolved_at FROM snapshots ORDER BY actor_id',
    );

    // Again, in bulk: every actor is current, nothing is resolved or written.
    const again = await cluster.producer.enqueueResolve(file.ids, { batchSize: 5 });
    const againResults = await cluster.producer.waitForResults(again.jobIds, 30_000);
    const againOutcomes = Object.assign({}, ...againResults.map((r) => r.outcomes)) as Record<string, string>;
    expect(Object.keys(againOutcomes).sort()).toEqual([...file.ids].sort());
    expect(new Set(Object.values(againOutcomes))).toEqual(new Set(['current']));
    expect(againResults.reduce((n, r) => n + r.counts.current, 0)).toBe(file.ids.length);
    const after = await file.db.pool.query<{ actor_id: string; resolved_at: Date }>(
      'SELECT actor_id, resolved_at FROM snapshots ORDER BY actor_id',
    );
    expect(after.rows).toEqual(resolvedAt.rows);

    // Once its job has finished, the actor can be enqueued again: a new job, which finds it current.
    const later = await cluster.producer.enqueueResolve([single]);
    expect(later.jobIds[0]).not.toBe(singleJob);
    const [laterResult] = await cluster.producer.waitForResults(later.jobIds, 30_000);
    expect(laterResult!.outcomes).toEqual({ [single]: 'current' });

    // `force` resolves even current actors (and rewrites them at the same version).
    const forced = await cluster.producer.enqueueResolve(file.ids.slice(0, 3), { force: true });
    const [forcedResult] = await cluster.producer.waitForResults(forced.jobIds, 30_000);
    expect(forcedResult!.counts.written).toBe(3);
    const rewritten = await pgSnapshots(file.db.pool, file.ids.slice(0, 3));
    expect(rewritten.size).toBe(3);
    expect(await cluster.snapshotProblems(file.ids)).toEqual([]);
  });
});
