/** A poison actor (stored outputs that do not validate) fails alone; its batch and its job go on. */
import { ActorRepository } from '../../src/adapters/pg';
import { ActorWriter } from '../../src/producer';
import { outputOf, type TestDatabase } from '../support/pg';
import {
  actorVersions,
  clusterDatabase,
  closeClusters,
  pgSnapshots,
  redisSnapshots,
  resolutionErrors,
  seedWorkload,
  TestCluster,
} from '../support/cluster';

// Real processes and servers: far above jest's default 5 s, well under a minute a file.
jest.setTimeout(60_000);

let db: TestDatabase;
let good: string[];
const poison = 'poison-actor';

beforeAll(async () => {
  db = await clusterDatabase('worker_poison');
  good = await seedWorkload(db, 20, 3);
  const actors = new ActorRepository({ pool: db.pool, registries: db.registries.compiled });
  await actors.putSubsystem(poison, outputOf('items', 5));
  await actors.putSubsystem(poison, outputOf('talents', 7));
  // Bypass validation: corrupt the stored output of one system with raw SQL.
  const corrupted = await db.pool.query(
    `UPDATE subsystems SET data = jsonb_set(data, '{primary,0,bucket}', '"SIDEWAYS"')
     WHERE actor_id = $1 AND system_id = 'talents'`,
    [poison],
  );
  expect(corrupted.rowCount).toBe(1);
});
afterEach(closeClusters);
afterAll(async () => {
  await db?.close();
});

describe('a poison actor', () => {
  it('fails alone: the good actors of its batch are written and the job completes; fixing it resolves it', async () => {
    const cluster = await TestCluster.open(db, 'worker-poison');
    await cluster.startWorker();
    const batch = [...good.slice(0, 10), poison, ...good.slice(10)];
    const { jobIds } = await cluster.producer.enqueueResolve(batch, { batchSize: 100 });
    expect(jobIds).toHaveLength(1);
    const [result] = await cluster.producer.waitForResults(jobIds, 30_000);

    expect(result!.outcomes[poison]).toBe('failed');
    expect(result!.errors).toEqual({ [poison]: 'UNKNOWN_BUCKET' });
    expect(result!.counts).toEqual({ written: 20, current: 0, stale: 0, failed: 1, missing: 0 });
    const job = await cluster.queue.getJob(jobIds[0]!);
    expect(await job!.getState()).toBe('completed');
    expect(job!.attemptsMade).toBe(1);
    expect(await cluster.snapshotProblems(good)).toEqual([]);

    // No snapshot for it anywhere; its error is kept with its version and the job that met it.
    expect((await pgSnapshots(db.pool, [poison])).size).toBe(0);
    expect((await redisSnapshots(cluster.redis, cluster.keyPrefix, [poison])).size).toBe(0);
    const version = (await actorVersions(db.pool, [poison])).get(poison)!;
    const errors = await resolutionErrors(db.pool);
    expect([...errors.keys()]).toEqual([poison]);
    expect(errors.get(poison)).toMatchObject({
      version,
      code: 'UNKNOWN_BUCKET',
      jobId: jobIds[0],
      error: { code: 'UNKNOWN_BUCKET', subsystem: 'talents' },
    });
    const worker = cluster.workers[0]!;
    expect(
      worker.logs.some((line) => line.msg.startsWith('actor failed permanently') && line.actorId === poison),
    ).toBe(true);

    // A valid output for the broken system: a new version, resolved, and the error row is gone.
    const writer = new ActorWriter(
      new ActorRepository({ pool: db.pool, registries: db.registries.compiled }),
      cluster.producer,
    );
    const fixed = await writer.putSubsystem(poison, outputOf('talents', 8));
    expect(fixed.version).toBe(version + 1);
    const [fixedResult] = await cluster.producer.waitForResults([fixed.jobId], 30_000);
    expect(fixedResult!.outcomes).toEqual({ [poison]: 'written' });
    expect(await cluster.snapshotProblems([poison, ...good])).toEqual([]);
    expect((await resolutionErrors(db.pool)).size).toBe(0);
  });
});
