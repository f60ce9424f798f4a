/** Actors and subsystem outputs in a real Postgres: versions bump in the same transaction as the write. */
import { ActorRepository } from '../../src/adapters/pg';
import { isActorCoreError } from '../../src/core';
import { migratedDatabase, outputOf, type TestDatabase } from '../support/pg';

let db: TestDatabase;
let repo: ActorRepository;

beforeAll(async () => {
  db = await migratedDatabase('actor_repository');
  repo = new ActorRepository({ pool: db.pool, registries: db.registries.compiled });
});
afterAll(async () => {
  await db.close();
});

async function storedOutputs(actorId: string): Promise<string[]> {
  const result = await db.pool.query('SELECT system_id FROM subsystems WHERE actor_id = $1 ORDER BY 1', [
    actorId,
  ]);
  return result.rows.map((r) => r.system_id as string);
}

describe('ActorRepository', () => {
  it('creates an actor at version 1 with its first output and bumps the version on each later write', async () => {
    expect(await repo.putSubsystem('first', outputOf('items'))).toBe(1);
    expect(await repo.putSubsystem('first', outputOf('talents'))).toBe(2);
    expect(await repo.putSubsystem('first', outputOf('items', 99))).toBe(3);
    expect(await storedOutputs('first')).toEqual(['items', 'talents']);
    const stored = await db.pool.query(
      "SELECT data FROM subsystems WHERE actor_id = 'first' AND system_id = 'items'",
    );
    expect(stored.rows[0].data.primary[0].value).toBe(99);
  });

  it('leaves version = initial + 100 after 100 concurrent writes to one actor', async () => {
    const { version: initial } = await repo.upsertActor('busy', { name: 'Busy' });
    const versions = await Promise.all(
      Array.from({ length: 100 }, (_, i) => repo.putSubsystem('busy', outputOf(`system_${i % 7}`, i))),
    );
    expect(new Set(versions).size).toBe(100);
    expect(Math.max(...versions)).toBe(initial + 100);
    expect((await repo.getActor('busy'))!.version).toBe(initial + 100);
  });

  it('refuses an invalid output before writing anything, naming the field', async () => {
    await repo.putSubsystem('strict', outputOf('items'));
    const bad = {
      ...outputOf('items'),
      primary: [{ dimension: 'strength', bucket: 'SIDEWAYS', value: 1, system: 'items' }],
    };
    const error = await repo.putSubsystem('strict', bad).catch((err: unknown) => err);
    expect(isActorCoreError(error) && error.toJSON()).toMatchObject({
      code: 'UNKNOWN_BUCKET',
      actorId: 'strict',
      field: 'subsystems[0].primary[0].bucket',
      subsystem: 'items',
    });
    expect((await repo.getActor('strict'))!.version).toBe(1);
  });

  it('refuses an actor id that cannot be a key', async () => {
    await expect(repo.putSubsystem('', outputOf('items'))).rejects.toMatchObject({
      code: 'INVALID_ACTOR_ID',
    });
    await expect(repo.putSubsystem('x'.repeat(256), outputOf('items'))).rejects.toMatchObject({
      code: 'INVALID_ACTOR_ID',
    });
  });

  it('bumps the version when an output is deleted, and not when there was none to delete', async () => {
    await repo.putSubsystem('shrinking', outputOf('items'));
    await repo.putSubsystem('shrinking', outputOf('buffs'));
    expect(await repo.deleteSubsystem('shrinking', 'items')).toBe(3);
    expect(await repo.deleteSubsystem('shrinking', 'items')).toBeUndefined();
    expect(await repo.deleteSubsystem('nobody', 'items')).toBeUndefined();
    expect((await repo.getActor('shrinking'))!.version).toBe(3);
    expect(await storedOutputs('shrinking')).toEqual(['buffs']);
  });

  it('replaces metadata without changing the version', async () => {
    expect(await repo.upsertActor('meta', { name: 'A' })).toEqual({ version: 1, created: true });
    await repo.putSubsystem('meta', outputOf('items'));
    expect(await repo.upsertActor('meta', { name: 'B' })).toEqual({ version: 2, created: false });
    expect(await repo.getActor('meta')).toMatchObject({ actorId: 'meta', version: 2, data: { name: 'B' } });
  });

  it('keeps actor_inputs equal to the stored outputs after every kind of write, raw SQL included', async () => {
    const inputsMatch = async (actorId: string): Promise<boolean> => {
      const result = await db.pool.query(
        `SELECT COALESCE((SELECT outputs::jsonb FROM actor_inputs WHERE actor_id = $1), '[]') @>
                COALESCE((SELECT jsonb_agg(data) FROM subsystems WHERE actor_id = $1), '[]')
            AND COALESCE((SELECT jsonb_agg(data) FROM subsystems WHERE actor_id = $1), '[]') @>
                COALESCE((SELECT outputs::jsonb FROM actor_inputs WHERE actor_id = $1), '[]') AS same`,
        [actorId],
      );
      return result.rows[0].same as boolean;
    };
    await repo.putSubsystem('mirrored', outputOf('items', 1));
    await repo.putSubsystem('mirrored', outputOf('buffs', 2));
    expect(await inputsMatch('mirrored')).toBe(true);
    await repo.putSubsystem('mirrored', outputOf('items', 3));
    expect(await inputsMatch('mirrored')).toBe(true);
    await repo.deleteSubsystem('mirrored', 'buffs');
    expect(await inputsMatch('mirrored')).toBe(true);
    await db.pool.query(
      `UPDATE subsystems SET data = jsonb_set(data, '{primary,0,value}', '42') WHERE actor_id = 'mirrored'`,
    );
    expect(await inputsMatch('mirrored')).toBe(true);
    const stored = await db.pool.query("SELECT outputs FROM actor_inputs WHERE actor_id = 'mirrored'");
    expect(JSON.parse(stored.rows[0].outputs)[0].primary[0].value).toBe(42);
    await db.pool.query("DELETE FROM subsystems WHERE actor_id = 'mirrored'");
    const emptied = await db.pool.query("SELECT outputs FROM actor_inputs WHERE actor_id = 'mirrored'");
    expect(emptied.rows[0].outputs).toBe('[]');
  });

  it('deletes an actor with its outputs and snapshot', async () => {
    await repo.putSubsystem('doomed', outputOf('items'));
    await db.pool.query(
      "INSERT INTO snapshots (actor_id, version, registry_version, snapshot) VALUES ('doomed', 1, 'r', '{}')",
    );
    expect(await repo.deleteActor('doomed')).toBe(true);
    expect(await repo.deleteActor('doomed')).toBe(false);
    const left = await db.pool.query(
      "SELECT (SELECT count(*) FROM subsystems WHERE actor_id = 'doomed') + (SELECT count(*) FROM snapshots WHERE actor_id = 'doomed') AS n",
    );
    expect(Number(left.rows[0].n)).toBe(0);
  });
});
