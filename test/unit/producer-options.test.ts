/**
 * The producer's options: the defaults it exports are the configuration's, and what a plain-JS caller
 * gets wrong is refused at construction, naming the field, before anything connects.
 */
import { Redis } from 'ioredis';
import { DEFAULT_SETTINGS, loadSettings } from '../../config/settings';
import {
  DEFAULT_QUEUE_NAME,
  DEFAULT_QUEUE_PREFIX,
  DEFAULT_QUEUE_SETTINGS,
  PRODUCER_COMMAND_TIMEOUT_MS,
  producerRedisOptions,
  ResolveProducer,
} from '../../src/producer';

// Never connects: every case is refused before the producer opens anything.
const connection = new Redis({ lazyConnect: true });
afterAll(() => connection.disconnect());

function refusal(options: unknown): unknown {
  try {
    new ResolveProducer(options as never);
  } catch (err) {
    return err;
  }
  return 'accepted';
}

describe('the producer defaults', () => {
  it('are the configuration defaults of the queue', () => {
    expect(DEFAULT_QUEUE_SETTINGS).toEqual(DEFAULT_SETTINGS.queue);
    expect(DEFAULT_QUEUE_SETTINGS).toEqual(loadSettings({}).queue);
    expect([DEFAULT_QUEUE_NAME, DEFAULT_QUEUE_PREFIX]).toEqual(['actor-resolve', '{actor-core}']);
  });

  it('bound each command of a producer connection to 5 s (the API’s producer uses the same constant)', () => {
    expect(producerRedisOptions.commandTimeout).toBe(5000);
    expect(PRODUCER_COMMAND_TIMEOUT_MS).toBe(producerRedisOptions.commandTimeout);
  });
});

describe('new ResolveProducer', () => {
  const queue = DEFAULT_QUEUE_SETTINGS;

  it.each([
    ['no options', undefined, 'options'],
    ['no connection', { queue }, 'options.connection'],
    ['no queue settings', { connection }, 'options.queue'],
    [
      'a queue without its prefix',
      { connection, queue: { ...queue, prefix: undefined } },
      'options.queue.prefix',
    ],
    ['a queue name only', { connection, queue: { name: 'q' } }, 'options.queue.prefix'],
    ['an empty queue name', { connection, queue: { ...queue, name: '' } }, 'options.queue.name'],
    ['a queue name with ":"', { connection, queue: { ...queue, name: 'a:b' } }, 'options.queue.name'],
    ['0 attempts', { connection, queue: { ...queue, attempts: 0 } }, 'options.queue.attempts'],
    [
      'a batch size in text',
      { connection, queue: { ...queue, batchSize: '500' } },
      'options.queue.batchSize',
    ],
    ['an unknown queue setting', { connection, queue: { ...queue, batch: 10 } }, 'options.queue.batch'],
    ['an unknown option', { connection, queue, pol: {} }, 'options.pol'],
    ['a command timeout of 0', { connection, queue, commandTimeoutMs: 0 }, 'options.commandTimeoutMs'],
  ])('refuses %s, naming the field', (_what, options, field) => {
    expect(refusal(options)).toMatchObject({ code: 'INVALID_CONFIG', permanent: true, field });
  });

  it('refuses a connection with a key prefix (BullMQ prefixes the queue keys itself)', () => {
    const prefixed = new Redis({ lazyConnect: true, keyPrefix: 'x:' });
    try {
      expect(refusal({ connection: prefixed, queue })).toMatchObject({
        code: 'INVALID_CONFIG',
        field: 'options.connection.keyPrefix',
      });
    } finally {
      prefixed.disconnect();
    }
  });

  it('says what a missing setting must be', () => {
    expect(refusal({ connection, queue: { name: 'q' } })).toMatchObject({
      message:
        'options.queue.prefix is missing: it must be the workers\' queue prefix (default "{actor-core}")',
    });
  });
});
