/** `actor-core enqueue`: the CLI producer, against real Redis and Postgres. */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ActorRepository } from '../../src/adapters/pg';
import { assertBuilt, cliBin, runCliAsync, runProcess, TempDir } from '../support/cli';
import { deleteKeysUnder, misconfiguredDatabaseUrls, requiredEnv, uniquePrefix } from '../support/databases';
import { migratedDatabase, outputOf, type TestDatabase } from '../support/pg';

let db: TestDatabase;
let redis: Redis;
const temp = new TempDir();
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
  await deleteKeysUnder(redis, prefix);
  redis.disconnect();
  await db.close();
  temp.cleanup();
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

  it('exits 2 at once, Redis closed, when --all has no DATABASE_URL (Redis up or down)', async () => {
    for (const redisUrl of [requiredEnv('REDIS_URL'), 'redis://127.0.0.1:1']) {
      const started = Date.now();
      // runProcess kills and rejects after 15 s: a command that never exits fails here.
      const result = await runProcess(
        process.execPath,
        [cliBin, 'enqueue', '--all'],
        { ...process.env, ...env(), DATABASE_URL: '', REDIS_URL: redisUrl },
        15_000,
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^actor-core: INVALID_CONFIG: DATABASE_URL is not set/);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  }, 40_000);

  it('exits 2 with one line naming the cause when the database or role does not exist', async () => {
    const { noDb, noRole } = misconfiguredDatabaseUrls(db.url);
    for (const [url, cause] of [
      [noDb, 'database "no_such_db" does not exist'],
      [noRole, 'role "no_such_role" does not exist'],
    ] as const) {
      const result = await runCliAsync(['enqueue', '--all'], { ...env(), DATABASE_URL: url.toString() });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^actor-core: INVALID_CONFIG: Postgres refused while listing actors/);
      expect(result.stderr).toContain(cause);
      expect(result.stderr).not.toContain('secret-pw');
    }
  }, 40_000);

  it('refuses flags it would ignore or that do not fit, with one line and exit 2, enqueueing nothing', async () => {
    const before = await waiting();
    const cases: [string[], RegExp][] = [
      [['--ids', 'a1', '--stale'], /--stale applies only with --all/],
      [['--ids', 'a1', '--skip-failed'], /--skip-failed applies only with --all/],
      [['--ids', ''], /--ids names no actor/],
      [['--ids', ' , ,'], /--ids names no actor/],
      [['--all', '--priority', 'interactive'], /--priority interactive cannot be used with --all/],
      [['--ids', 'a1', '--wait-timeout', '5'], /--wait-timeout applies only with --wait/],
      [['--ids', 'a1', '--wait', '--wait-timeout', '0'], /--wait-timeout must be a whole number of seconds/],
    ];
    for (const [args, message] of cases) {
      const result = await runCliAsync(['enqueue', ...args], env());
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    }
    expect(await waiting()).toBe(before);
  }, 40_000);

  it('refuses an --input id with a lone surrogate, naming the line, before connecting', async () => {
    const file = temp.write('ids.jsonl', '{"actorId":"a1"}\n{"actorId":"dup\\ud800"}\n');
    // Redis is down: the id is refused (exit 2) before any connection is tried (which would be exit 3).
    const result = await runCliAsync(['enqueue', '--input', file], {
      ...env(),
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/INVALID_ACTOR_ID: actorId must not contain a lone surrogate/);
    expect(result.stderr).toContain(`${file}:2`);
  }, 40_000);

  it('gives up waiting after --wait-timeout with one line and exit 3, the jobs left queued', async () => {
    const started = Date.now();
    // No worker serves this queue: the job never finishes.
    const result = await runCliAsync(['enqueue', '--ids', 'a1,a2', '--wait', '--wait-timeout', '1'], {
      ...env(),
      QUEUE_NAME: `${queueName}-unserved`,
    });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('enqueued 2 actors in 1 jobs\n');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^actor-core: WAIT_TIMEOUT: gave up waiting after 1 s \(--wait-timeout\)/);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 40_000);
});
