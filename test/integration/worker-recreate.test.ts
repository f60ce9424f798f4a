/**
 * An actor deleted and created again under its id continues above its old version, so the snapshot its
 * old incarnation left in Redis cannot block the new ones; and a batch whose Redis guard kept a newer
 * snapshot reports the actor `stale`, not `written`.
 */
import { plaintextCodec } from '../../src/adapters/pg';
import { deleteActorEverywhere } from '../../src/producer';
import { seedActors } from '../../src/seed/seed-actors';
import { resolveBatch } from '../../src/worker/resolve-batch';
import { inProcessBatch } from '../support/in-process-batch';
import { outputOf } from '../support/pg';
import { useWorkerStores } from '../support/worker-stores';

const s = useWorkerStores('worker_recreate', 'test-recreate');

const batchDeps = (): ReturnType<typeof inProcessBatch> => inProcessBatch(s.db, s.redis, s.prefix);

const strength = (json: string | undefined): unknown =>
  json ? JSON.parse(json).Primary.strength : undefined;

describe('an actor deleted and created again', () => {
  it('continues above its old version, and its new snapshot replaces the old one in Redis', async () => {
    const deps = batchDeps();
    const id = 'phoenix';
    for (let i = 1; i <= 3; i++) await s.actors.putSubsystem(id, outputOf('items', 100 * i));
    expect((await resolveBatch(deps, { actorIds: [id], enqueuedAt: 0 }, 'job-1')).outcomes).toEqual({
      [id]: 'written',
    });
    expect((await deps.cache.get(id))?.version).toBe(3);

    expect(await s.actors.deleteActor(id)).toBe(true);
    // Its write job is `actor.phoenix.v4`, not the old incarnation's `actor.phoenix.v1`.
    expect(await s.actors.putSubsystem(id, outputOf('items', 7))).toBe(4);
    const result = await resolveBatch(deps, { actorIds: [id], enqueuedAt: 0 }, 'job-2');
    expect(result.outcomes).toEqual({ [id]: 'written' });
    const cached = await deps.cache.get(id);
    expect(cached?.version).toBe(4);
    expect(strength(cached?.snapshotJson)).toBe(7);
  });

  it('deleted from both stores, it is no longer served from Redis', async () => {
    const deps = batchDeps();
    const id = 'gone';
    await s.actors.putSubsystem(id, outputOf('items', 5));
    await resolveBatch(deps, { actorIds: [id], enqueuedAt: 0 }, 'job-gone');
    expect(await deps.cache.get(id)).toBeDefined();
    expect(await deleteActorEverywhere({ actors: s.actors, cache: deps.cache }, id)).toBe(true);
    expect(await deps.cache.get(id)).toBeUndefined();
    expect(await deps.cache.getSnapshot(id)).toBeUndefined(); // nor read through from Postgres
    expect(await s.actors.getActor(id)).toBeUndefined();
    // Again: nothing left, and a cached leftover would be removed all the same.
    await s.redis.set(`${s.prefix}:snapshot:${id}`, 'leftover');
    expect(await deleteActorEverywhere({ actors: s.actors, cache: deps.cache }, id)).toBe(false);
    expect(await s.redis.exists(`${s.prefix}:snapshot:${id}`)).toBe(0);
  });

  it('continues above its old version when it is created again while its delete is not yet committed', async () => {
    const id = 'racer';
    for (let i = 1; i <= 5; i++) await s.actors.putSubsystem(id, outputOf('items', i));
    const deleter = await s.db.pool.connect();
    try {
      await deleter.query('BEGIN');
      await deleter.query('DELETE FROM actors WHERE id = $1', [id]);
      // The app's own upsert, in another session: it must wait for the delete, then see its floor.
      const recreated = s.actors.upsertActor(id, { name: 'again' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await deleter.query('COMMIT');
      expect(await recreated).toEqual({ version: 6, created: true });
    } finally {
      deleter.release();
    }
  });

  it('continues above every incarnation, whichever way it is created', async () => {
    await s.actors.putSubsystem('meta-first', outputOf('items', 1));
    await s.actors.putSubsystem('meta-first', outputOf('items', 2));
    await s.actors.deleteActor('meta-first');
    expect(await s.actors.upsertActor('meta-first', { name: 'again' })).toEqual({
      version: 3,
      created: true,
    });
    await s.actors.deleteActor('meta-first');
    expect((await s.actors.upsertActor('meta-first', {})).version).toBe(4);

    await seedActors({
      pool: s.db.pool,
      lines: (async function* () {
        yield JSON.stringify({ actorId: 'seeded', version: 9, subsystems: [outputOf('items', 1)] });
      })(),
      registries: s.db.registries.compiled,
      codec: plaintextCodec,
    });
    await s.actors.deleteActor('seeded');
    const reseed = async (version: number): Promise<number | undefined> => {
      await seedActors({
        pool: s.db.pool,
        lines: (async function* () {
          yield JSON.stringify({ actorId: 'seeded', version, subsystems: [outputOf('items', 2)] });
        })(),
        registries: s.db.registries.compiled,
        codec: plaintextCodec,
      });
      return (await s.actors.getActor('seeded'))?.version;
    };
    expect(await reseed(1)).toBe(10); // below the floor: raised above it
    await s.actors.deleteActor('seeded');
    expect(await reseed(50)).toBe(50); // above it: kept
  });
});

describe('a batch whose Redis guard keeps a newer snapshot', () => {
  it('reports the actor stale, not written', async () => {
    const deps = batchDeps();
    await s.actors.putSubsystem('behind', outputOf('items', 5));
    await s.actors.putSubsystem('ahead', outputOf('items', 5));
    // Redis holds a newer version of `ahead` than Postgres has (another writer got there first).
    await deps.cache.set({
      actorId: 'ahead',
      version: 99,
      registryVersion: s.db.registries.registryVersion,
      snapshotJson: '{"Primary":{"strength":1}}',
    });
    const result = await resolveBatch(deps, { actorIds: ['behind', 'ahead'], enqueuedAt: 0 }, 'job-3');
    expect(result.outcomes).toEqual({ behind: 'written', ahead: 'stale' });
    expect(result.counts).toMatchObject({ written: 1, stale: 1 });
    expect((await deps.cache.get('ahead'))?.version).toBe(99);
  });
});
