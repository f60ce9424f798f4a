/**
 * Why a producer cannot reach Redis: a refused password is a configuration error (INVALID_CONFIG,
 * permanent: the CLI exits 2, a retry cannot help), anything else an outage (a transient
 * STORE_UNAVAILABLE), and either way the message gives the connection's own reason. The password is
 * a server setting, so these tests run their own Redis.
 */
import { Redis } from 'ioredis';
import { startLocalRedis, type LocalRedis } from '../../src/local-services';
import { within } from '../support/cluster';
import { closeAll, connect, openProducer, testQueue } from '../support/producer';
import { startRedisProxy } from '../support/redis-proxy';

jest.setTimeout(60_000);

let redis: LocalRedis;
const PASSWORD = 'right-password';

beforeAll(async () => {
  redis = await startLocalRedis();
  const admin = new Redis(redis.url);
  await admin.config('SET', 'requirepass', PASSWORD);
  admin.disconnect();
});
afterEach(closeAll);
afterAll(async () => {
  await redis?.stop();
});

/** The errors of an enqueue, an enqueue at a version and a wait, made through `url`. */
async function errorsThrough(url: string): Promise<unknown[]> {
  const producer = openProducer({ connection: connect(url), queue: testQueue('producer-conn-errors') });
  const outcome = (call: Promise<unknown>): Promise<unknown> =>
    call.then(
      () => 'resolved',
      (err: unknown) => err,
    );
  return within(
    15_000,
    'the calls',
    Promise.all([
      outcome(producer.enqueueResolve(['a'])),
      outcome(producer.enqueueAtVersion('a', 1)),
      outcome(producer.waitForResults(['1'], 1000)),
    ]),
  );
}

describe('a producer that cannot reach Redis', () => {
  it('reports a wrong password as a configuration error, with the server’s reason', async () => {
    const errors = await errorsThrough(`redis://:wrong@127.0.0.1:${redis.port}`);
    for (const err of errors) {
      expect(err).toMatchObject({
        code: 'INVALID_CONFIG',
        permanent: true,
        field: 'connection',
        message: expect.stringMatching(/WRONGPASS/),
      });
    }
  });

  it('reports a missing password as a configuration error', async () => {
    const [err] = await errorsThrough(`redis://127.0.0.1:${redis.port}`);
    expect(err).toMatchObject({
      code: 'INVALID_CONFIG',
      permanent: true,
      message: expect.stringMatching(/NOAUTH/),
    });
  });

  it('reports a refused connection as a retryable outage that says so', async () => {
    const proxy = await startRedisProxy();
    const url = `redis://127.0.0.1:${proxy.port}`;
    await proxy.close(); // nothing listens on the port any more
    for (const err of await errorsThrough(url)) {
      expect(err).toMatchObject({
        code: 'STORE_UNAVAILABLE',
        permanent: false,
        message: expect.stringMatching(/^.*Redis is unavailable \(connection \w+: connect ECONNREFUSED/),
      });
    }
  });

  it('enqueues with the right password', async () => {
    const producer = openProducer({
      connection: connect(`redis://:${PASSWORD}@127.0.0.1:${redis.port}`),
      queue: testQueue('producer-conn-ok'),
    });
    expect(await producer.enqueueAtVersion('a', 1)).toBe('actor.a.v1');
  });
});
