/**
 * The producer's calls from a caller that TypeScript does not check: wrong arguments are refused with
 * a permanent error naming the field, before anything is enqueued; a closed producer refuses every
 * call and opens nothing; and concurrent calls add no listeners per call.
 */
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { ProducerClosedError } from '../../src/producer';
import { sleep } from '../support/cluster';
import { requiredEnv } from '../support/databases';
import { closeAll, connect, openProducer, testQueue } from '../support/producer';

jest.setTimeout(30_000);

afterEach(closeAll);

/** The error a call rejected with (or 'resolved'). */
function refusal(call: () => Promise<unknown>): Promise<unknown> {
  return Promise.resolve()
    .then(call)
    .then(
      () => 'resolved',
      (err: unknown) => err,
    );
}

describe('a call with wrong arguments', () => {
  it.each([
    ['an unknown priority', ['a', 'b'], { priority: 'urgent' }, 'INVALID_PRIORITY', 'options.priority'],
    ['a priority in the wrong case', ['a'], { priority: 'Bulk' }, 'INVALID_PRIORITY', 'options.priority'],
    ['force as text', ['a', 'b'], { force: 'no' }, 'INVALID_TYPE', 'options.force'],
    ['a batch size of 0', ['a', 'b'], { batchSize: 0 }, 'INVALID_CONFIG', 'options.batchSize'],
    ['an unknown option', ['a'], { prio: 'bulk' }, 'UNKNOWN_FIELD', 'options.prio'],
    ['one id instead of a list', 'actor-1', {}, 'INVALID_TYPE', 'actorIds'],
    ['null instead of a list', null, {}, 'INVALID_TYPE', 'actorIds'],
    ['a Set instead of a list', new Set(['a']), {}, 'INVALID_TYPE', 'actorIds'],
    ['a number among the ids', ['a', 42], {}, 'INVALID_ACTOR_ID', 'actorIds[1]'],
  ])(
    'refuses %s in enqueueResolve, naming the field, and enqueues nothing',
    async (_what, ids, options, code, field) => {
      const producer = openProducer({ connection: connect(), queue: testQueue('producer-bad-call') });
      const err = await refusal(() => producer.enqueueResolve(ids as never, options as never));
      expect(err).toMatchObject({ code, field, permanent: true });
      expect(await producer.queue.count()).toBe(0);
      expect(await producer.interactiveQueue.count()).toBe(0);
    },
  );

  it('refuses wrong arguments of enqueueAtVersion, enqueueAll and waitForResults', async () => {
    const producer = openProducer({ connection: connect(), queue: testQueue('producer-bad-calls') });
    const cases: Array<[() => Promise<unknown>, string, string]> = [
      [() => producer.enqueueAtVersion('a', '3' as never), 'INVALID_VERSION', 'version'],
      [
        () => producer.enqueueAtVersion('a', 1, { priority: 'urgnet' as never }),
        'INVALID_PRIORITY',
        'options.priority',
      ],
      [() => producer.enqueueAll({ stale: 'yes' as never }), 'INVALID_TYPE', 'filter.stale'],
      [() => producer.enqueueAll({ skipFailed: 1 as never }), 'INVALID_TYPE', 'filter.skipFailed'],
      [() => producer.enqueueAll({ failed: false } as never), 'UNKNOWN_FIELD', 'filter.failed'],
      [() => producer.waitForResults('abc' as never), 'INVALID_TYPE', 'jobIds'],
      [() => producer.waitForResults([7] as never), 'INVALID_TYPE', 'jobIds[0]'],
      // The queue's own meta hash, which BullMQ would read as a job.
      [() => producer.waitForResults(['1', 'meta']), 'INVALID_TYPE', 'jobIds[1]'],
      [() => producer.waitForResults(['1'], -1), 'INVALID_CONFIG', 'timeoutMs'],
    ];
    for (const [call, code, field] of cases) {
      expect(await refusal(call)).toMatchObject({ code, field, permanent: true });
    }
    expect(await producer.queue.count()).toBe(0);
  });
});

