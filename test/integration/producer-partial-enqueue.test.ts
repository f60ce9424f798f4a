/**
 * A bulk enqueue that Redis stops taking part-way (at `maxmemory` with `noeviction`, the production
 * setting) leaves the jobs it added queued. The error says how many actors were enqueued (in the
 * message and in fields), and which were not, so that a retry of those adds no actor twice. Memory
 * limits are server-wide: this test runs its own Redis.
 */
import { Redis } from 'ioredis';
import { startLocalRedis, type LocalRedis } from '../../src/local-services';
import { EnqueueIncompleteError } from '../../src/producer';
import type { ResolveJobData } from '../../src/queue/resolve-jobs';
import { closeAll, connect, openProducer, testQueue } from '../support/producer';

jest.setTimeout(120_000);

let redis: LocalRedis;
let admin: Redis;

beforeAll(async () => {
  redis = await startLocalRedis();
  admin = new Redis(redis.url);
});
afterEach(closeAll);
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

it('says how many actors a bulk enqueue that failed part-way enqueued, and a retry of the rest adds none twice', async () => {
  const producer = openProducer({
    connection: connect(redis.url),
    queue: { ...testQueue('partial'), batchSize: 10 },
  });
  await producer.enqueueAtVersion('warm-up', 1); // the scripts are loaded, the queue exists
  const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
  await admin.config('SET', 'maxmemory-policy', 'noeviction');
  await admin.config('SET', 'maxmemory', String(used + 2_000_000));
  const ids = Array.from({ length: 50_000 }, (_, i) => `actor-${i}`);

  const err = await producer.enqueueResolve(ids).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EnqueueIncompleteError);
  const failure = err as EnqueueIncompleteError;
  expect(failure).toMatchObject({ code: 'STORE_UNAVAILABLE', permanent: false, actors: ids.length });
  expect(failure.enqueuedActors).toBeGreaterThan(0);
  expect(failure.enqueuedActors).toBeLessThan(ids.length);
  expect(failure.message).toMatch(
    new RegExp(
      `OOM .*\\(${failure.enqueuedActors} of the ${ids.length} actors were enqueued first, in ${failure.enqueuedJobIds.length} jobs`,
    ),
  );
  expect(failure.enqueuedActors + failure.notEnqueuedActorIds.length).toBe(ids.length);

  // What Redis holds (besides the warm-up job) is exactly what the error says was enqueued.
  const bulkJobs = async (): Promise<Array<{ id: string; actorIds: string[] }>> =>
    (await producer.queue.getJobs(['prioritized', 'waiting'], 0, -1))
      .filter((job) => job.id !== 'actor.warm-up.v1')
      .map((job) => ({ id: job.id!, actorIds: (job.data as ResolveJobData).actorIds }));
  const queued = async (): Promise<string[]> => (await bulkJobs()).flatMap((job) => job.actorIds);
  const before = await queued();
  expect(before).toHaveLength(failure.enqueuedActors);
  expect((await bulkJobs()).map((job) => job.id).sort()).toEqual([...failure.enqueuedJobIds].sort());

  await admin.config('SET', 'maxmemory', '0');
  const rest = await producer.enqueueResolve(failure.notEnqueuedActorIds);
  expect(rest.actors).toBe(ids.length - failure.enqueuedActors);
  const after = await queued();
  expect(after).toHaveLength(ids.length);
  expect(new Set(after).size).toBe(ids.length);
});
