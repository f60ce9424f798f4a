/** `actor-core enqueue`: the CLI producer, against real Redis and Postgres. */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ActorRepository } from '../../src/adapters/pg';
import { assertBuilt, runCliAsync } from '../support/cli';
import { requiredEnv, uniquePrefix } from '../support/databases';
import { migratedDatabase, outputOf, type TestDatabase } from '../support/pg';

let db: TestDatabase;
let redis: Redis;
const queueName = `enqueue-cli-${process.pid}`;
const prefix = `{${uniquePrefix('enqueue-cli').replace(/[^A-Za-z0-9_.-]/g, '-')}}`;

beforeAll(async () => {
  assertBuilt();
  db = await migratedDatabase('enqueue_cli');
  redis = new Redis(requiredEnv('REDIS_URL'), { maxRetriesPerRequest: 1 });
  const actors = new ActorRepository({ pool: db.pool, registries: db.registries.compiled });
  for (const id of ['a1', 'a2', 'a3']) await actors.putSubsystem(id, outputOf('items'));
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await db.close();
});

const env = (): NodeJS.ProcessEnv => ({ DATABASE_URL: db.url, QUEUE_NAME: queueName, QUEUE_PREFIX: prefix });

async function waiting(): Promise<number> {
  const queue = new Queue(queueName, { connection: redis, prefix });
  try {
    return (await queue.getWaitingCount()) + (await queue.getPrioritizedCount());
  } finally {
    await queue.close();
  }
}

describe('actor-core enqueue', () => {
  it('enqueues the given ids in batch jobs', async () => {
    const result = await runCliAsync(['enqueue', '--ids', 'a1,a2,a3', '--batch', '2'], env());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('enqueued 3 actors in 2 jobs\n');
    expect(await waiting()).toBe(2);
  });

  it('enqueues every actor of Postgres with --all', async () => {
    const result = await runCliAsync(['enqueue', '--all', '--batch', '500'], env());
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('enqueued 3 actors in 1 jobs\n');
  });

  it('exits 2 naming the choice when no source or two sources are given', async () => {
    for (const args of [['enqueue'], ['enqueue', '--all', '--ids', 'a1']]) {
      const result = await runCliAsync(args, env());
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/give exactly one of --ids, --all, --input/);
    }
  });

  it('exits 3 (retry later) at once when Redis is down', async () => {
    const started = Date.now();
    const result = await runCliAsync(['enqueue', '--ids', 'a1'], {
      ...env(),
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/STORE_UNAVAILABLE: Redis is unavailable/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