describe('a closed producer', () => {
  it('refuses every call with ProducerClosedError, opens no connection, and closes again at once', async () => {
    const queue = testQueue('producer-closed');
    const producer = openProducer({ connection: connect(), queue });
    await producer.enqueueResolve(['a', 'b']);
    await producer.close();

    for (const call of [
      () => producer.enqueueResolve(['c', 'd']),
      () => producer.enqueueAtVersion('c', 1),
      () => producer.enqueueAll(),
      () => producer.waitForResults(['1'], 2000),
      () => producer.allQueueEvents(),
    ]) {
      const err = await refusal(call);
      expect(err).toBeInstanceOf(ProducerClosedError);
      expect(err).toMatchObject({ code: 'PRODUCER_CLOSED', permanent: true });
    }
    await producer.close();
    expect(await producer.queue.count()).toBe(1);
    // No events reader was opened for the wait (its connection would carry the queue's name).
    await sleep(300);
    const admin = new Redis(requiredEnv('REDIS_URL'));
    try {
      expect(String(await admin.client('LIST'))).not.toContain(queue.prefix);
    } finally {
      admin.disconnect();
    }
  });
});

describe('waitForResults’ errors', () => {
  it('says JOB_FAILED with the reason for a job that failed for good, JOB_NOT_FOUND for an unknown id', async () => {
    const queue = testQueue('producer-wait-codes');
    const producer = openProducer({ connection: connect(), queue });
    const { jobIds } = await producer.enqueueResolve(['a', 'b']);
    const url = new URL(requiredEnv('REDIS_URL'));
    const worker = new Worker(
      queue.name,
      async () => {
        throw new UnrecoverableError('disk on fire');
      },
      {
        connection: { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null },
        prefix: queue.prefix,
      },
    );
    worker.on('error', () => undefined);
    try {
      expect(await refusal(() => producer.waitForResults(jobIds, 10_000))).toMatchObject({
        code: 'JOB_FAILED',
        permanent: true,
        message: `job ${jobIds[0]} failed: disk on fire`,
      });
    } finally {
      await worker.close();
    }
    expect(await refusal(() => producer.waitForResults(['987654'], 10_000))).toMatchObject({
      code: 'JOB_NOT_FOUND',
      permanent: true,
    });
  });

  it('says WAIT_TIMEOUT, retryable, when the jobs are readable but not finished in time', async () => {
    const producer = openProducer({ connection: connect(), queue: testQueue('producer-wait-timeout') });
    const { jobIds } = await producer.enqueueResolve(['a']);
    expect(await refusal(() => producer.waitForResults(jobIds, 500))).toMatchObject({
      code: 'WAIT_TIMEOUT',
      permanent: false,
      message: `jobs not finished after 500 ms: ${jobIds[0]}`,
    });
  });
});

describe('concurrent calls', () => {
  let warnings: Error[] = [];
  const onWarning = (warning: Error): number => warnings.push(warning);
  beforeEach(() => {
    warnings = [];
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });

  it('add no listeners per call, on the caller’s connection or on the events readers', async () => {
    const connection = connect();
    const queue = testQueue('producer-listeners');
    const producer = openProducer({ connection, queue });
    // 20 enqueues while the connection is still connecting, then 20 waits at once.
    const enqueued = await Promise.all(
      Array.from({ length: 20 }, (_, i) => producer.enqueueResolve([`a${i}`])),
    );
    const jobIds = enqueued.flatMap((r) => r.jobIds);
    await Promise.all(Array.from({ length: 20 }, () => refusal(() => producer.waitForResults(jobIds, 300))));
    const events = await producer.queueEvents('interactive');
    expect([events.listenerCount('completed'), events.listenerCount('failed')]).toEqual([1, 1]);
    await sleep(50); // warnings are emitted on the next tick
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('leave the caller’s connection as they found it when producers are created and closed on it', async () => {
    const connection = connect();
    await new Promise((resolve) => connection.once('ready', resolve));
    const before = connection.eventNames().map((name) => [name, connection.listenerCount(name)]);
    const max = connection.getMaxListeners();
    for (let i = 0; i < 15; i++) {
      const producer = openProducer({ connection, queue: testQueue('producer-many') });
      await producer.enqueueResolve(['a', 'b']);
      await producer.close();
    }
    expect(connection.eventNames().map((name) => [name, connection.listenerCount(name)])).toEqual(before);
    expect(connection.getMaxListeners()).toBe(max);
  });
});
