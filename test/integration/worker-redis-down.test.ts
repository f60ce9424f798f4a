/** A producer whose Redis is down fails fast: enqueueResolve rejects in seconds, it never hangs. */
import { freePort } from '../../src/local-services/free-port';
import { Redis } from 'ioredis';
import { DEFAULT_SETTINGS } from '../../config/settings';
import { producerRedisOptions, ResolveProducer } from '../../src/producer';
import { within } from '../support/cluster';
import { startRedisProxy } from '../support/redis-proxy';

// Real processes and servers: far above jest's default 5 s, well under a minute a file.
jest.setTimeout(60_000);

let connection: Redis | undefined;
let producer: ResolveProducer | undefined;
let cutProxy: (() => Promise<void>) | undefined;

function openProducer(port: number, name: string): ResolveProducer {
  // disconnectTimeout only shortens ioredis's timer for a socket that never opened (2 s by default),
  // so that nothing outlives the test file.
  connection = new Redis(`redis://127.0.0.1:${port}`, { ...producerRedisOptions, disconnectTimeout: 100 });
  connection.on('error', () => undefined);
  producer = new ResolveProducer({ connection, queue: { ...DEFAULT_SETTINGS.queue, name } });
  return producer;
}

/** What the promise settled with, or 'pending' after `ms`. */
async function settledWithin(ms: number, promise: Promise<unknown>): Promise<unknown> {
  return within(
    ms,
    'settling',
    promise.then(
      (value) => ({ resolved: value }),
      (err: unknown) => err,
    ),
  ).catch(() => 'pending');
}

afterEach(async () => {
  // Drop the connection first: a producer stuck waiting for it would make close() wait as well.
  connection?.disconnect();
  if (producer !== undefined) await within(5000, 'producer.close()', producer.close()).catch(() => undefined);
  await cutProxy?.();
  producer = undefined;
  connection = undefined;
  cutProxy = undefined;
});

describe('a producer when Redis is down', () => {
  it('rejects enqueueResolve within about 5 s when Redis is down from the start', async () => {
    const p = openProducer(await freePort(), 'redis-down-from-start');
    const started = Date.now();
    const outcome = await settledWithin(8000, p.enqueueResolve(['actor-1']));
    expect(outcome).toBeInstanceOf(Error); // not 'pending', not resolved
    expect(Date.now() - started).toBeLessThan(6000);
  }, 15_000);

  it('rejects enqueueResolve at once when Redis goes away after the producer connected', async () => {
    const proxy = await startRedisProxy();
    cutProxy = proxy.close;
    const p = openProducer(proxy.port, `redis-down-later-${process.pid}-${Date.now()}`);
    expect((await p.enqueueResolve(['actor-1'])).jobIds).toHaveLength(1);
    await p.queue.obliterate({ force: true });
    await proxy.close(); // Redis goes away

    const started = Date.now();
    const single = await settledWithin(8000, p.enqueueResolve(['actor-2']));
    const bulk = await settledWithin(8000, p.enqueueResolve(['a', 'b', 'c'], { batchSize: 2 }));
    expect(single).toBeInstanceOf(Error);
    expect(bulk).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(2000);
  }, 15_000);
});
