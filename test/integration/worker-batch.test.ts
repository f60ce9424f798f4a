/** A worker process resolves batch jobs and writes every snapshot to Postgres and Redis. */
import { clusterTestFile, pgSnapshots, TestCluster } from '../support/cluster';

const file = clusterTestFile('worker_batch', 60, 11);

describe('a worker resolving batch jobs', () => {
  it('writes each actor’s snapshot to Postgres and Redis at its version, as resolveActorLine computes it', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-batch');
    await cluster.startWorker();

    const { jobIds, actors } = await cluster.producer.enqueueResolve(file.ids, { batchSize: 25 });
    expect(actors).toBe(60);
    expect(jobIds).toHaveLength(3);
    const results = await cluster.producer.waitForResults(jobIds, 30_000);

    // Each job reports every one of its actors as written, and nothing else.
    const outcomes = Object.assign({}, ...results.map((r) => r.outcomes)) as Record<string, string>;
    expect(Object.keys(outcomes).sort()).toEqual([...file.ids].sort());
    expect(new Set(Object.values(outcomes))).toEqual(new Set(['written']));
    expect(results.map((r) => r.counts)).toEqual([
      { written: 25, current: 0, stale: 0, failed: 0, missing: 0 },
      { written: 25, current: 0, stale: 0, failed: 0, missing: 0 },
      { written: 10, current: 0, stale: 0, failed: 0, missing: 0 },
    ]);
    expect(results.every((r) => Object.keys(r.errors).length === 0)).toBe(true);

    // Both stores: at the actor's version, current registryVersion, equal to the core's resolution.
    expect(await cluster.snapshotProblems(file.ids)).toEqual([]);
    const stored = await pgSnapshots(file.db.pool, file.ids);
    expect(stored.size).toBe(60);
    for (const record of stored.values()) {
      expect(record.registryVersion).toBe(file.db.registries.registryVersion);
      expect((record.snapshot as { Version: number }).Version).toBe(record.version);
    }
    const raw = await cluster.redis.get(`${cluster.keyPrefix}:snapshot:${file.ids[0]}`);
    expect(raw).toMatch(/^\{"version":\d+,"registryVersion":"[^"]+","snapshot":\{/);
    expect(JSON.parse(raw!).version).toBe(stored.get(file.ids[0]!)!.version);
    expect(await cluster.redis.ttl(`${cluster.keyPrefix}:snapshot:${file.ids[0]}`)).toBeGreaterThan(0);
  });
});
