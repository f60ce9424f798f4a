/**
 * A starting `actor-core worker` resolves a sample of stored actors for WORKER_WARM_UP_MS before it
 * takes jobs, on the threads and the main thread that will resolve them, and writes nothing.
 */
import {
  closeClusters,
  clusterDatabase,
  clusterTestFile,
  pgSnapshots,
  redisSnapshots,
  TestCluster,
} from '../support/cluster';
import { INTERACTIVE_CONCURRENCY } from '../../src/worker/worker-process';

const file = clusterTestFile('worker_warm_up', 40, 11);

describe('the worker warm-up', () => {
  it('resolves stored actors for its budget before it takes jobs, and stores nothing', async () => {
    const cluster = await TestCluster.open(file.db, 'warm-up', { warmUpMs: 600 });
    const started = Date.now();
    const worker = await cluster.startWorker({ threads: 2, concurrency: 3 });
    const [warmed] = worker.lines('warm-up done');
    expect(warmed).toMatchObject({ chunks: expect.any(Number), actors: expect.any(Number) });
    expect(warmed!.ms).toBeGreaterThanOrEqual(600);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    // The whole sample at least once, on two threads and the interactive lane's main thread.
    expect(warmed!.actors as number).toBeGreaterThanOrEqual(file.ids.length);
    expect(worker.logs.indexOf(warmed!)).toBeLessThan(
      worker.logs.indexOf(worker.lines('worker started')[0]!),
    );
    // Its Postgres connections are open before the first job: one per job it may run at once (3 bulk,
    // and the interactive lane's).
    expect(warmed!.connections).toBe(3 + INTERACTIVE_CONCURRENCY);
    const open = await file.db.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'actor-core-worker' AND datname = current_database()`,
    );
    expect(Number(open.rows[0]!.n)).toBeGreaterThanOrEqual(warmed!.connections as number);

    expect((await pgSnapshots(file.db.pool, file.ids)).size).toBe(0);
    expect((await redisSnapshots(cluster.redis, cluster.keyPrefix, file.ids)).size).toBe(0);
    expect(await cluster.redis.keys(`${cluster.keyPrefix}:*`)).toEqual([]);

    // And then it works as any worker does.
    const { jobIds } = await cluster.producer.enqueueResolve(file.ids, { batchSize: 20 });
    await cluster.producer.waitForResults(jobIds, 30_000);
    expect(await cluster.snapshotProblems(file.ids)).toEqual([]);
  });

  it('starts at once when no actor is stored', async () => {
    const empty = await clusterDatabase('worker_warm_up_empty');
    try {
      const cluster = await TestCluster.open(empty, 'warm-up-empty', { warmUpMs: 60_000 });
      const worker = await cluster.startWorker();
      expect(worker.lines('warm-up done')).toEqual([
        expect.objectContaining({ actors: 0, chunks: 0, ms: expect.any(Number) }),
      ]);
      expect(worker.lines('warm-up done')[0]!.ms).toBeLessThan(1000);
    } finally {
      await closeClusters();
      await empty.close();
    }
  });

  it('is off at 0', async () => {
    const cluster = await TestCluster.open(file.db, 'warm-up-off', { warmUpMs: 0 });
    const worker = await cluster.startWorker();
    expect(worker.lines('warm-up done')).toEqual([]);
    expect(worker.lines('worker started')).toHaveLength(1);
  });
});
