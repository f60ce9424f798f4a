/**
 * A producer whose Redis dies while an enqueue is in flight (the connection was ready when the call
 * began): the call must still fail as the producer promises — fast, with a retryable
 * STORE_UNAVAILABLE (API 503, CLI exit 3, "retry later" for library callers) — and the same producer
 * must enqueue again once Redis is back. The bulk-run suite met this at random during its Redis
 * restart; here the command is held in flight on purpose (CLIENT PAUSE WRITE) when Redis is killed.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { DEFAULT_SETTINGS } from '../../config/settings';
import { startLocalRedis, type LocalRedis } from '../../src/local-services';
import { producerRedisOptions, ResolveProducer } from '../../src/producer';
import { sleep, waitFor, within } from '../support/cluster';

jest.setTimeout(60_000);

let redis: LocalRedis | undefined;
const connections: Redis[] = [];
let producer: ResolveProducer | undefined;

afterEach(async () => {
  for (const connection of connections.splice(0)) connection.disconnect();
  if (producer !== undefined) await within(5000, 'producer.close()', producer.close()).catch(() => undefined);
  producer = undefined;
  await redis?.stop();
  redis = undefined;
});

function connect(url: string, options: RedisOptions = {}): Redis {
  // disconnectTimeout: a connection dropped while it reconnects leaves no 2 s timer behind.
  const connection = new Redis(url, { ...options, disconnectTimeout: 100 });
  connection.on('error', () => undefined);
  connections.push(connection);
  return connection;
}

describe('an enqueue in flight when Redis is killed', () => {
  it('rejects with a retryable STORE_UNAVAILABLE, and the producer enqueues again after the restart', async () => {
    redis = await startLocalRedis({ appendOnly: true });
    const connection = connect(redis.url, producerRedisOptions);
    producer = new ResolveProducer({
      connection,
      queue: { ...DEFAULT_SETTINGS.queue, name: 'in-flight' },
    });
    await producer.queue.waitUntilReady();
    expect(connection.status).toBe('ready');

    // The server holds write commands (BullMQ's add script among them) unanswered for 10 s.
    const admin = connect(redis.url);
    await admin.client('PAUSE', 10_000, 'WRITE');
    admin.disconnect();
    const outcome = producer.enqueueAtVersion('actor-1', 2).then(
      (jobId) => ({ resolved: jobId }),
      (err: unknown) => err,
    );
    await sleep(300);
    await redis.restart({ signal: 'SIGKILL', downtimeMs: 2000 });

    const err = await within(10_000, 'the in-flight enqueue', outcome);
    expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE', permanent: false });

    await waitFor('the producer connection to be ready again', () => connection.status === 'ready', 10_000);
    expect(await producer.enqueueAtVersion('actor-1', 2)).toBe('actor.actor-1.v2');
  });
});
