/** Out of order: whatever order resolutions finish in, the stores keep the newest version. */
import { ActorRepository, loadActorLines, SnapshotRepository } from '../../src/adapters/pg';
import { SnapshotCache } from '../../src/adapters/redis';
import { resolveSnapshot } from '../../src/core';
import { ActorWriter, type ResolveJobResult } from '../../src/producer';
import { outputOf } from '../support/pg';
import {
  actorVersions,
  clusterTestFile,
  pgSnapshots,
  redisSnapshots,
  sleep,
  TestCluster,
} from '../support/cluster';

let actors: ActorRepository;
const file = clusterTestFile('worker_out_of_order', 30, 13, ({ db }) => {
  actors = new ActorRepository({ pool: db.pool, registries: db.registries.compiled });
});

describe('out-of-order resolutions', () => {
  it('an older record written after the worker’s newer one is skipped by Postgres and by Redis', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-ooo-older');
    const id = 'ooo-actor';
    const v1 = await actors.putSubsystem(id, outputOf('items', 1));
    const v1Outputs = [outputOf('items', 1)];
    const v2 = await actors.putSubsystem(id, outputOf('items', 2));
    expect([v1, v2]).toEqual([1, 2]);

    await cluster.startWorker();
    const [result] = await cluster.producer.waitForResults(
      (await cluster.producer.enqueueResolve([id])).jobIds,
      30_000,
    );
    expect(result!.outcomes).toEqual({ [id]: 'written' });
    const stored = (await pgSnapshots(file.db.pool, [id])).get(id)!;
    expect(stored.version).toBe(2);

    // The v1 resolution arrives late, as a slow worker's would.
    const older = {
      actorId: id,
      version: 1,
      registryVersion: file.db.registries.registryVersion,
      snapshotJson: JSON.stringify(resolveSnapshot(v1Outputs, file.db.registries.compiled, 1)),
    };
    expect(await new SnapshotRepository(file.db.pool).writeSnapshots([older])).toEqual({
      written: [],
      skipped: [id],
    });
    const cache = new SnapshotCache({ redis: cluster.redis, keyPrefix: cluster.keyPrefix, ttlSeconds: 60 });
    expect(await cache.setMany([older])).toEqual([{ actorId: id, version: 1, outcome: 'skipped' }]);

    expect((await pgSnapshots(file.db.pool, [id])).get(id)).toEqual(stored);
    expect((await redisSnapshots(cluster.redis, cluster.keyPrefix, [id])).get(id)?.version).toBe(2);
    expect(await cluster.snapshotProblems([id])).toEqual([]);
    // And a job resolving the actor again at its version finds it current.
    const [again] = await cluster.producer.waitForResults(
      (await cluster.producer.enqueueResolve([id, file.ids[0]!], { batchSize: 10 })).jobIds,
      30_000,
    );
    expect(again!.outcomes[id]).toBe('current');
    const { actors: lines } = await loadActorLines(file.db.pool, [id]);
    expect(lines[0]!.version).toBe(2);
  });

  it('two workers on concurrent jobs for the same actor, with writes in between, end at its final version', async () => {
    const cluster = await TestCluster.open(file.db, 'worker-ooo-race');
    await Promise.all([cluster.startWorker(), cluster.startWorker()]);
    const writer = new ActorWriter(actors, cluster.producer);
    const [hot] = file.ids as [string];

    // Forced bulk jobs (never deduplicated) holding the hot actor, interleaved with writes to it.
    const jobIds: string[] = [];
    for (let round = 1; round <= 12; round++) {
      jobIds.push(
        ...(await cluster.producer.enqueueResolve(file.ids, { force: true, batchSize: 10 })).jobIds,
      );
      await writer.putSubsystem(hot, outputOf(`race_${round % 3}`, round, 'luck'));
      await sleep(Math.floor(Math.random() * 25));
    }
    const finalVersion = (await actorVersions(file.db.pool, [hot])).get(hot)!;
    const results: ResolveJobResult[] = await cluster.producer.waitForResults(jobIds, 45_000);
    const hotOutcomes = results.map((r) => r.outcomes[hot]).filter((o) => o !== undefined);
    expect(hotOutcomes).toHaveLength(12);
    expect(hotOutcomes.every((o) => o === 'written' || o === 'stale')).toBe(true);

    // The writer's follow-up jobs bring the hot actor to its final version in both stores.
    await cluster.waitUntilResolved(file.ids, 30_000);
    expect((await pgSnapshots(file.db.pool, [hot])).get(hot)?.version).toBe(finalVersion);
    expect((await redisSnapshots(cluster.redis, cluster.keyPrefix, [hot])).get(hot)?.version).toBe(
      finalVersion,
    );
  });
});
