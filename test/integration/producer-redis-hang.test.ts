/**
 * A Redis that stops answering (connected but silent: a stopped or partitioned server) or that cannot
 * be reached must not hang the producer: every call fails in bounded time with a retryable
 * STORE_UNAVAILABLE, waitForResults' timeout covers connecting, and close() always finishes.
 */
import { producerRedisOptions } from '../../src/producer';
import { within } from '../support/cluster';
import { closeAll, connect, openProducer, testQueue } from '../support/producer';
import { startRedisProxy, type RedisProxy } from '../support/redis-proxy';

jest.setTimeout(30_000);

const retryable = { code: 'STORE_UNAVAILABLE', permanent: false };
let proxy: RedisProxy | undefined;

afterEach(async () => {
  proxy?.resume();
  await closeAll();
  await proxy?.close();
  proxy = undefined;
});

/** How a call settled: its error, or 'resolved'. */
function outcome(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => 'resolved',
    (err: unknown) => err,
  );
}

describe('a Redis that stops answering', () => {
  it('fails every enqueue within the producer’s command timeout, even on a connection without one', async () => {
    proxy = await startRedisProxy();
    // The caller's connection has no command timeout of its own: the producer bounds its commands.
    const connection = connect(`redis://127.0.0.1:${proxy.port}`, { commandTimeout: undefined });
    const producer = openProducer({ connection, queue: testQueue('producer-hang'), commandTimeoutMs: 500 });
    await producer.enqueueResolve(['warm-1', 'warm-2']);

    proxy.hang();
    const started = Date.now();
    const errors = await within(
      10_000,
      'the calls while Redis hangs',
      Promise.all([
        outcome(producer.enqueueResolve(['a', 'b'])),
        outcome(producer.enqueueResolve(['c'])),
        outcome(producer.enqueueResolve(['d'], { priority: 'change' })),
        outcome(producer.enqueueAtVersion('a', 2)),
      ]),
    );
    for (const err of errors) expect(err).toMatchObject(retryable);
    expect(errors[0]).toMatchObject({ message: expect.stringMatching(/did not answer within 500 ms/) });
    expect(Date.now() - started).toBeLessThan(3000);
    await within(2000, 'close()', producer.close());
  });

  it('fails an enqueue within 5 s by default on a connection made with producerRedisOptions', async () => {
    proxy = await startRedisProxy();
    const connection = connect(`redis://127.0.0.1:${proxy.port}`, producerRedisOptions);
    const producer = openProducer({ connection, queue: testQueue('producer-hang-default') });
    await producer.enqueueAtVersion('warm', 1);

    proxy.hang();
    const started = Date.now();
    const err = await within(10_000, 'the enqueue', outcome(producer.enqueueAtVersion('a', 1)));
    expect(err).toMatchObject(retryable);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
    expect(Date.now() - started).toBeLessThan(7000);
  });

  it('ends waitForResults at its timeout while the events reader connects to the hung server; close() finishes', async () => {
    proxy = await startRedisProxy();
    const connection = connect(`redis://127.0.0.1:${proxy.port}`);
    const producer = openProducer({ connection, queue: testQueue('producer-hang-wait') });
    const { jobIds } = await producer.enqueueResolve(['a', 'b']);

    proxy.hang();
    const started = Date.now();
    const err = await within(10_000, 'waitForResults', outcome(producer.waitForResults(jobIds, 1000)));
    expect(err).toMatchObject({
      ...retryable,
      message: expect.stringMatching(/^jobs not finished after 1000 ms/),
    });
    expect(Date.now() - started).toBeLessThan(3000);
    await within(2000, 'close()', producer.close());
  });
  it('closes within seconds when Redis hangs after the events readers connected', async () => {
    proxy = await startRedisProxy();
    const producer = openProducer({
      connection: connect(`redis://127.0.0.1:${proxy.port}`),
      queue: testQueue('producer-hang-close'),
    });
    await producer.allQueueEvents();
    proxy.hang();
    await within(5000, 'close()', producer.close());
  });
});

describe('a Redis that cannot be reached', () => {
  it('ends waitForResults at its timeout saying why, and close() finishes', async () => {
    proxy = await startRedisProxy();
    const url = `redis://127.0.0.1:${proxy.port}`;
    await proxy.close(); // nothing listens on the port any more
    const producer = openProducer({ connection: connect(url), queue: testQueue('producer-unreachable') });

    const started = Date.now();
    const err = await within(10_000, 'waitForResults', outcome(producer.waitForResults(['1', 'i.x'], 1000)));
    expect(err).toMatchObject({ ...retryable, message: expect.stringMatching(/ECONNREFUSED/) });
    expect(Date.now() - started).toBeLessThan(3000);
    await within(2000, 'close()', producer.close());
  });
});
