/** Resolve on change: ActorWriter writes bump the actor's version, and the worker brings its snapshot up to it. */
import { ActorRepository } from '../../src/adapters/pg';
import { ActorWriter, type WriteResult } from '../../src/producer';
import { outputOf } from '../support/pg';
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

let actors: ActorRepository;
const file = clusterTestFile('worker_on_change', 4, 21, ({ db }) => {
  actors = new ActorRepository({ pool: db.pool, registries: db.registries.compiled });
});

interface Snapshot {
  Primary: Record<string, number>;
  Version: number;
}

async function storedSnapshot(id: string): Promise<Snapshot> {
  return (await pgSnapshots(file.db.pool, [id])).get(id)!.snapshot as Snapshot;
}

describe('resolve on change', () => {
  it('putSubsystem and deleteSubsystem bump the version and the worker resolves the actor at it', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-on-change');
    const writer = new ActorWriter(actors, cluster.producer);
    await cluster.startWorker();
    const id = file.ids[0]!;
    const [first] = await cluster.producer.waitForResults(
      (await cluster.producer.enqueueResolve([id])).jobIds,
    );
    expect(first!.outcomes).toEqual({ [id]: 'written' });
    const before = (await actorVersions(file.db.pool, [id])).get(id)!;
    const initial = await storedSnapshot(id);
    expect(initial.Version).toBe(before);

    // A new output: version + 1, and the job returned resolves the actor at that version.
    const put = await writer.putSubsystem(id, outputOf('on_change_test', 5, 'luck'));
    expect(put.version).toBe(before + 1);
    const [putResult] = await cluster.producer.waitForResults([put.jobId], 30_000);
    expect(putResult!.outcomes).toEqual({ [id]: 'written' });
    expect((await pgSnapshots(file.db.pool, [id])).get(id)?.version).toBe(before + 1);
    expect((await redisSnapshots(cluster.redis, cluster.keyPrefix, [id])).get(id)?.version).toBe(before + 1);
    expect(await cluster.snapshotProblems([id])).toEqual([]);
    const withOutput = await storedSnapshot(id);
    expect(withOutput.Version).toBe(before + 1);
    expect(withOutput.Primary).not.toEqual(initial.Primary); // luck went up

    // Deleting it: version + 2, and the snapshot follows.
    const deleted = await writer.deleteSubsystem(id, 'on_change_test');
    expect(deleted?.version).toBe(before + 2);
    const [deleteResult] = await cluster.producer.waitForResults([deleted!.jobId], 30_000);
    expect(deleteResult!.outcomes).toEqual({ [id]: 'written' });
    expect(await cluster.snapshotProblems([id])).toEqual([]);
    // The outputs are the initial ones again, and so are the stats; only the version moved on.
    const afterDelete = await storedSnapshot(id);
    expect(afterDelete).toEqual({ ...initial, Version: before + 2 });

    // Deleting an output the actor does not have changes nothing and enqueues nothing.
    const jobsBefore = await cluster.queue.getJobCounts();
    expect(await writer.deleteSubsystem(id, 'on_change_test')).toBeUndefined();
    expect(await cluster.queue.getJobCounts()).toEqual(jobsBefore);
    expect((await actorVersions(file.db.pool, [id])).get(id)).toBe(before + 2);
  });

  it('a burst of writes enqueues one job per version; the first resolve the newest, the rest find it current', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-on-change-burst');
    const writer = new ActorWriter(actors, cluster.producer);
    const id = file.ids[1]!;
    // No worker yet: one job per new version, deduplicated by actor and version.
    const writes = [];
    for (let i = 1; i <= 5; i++) writes.push(await writer.putSubsystem(id, outputOf(`burst_${i % 2}`, i)));
    const jobIds = writes.map((w) => w.jobId);
    expect(new Set(jobIds).size).toBe(5);
    // Enqueueing a version again adds nothing.
    expect(await cluster.producer.enqueueAtVersion(id, writes[4]!.version)).toBe(jobIds[4]);
    expect(await cluster.queue.count()).toBe(5);
    await cluster.startWorker();
    const results = await cluster.producer.waitForResults(jobIds, 30_000);
    const outcomes = results.map((r) => r.outcomes[id]);
    // Two jobs run at once (concurrency 2), so up to two may load the actor before either has written.
    const written = outcomes.filter((o) => o === 'written').length;
    expect(written).toBeGreaterThanOrEqual(1);
    expect(written).toBeLessThanOrEqual(2);
    expect(outcomes.filter((o) => o === 'current')).toHaveLength(5 - written);
    expect((await pgSnapshots(file.db.pool, [id])).get(id)?.version).toBe(writes[4]!.version);
    expect(await cluster.snapshotProblems([id])).toEqual([]);
  });

  it('a write while the actor’s job is running gets a follow-up job that resolves the new version', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-on-change-active');
    const writer = new ActorWriter(actors, cluster.producer);
    const id = file.ids[2]!;
    await cluster.startWorker();
    // The first write's job loads the actor, resolves it, then waits on the snapshots table.
    const release = await holdTableLock(file.db.pool, 'snapshots', 'EXCLUSIVE');
    let second: WriteResult;
    try {
      const first = await writer.putSubsystem(id, outputOf('active_test', 1));
      await waitFor('the first job to be active', async () => (await cluster.queue.getActiveCount()) === 1);
      // It has loaded the actor at the first version when it waits on the write: now the second write.
      await waitFor(
        'the first job to wait on the snapshot write',
        async () => (await workerSessionsWaitingOnLocks(file.db.pool)) === 1,
      );
      second = await writer.putSubsystem(id, outputOf('active_test', 2));
      expect(second.version).toBe(first.version + 1);
    } finally {
      await release();
    }
    // WriteResult.jobId is "the job that will resolve it": once it has finished, the snapshot must be
    // at the second write's version. (BullMQ answers a deduplicated add with the id of the job that is
    // running, and creates the follow-up under another id when that job finishes.)
    await cluster.producer.waitForResults([second.jobId], 30_000);
    const afterReturnedJob = (await pgSnapshots(file.db.pool, [id])).get(id)?.version;
    // The follow-up job does bring the actor to its newest version in both stores.
    await cluster.waitUntilResolved([id], 20_000);
    expect(await cluster.queue.getJobCountByTypes('completed')).toBe(2);
    expect(afterReturnedJob).toBe(second.version);
  });
});
