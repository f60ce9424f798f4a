/**
 * What the actor repository (and the ActorWriter over it) refuses before writing: text Postgres cannot
 * store or would store as other text (a NUL, a lone surrogate), and a write that would move an actor
 * past the highest version a worker resolves. Each is a permanent ActorCoreError naming the field, and
 * leaves the database and the queue as they were.
 */
import { Redis } from 'ioredis';
import { ActorRepository } from '../../src/adapters/pg';
import { MAX_ACTOR_VERSION } from '../../src/adapters/pg/actor-version';
import { ActorCoreError } from '../../src/core/errors';
import { ActorWriter, ResolveProducer, producerRedisOptions } from '../../src/producer';
import { requiredEnv, uniquePrefix } from '../support/databases';
import { migratedDatabase, outputOf, type TestDatabase } from '../support/pg';

let db: TestDatabase;
let repo: ActorRepository;
let redis: Redis;
let producer: ResolveProducer;
const queue = {
  name: `write-refusals-${process.pid}`,
  prefix: `{${uniquePrefix('write-refusals').replace(/[^A-Za-z0-9_.-]/g, '-')}}`,
  batchSize: 500,
  attempts: 3,
  backoffMs: 1000,
};

beforeAll(async () => {
  db = await migratedDatabase('write_refusals');
  repo = new ActorRepository({ pool: db.pool, registries: db.registries.compiled });
  redis = new Redis(requiredEnv('REDIS_URL'), producerRedisOptions);
  redis.on('error', () => undefined);
  producer = new ResolveProducer({ connection: redis, queue });
});
afterAll(async () => {
  await producer.close();
  const keys = await redis.keys(`${queue.prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await db.close();
});

async function actorRows(pattern: string): Promise<{ id: string; version: string; outputs: string }[]> {
  const result = await db.pool.query(
    `SELECT id, version, (SELECT count(*) FROM subsystems s WHERE s.actor_id = a.id) AS outputs
     FROM actors a WHERE id LIKE $1 ORDER BY id`,
    [pattern],
  );
  return result.rows;
}

async function refusal(work: Promise<unknown>): Promise<ActorCoreError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ActorCoreError);
  expect((err as ActorCoreError).permanent).toBe(true);
  return err as ActorCoreError;
}

async function jobCount(): Promise<number> {
  let n = 0;
  for (const q of [producer.queue, producer.interactiveQueue])
    n += await q.getJobCountByTypes('waiting', 'prioritized');
  return n;
}

describe('text Postgres cannot store', () => {
  it('is refused in any field of an output before anything is written, naming the field', async () => {
    const withStage = { ...outputOf('items'), meta: { system: 'items', stage: 'pre\u0000' } };
    const withSystem = { ...outputOf('items'), meta: { system: 'items\ud800' } };
    const withTag = {
      ...outputOf('items'),
      caps: [
        {
          system: 'items',
          dimension: 'strength',
          mode: 'BASELINE',
          kind: 'max',
          value: 5,
          tags: ['t\u0000'],
        },
      ],
    };
    const cases: [unknown, string][] = [
      [withStage, 'meta.stage'],
      [withSystem, 'meta.system'],
      [withTag, 'caps[0].tags[0]'],
      [outputOf('items', 1, 'str\u0000ength'), 'primary[0].dimension'],
    ];
    for (const [output, field] of cases) {
      const err = await refusal(repo.putSubsystem('text-1', output));
      expect(err).toMatchObject({ code: 'INVALID_TYPE', field, actorId: 'text-1' });
      expect(err.message).toBe(`${field}: must not contain a NUL character or a lone surrogate`);
    }
    expect(await actorRows('text-%')).toEqual([]);
  });

  it('is refused in actor metadata', async () => {
    const err = await refusal(repo.upsertActor('text-2', { name: 'a\udc00' }));
    expect(err).toMatchObject({ code: 'INVALID_TYPE', field: 'data.name' });
    expect(await actorRows('text-2')).toEqual([]);
  });

  it('keeps two ids that differ only in a lone surrogate from becoming one actor (ActorWriter)', async () => {
    const writer = new ActorWriter(repo, producer);
    for (const id of ['dup\ud800', 'dup\udfff']) {
      const err = await refusal(writer.putSubsystem(id, outputOf('items')));
      expect(err).toMatchObject({ code: 'INVALID_ACTOR_ID', field: 'actorId' });
      expect(err.message).toContain(JSON.stringify(id));
    }
    expect(await actorRows('dup%')).toEqual([]);
    expect(await jobCount()).toBe(0);
    // A surrogate pair is ordinary text.
    const ok = await writer.putSubsystem('dup\ud83d\ude00', outputOf('items'));
    expect(ok.version).toBe(1);
  });

  it('is refused as a system id to delete, instead of deleting the output U+FFFD names', async () => {
    await repo.putSubsystem('text-3', outputOf('x\ufffd'));
    const err = await refusal(repo.deleteSubsystem('text-3', 'x\ud800'));
    expect(err).toMatchObject({ code: 'INVALID_TYPE', field: 'systemId', actorId: 'text-3' });
    expect(await actorRows('text-3')).toEqual([{ id: 'text-3', version: '1', outputs: '1' }]);
  });
});

describe('the highest version', () => {
  const atMax = async (id: string): Promise<void> => {
    await repo.putSubsystem(id, outputOf('items'));
    await db.pool.query('UPDATE actors SET version = $2 WHERE id = $1', [id, String(MAX_ACTOR_VERSION)]);
  };

  it('takes no write that would move an actor past it: refused, nothing changed', async () => {
    await atMax('max-1');
    const put = await refusal(repo.putSubsystem('max-1', outputOf('talents')));
    expect(put).toMatchObject({ code: 'INVALID_VERSION', field: 'version', actorId: 'max-1' });
    expect(put.message).toMatch(/past version 2\^53 − 1 \(9007199254740991\).*nothing was written/);
    const del = await refusal(repo.deleteSubsystem('max-1', 'items'));
    expect(del).toMatchObject({ code: 'INVALID_VERSION', actorId: 'max-1' });
    expect(await actorRows('max-1')).toEqual([
      { id: 'max-1', version: String(MAX_ACTOR_VERSION), outputs: '1' },
    ]);
  });

  it('refuses to create an actor again above a deleted incarnation at it', async () => {
    await atMax('max-2');
    expect(await repo.deleteActor('max-2')).toBe(true);
    const err = await refusal(repo.putSubsystem('max-2', outputOf('items')));
    expect(err).toMatchObject({ code: 'INVALID_VERSION', actorId: 'max-2' });
    const upsert = await refusal(repo.upsertActor('max-2', {}));
    expect(upsert).toMatchObject({ code: 'INVALID_VERSION', actorId: 'max-2' });
    expect(await actorRows('max-2')).toEqual([]);
  });

  it('still takes the write that reaches it exactly', async () => {
    await atMax('max-3');
    await db.pool.query('UPDATE actors SET version = version - 1 WHERE id = $1', ['max-3']);
    expect(await repo.putSubsystem('max-3', outputOf('talents'))).toBe(MAX_ACTOR_VERSION);
  });
});
