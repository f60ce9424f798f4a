/**
 * Single-actor requests are deduplicated by actor, and each gets the id of a job that covers it: one
 * that starts after the request (so that waiting for it waits for data at least as new), and that
 * does at least what was asked (a forced request is not swallowed by a plain job). Waiting settles an
 * id however often it is given, and a job that finished before the wait.
 */
import type { Redis } from 'ioredis';
import type { QueueSettings } from '../../config/settings';
import { addActorJob, dedupIdOf, type Bounded } from '../../src/producer/actor-jobs';
import { interactiveQueueName } from '../../src/queue/resolve-jobs';
import { runProcess } from '../support/cli';
import { waitFor, within } from '../support/cluster';
import {
  closeAll,
  connect,
  openProducer,
  standInWorker,
  testQueue,
  type StandInResult,
} from '../support/producer';

jest.setTimeout(30_000);

afterEach(closeAll);

describe('waitForResults', () => {
  it('settles an id given twice (a deduplicated request), and again once its job has finished', async () => {
    const queue = testQueue('producer-wait-twice');
    const producer = openProducer({ connection: connect(), queue });
    // No worker yet: the second request finds the first job waiting and gets its id.
    const first = await producer.enqueueResolve(['hero']);
    const second = await producer.enqueueResolve(['hero']);
    expect(second.jobIds).toEqual(first.jobIds);
    const ids = [...first.jobIds, ...second.jobIds];

    standInWorker(queue, 50);
    const results = await within(10_000, 'the wait', producer.waitForResults(ids, 8000));
    expect(results).toHaveLength(2);
    expect(results[0]).toEqual(results[1]);
    expect(results[0]!.outcomes).toEqual({ hero: 'written' });

    // Finished before this wait began: settled from the job's state, at once.
    const started = Date.now();
    expect(await producer.waitForResults(ids, 8000)).toEqual(results);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('a forced request', () => {
  it('gets a job of its own while a plain job for the actor waits, and that job runs forced', async () => {
    const queue = testQueue('producer-force');
    const producer = openProducer({ connection: connect(), queue });
    const plain = await producer.enqueueResolve(['hero']);
    const forced = await producer.enqueueResolve(['hero'], { force: true });
    expect(forced.jobIds[0]).not.toBe(plain.jobIds[0]);
    // Forced requests are deduplicated among themselves.
    expect((await producer.enqueueResolve(['hero'], { force: true })).jobIds).toEqual(forced.jobIds);
    expect((await producer.interactiveQueue.getJob(forced.jobIds[0]!))?.data).toMatchObject({ force: true });

    standInWorker(queue, 10);
    const [result] = (await producer.waitForResults(forced.jobIds, 8000)) as StandInResult[];
    expect(result).toMatchObject({ run: forced.jobIds[0], forced: true });
  });
});

describe.each(['interactive', 'change'] as const)('a request while the actor’s job runs (%s)', (priority) => {
  it('gets the id of the follow-up job, which starts after the request', async () => {
    const queue = testQueue(`producer-active-${priority}`);
    const producer = openProducer({ connection: connect(), queue });
    const { ran } = standInWorker(queue, 1000);
    const [running] = (await producer.enqueueResolve(['hero'], { priority })).jobIds;
    await waitFor('the first job to run', () => ran.includes(running!), 5000, 20);

    const requestedAt = Date.now();
    const during = await Promise.all([1, 2, 3].map(() => producer.enqueueResolve(['hero'], { priority })));
    const ids = during.flatMap((r) => r.jobIds);
    // All three are covered by the one follow-up job, not by the run that had already started.
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).not.toBe(running);

    const results = (await producer.waitForResults(ids, 10_000)) as StandInResult[];
    expect(results[0]!.run).toBe(ids[0]);
    expect(results[0]!.startedAt).toBeGreaterThanOrEqual(requestedAt);
    expect(ran).toEqual([running, ids[0]]);
  });
});

/**
 * A requester whose read of the actor's job was stale (it saw none, then the job was created and
 * started) stores a random follow-up id with its first add, then the shared one with its next. These
 * tests put that random id in place by hand, where such a requester would.
 */
describe('a request racing a requester whose read was stale', () => {
  const staleStore = async (connection: Redis, queue: QueueSettings, dedupId: string): Promise<void> => {
    await connection.hset(
      `${queue.prefix}:${interactiveQueueName(queue.name)}:dn:${dedupId}`,
      'jid',
      'i.stale',
    );
  };

  it('still gets a follow-up that starts after it, not the running job', async () => {
    const queue = testQueue('producer-race-add');
    const connection = connect();
    const producer = openProducer({ connection, queue });
    const { ran } = standInWorker(queue, 1500);
    const [running] = (await producer.enqueueResolve(['hero'])).jobIds;
    await waitFor('the first job to run', () => ran.includes(running!), 5000, 20);

    // The stale requester's add lands right after this request's add, before its check.
    let calls = 0;
    const bounded: Bounded = async (promise) => {
      const value = await promise;
      if (++calls === 2) await staleStore(connection, queue, dedupIdOf('hero', false));
      return value;
    };
    const requestedAt = Date.now();
    const id = await addActorJob({
      queue: producer.interactiveQueue,
      connection,
      lanePrefix: 'i.',
      actorId: 'hero',
      data: { actorIds: ['hero'], enqueuedAt: requestedAt },
      priority: 0,
      bounded,
    });
    expect(id).not.toBe(running);
    const [result] = (await producer.waitForResults([id], 10_000)) as StandInResult[];
    expect(result!.run).toBe(id);
    expect(result!.startedAt).toBeGreaterThanOrEqual(requestedAt);
  });

  it('keeps waiting for its follow-up while the run goes on, instead of saying JOB_NOT_FOUND', async () => {
    const queue = testQueue('producer-race-wait');
    const connection = connect();
    const producer = openProducer({ connection, queue });
    const { ran } = standInWorker(queue, 3000);
    const [running] = (await producer.enqueueResolve(['hero'])).jobIds;
    await waitFor('the first job to run', () => ran.includes(running!), 5000, 20);
    const [followUp] = (await producer.enqueueResolve(['hero'])).jobIds;
    expect(followUp).not.toBe(running);

    await staleStore(connection, queue, dedupIdOf('hero', false));
    const waited = producer.waitForResults([followUp!], 15_000);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // at least one poll sees the stale id
    // The stale requester's next add stores the shared id again.
    expect((await producer.enqueueResolve(['hero'])).jobIds).toEqual([followUp]);
    const [result] = (await waited) as StandInResult[];
    expect(result!.run).toBe(followUp);
  });
});

describe('waitForResults on many jobs', () => {
  it('prints no MaxListenersExceededWarning in the caller’s process', async () => {
    // Node prints the warning from the process itself: a child process (the built library) shows it.
    const queue = testQueue('producer-wait-many');
    const script = `
      const { Redis } = require('ioredis');
      const { ResolveProducer, producerRedisOptions } = require('./dist/src/producer');
      const connection = new Redis(process.env.REDIS_URL, producerRedisOptions);
      const producer = new ResolveProducer({ connection, queue: ${JSON.stringify(queue)} });
      (async () => {
        const ids = Array.from({ length: 20 }, (_, i) => 'a' + i);
        const jobIds = (await Promise.all(ids.map((id) => producer.enqueueResolve([id])))).flatMap((r) => r.jobIds);
        const err = await producer.waitForResults(jobIds, 2500).then(() => undefined, (e) => e);
        process.stdout.write(String(err && err.code));
        await producer.close();
        connection.disconnect();
      })();`;
    const run = await runProcess(process.execPath, ['-e', script], { ...process.env }, 30_000);
    expect(run).toMatchObject({ code: 0, stdout: 'WAIT_TIMEOUT' });
    expect(run.stderr).not.toContain('MaxListenersExceededWarning');
  });
});
