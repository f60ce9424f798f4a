/** Snapshot writes (version-guarded, one statement) and the workers' bulk load, in a real Postgres. */
import { ActorRepository, actorLine, loadActorLines, SnapshotRepository } from '../../src/adapters/pg';
import { resolveActorLine } from '../../src/core';
import type { SnapshotRecord } from '../../src/adapters/snapshot-record';
import { migratedDatabase, outputOf, type TestDatabase } from '../support/pg';

let db: TestDatabase;
let actors: ActorRepository;
let snapshots: SnapshotRepository;

beforeAll(async () => {
  db = await migratedDatabase('snapshots');
  actors = new ActorRepository({ pool: db.pool, registries: db.registries.compiled });
  snapshots = new SnapshotRepository(db.pool);
  for (const id of ['a', 'b', 'c', 'd']) await actors.putSubsystem(id, outputOf('items', 10));
});
afterAll(async () => {
  await db.close();
});

function record(
  actorId: string,
  version: number,
  strength: number,
  registryVersion = 'r1-test',
): SnapshotRecord {
  return {
    actorId,
    version,
    registryVersion,
    snapshotJson: JSON.stringify({ Primary: { strength }, Derived: {}, CapsUsed: {}, Version: version }),
  };
}

async function stored(actorId: string): Promise<{ version: number; registry: string; strength: number }> {
  const [row] = await snapshots.loadSnapshots([actorId]);
  return {
    version: row!.version,
    registry: row!.registryVersion,
    strength: JSON.parse(row!.snapshotJson).Primary.strength,
  };
}

describe('SnapshotRepository.writeSnapshots', () => {
  it('writes a batch and reads it back', async () => {
    const result = await snapshots.writeSnapshots([record('a', 5, 50), record('b', 5, 51)]);
    expect(result.written.sort()).toEqual(['a', 'b']);
    expect(result.skipped).toEqual([]);
    expect(await stored('a')).toEqual({ version: 5, registry: 'r1-test', strength: 50 });
  });

  it('never replaces a newer stored version with an older one, and reports the skip', async () => {
    await snapshots.writeSnapshots([record('c', 7, 70)]);
    const result = await snapshots.writeSnapshots([record('c', 6, 60), record('b', 6, 61)]);
    expect(result).toEqual({ written: ['b'], skipped: ['c'] });
    expect(await stored('c')).toEqual({ version: 7, registry: 'r1-test', strength: 70 });
  });

  it('overwrites the same version (a re-resolution under a new registry)', async () => {
    await snapshots.writeSnapshots([record('d', 3, 30, 'r1-old')]);
    await snapshots.writeSnapshots([record('d', 3, 31, 'r1-new')]);
    expect(await stored('d')).toEqual({ version: 3, registry: 'r1-new', strength: 31 });
  });

  it('keeps the newest of two records of one actor in the same batch', async () => {
    const result = await snapshots.writeSnapshots([record('a', 9, 90), record('a', 8, 80)]);
    expect(result).toEqual({ written: ['a'], skipped: ['a'] });
    expect((await stored('a')).version).toBe(9);
  });

  it('skips actors that no longer exist instead of failing the batch', async () => {
    const result = await snapshots.writeSnapshots([record('ghost', 1, 1), record('b', 10, 100)]);
    expect(result).toEqual({ written: ['b'], skipped: ['ghost'] });
  });

  it('stores each snapshot of a batch whole: non-ASCII text, and raw newlines only as whitespace', async () => {
    for (const id of ['n1', 'n2']) await actors.putSubsystem(id, outputOf('items'));
    const pretty = JSON.stringify(
      { Primary: { strength: 1.5 }, Derived: {}, CapsUsed: {}, Version: 9 },
      null,
      2,
    );
    const accented = JSON.stringify({ Primary: { strength: 2 }, Derived: { tốc_độ: 0.25 }, Version: 9 });
    const result = await snapshots.writeSnapshots([
      { actorId: 'n1', version: 9, registryVersion: 'r-é', snapshotJson: pretty },
      { actorId: 'n2', version: 9, registryVersion: 'r-é', snapshotJson: accented },
    ]);
    expect(result.written.sort()).toEqual(['n1', 'n2']);
    const rows = new Map((await snapshots.loadSnapshots(['n1', 'n2'])).map((r) => [r.actorId, r]));
    expect(JSON.parse(rows.get('n1')!.snapshotJson)).toEqual(JSON.parse(pretty));
    expect(rows.get('n2')!.snapshotJson).toBe(accented);
    expect(rows.get('n2')!.registryVersion).toBe('r-é');
  });

  it('refuses a batch holding an empty snapshot text, naming the actor, and writes none of it', async () => {
    await snapshots.writeSnapshots([record('n1', 20, 200)]);
    await expect(
      snapshots.writeSnapshots([record('n1', 21, 210), { ...record('n2', 21, 211), snapshotJson: '' }]),
    ).rejects.toThrow(/snapshot of n2: snapshotJson must be a non-empty JSON text/);
    expect(await stored('n1')).toEqual({ version: 20, registry: 'r1-test', strength: 200 });
  });

  it('rejects a batch holding a text that is not JSON, and writes none of it', async () => {
    await expect(
      snapshots.writeSnapshots([
        record('n1', 22, 220),
        { ...record('n2', 22, 221), snapshotJson: '{"Primary":' },
      ]),
    ).rejects.toThrow(/json/i);
    expect(await stored('n1')).toEqual({ version: 20, registry: 'r1-test', strength: 200 });
  });

  it('leaves the newest version whatever order concurrent batches arrive in', async () => {
    await actors.putSubsystem('race', outputOf('items'));
    const versions = Array.from({ length: 30 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    await Promise.all(versions.map((v) => snapshots.writeSnapshots([record('race', v, v)])));
    expect(await stored('race')).toMatchObject({ version: 30, strength: 30 });
  });
});

describe('loadActorLines', () => {
  it('loads actors with all their outputs as resolvable lines, in one query, and names the missing', async () => {
    await actors.putSubsystem('loaded', outputOf('items', 10));
    await actors.putSubsystem('loaded', outputOf('buffs', 5));
    const result = await loadActorLines(db.pool, ['loaded', 'nobody']);
    expect(result.missing).toEqual(['nobody']);
    expect(result.actors).toHaveLength(1);
    const [actor] = result.actors;
    expect(actor).toMatchObject({ actorId: 'loaded', version: 2 });
    const resolved = resolveActorLine(actorLine(actor!), db.registries.compiled);
    expect(resolved).toMatchObject({
      actorId: 'loaded',
      snapshot: { Primary: { strength: 15 }, Version: 2 },
    });
  });

  it('gives an actor without outputs an empty list', async () => {
    await actors.upsertActor('bare', {});
    const {
      actors: [bare],
    } = await loadActorLines(db.pool, ['bare']);
    expect(bare!.outputs).toBe('[]');
    expect(JSON.parse(actorLine(bare!))).toEqual({ actorId: 'bare', version: 1, subsystems: [] });
  });
});
