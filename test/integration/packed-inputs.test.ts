/**
 * actor_inputs.packed in a real Postgres: written beside the JSON by the seed and by putSubsystem,
 * unpacking to what the stored text parses to; cleared whenever a write leaves it behind the data
 * (raw SQL), so the workers then read the text; and loaded in place of the text.
 */
import { ActorRepository, loadActorLines } from '../../src/adapters/pg';
import { unpackText } from '../../src/adapters/packed-text';
import { seedWorkload } from '../support/cluster';
import { migratedDatabase, outputOf, type TestDatabase } from '../support/pg';

let db: TestDatabase;
let actors: ActorRepository;

beforeAll(async () => {
  db = await migratedDatabase('packed_inputs');
  actors = new ActorRepository({ pool: db.pool, registries: db.registries.compiled });
});
afterAll(async () => {
  await db.close();
});

/** Per actor: its stored text parsed, and its packed form unpacked (undefined when NULL). */
async function storedForms(ids: readonly string[]): Promise<Map<string, { text: unknown; packed: unknown }>> {
  const rows = await db.pool.query<{ actor_id: string; outputs: string; packed: string | null }>(
    'SELECT actor_id, outputs, packed FROM actor_inputs WHERE actor_id = ANY($1::varchar[])',
    [ids],
  );
  return new Map(
    rows.rows.map((r) => [
      r.actor_id,
      { text: JSON.parse(r.outputs), packed: r.packed === null ? undefined : unpackText(r.packed) },
    ]),
  );
}

describe('packed inputs', () => {
  it('are written by the seed for every standard actor and unpack to the stored JSON, key order included', async () => {
    const ids = await seedWorkload(db, 60, 21);
    const forms = await storedForms(ids);
    expect(forms.size).toBe(60);
    for (const [id, { text, packed }] of forms) {
      expect([id, JSON.stringify(packed)]).toEqual([id, JSON.stringify(text)]);
    }
    const loaded = await loadActorLines(db.pool, ids.slice(0, 5));
    expect(loaded.actors.map((a) => a.outputs[0])).toEqual(Array(5).fill('P'));
    const asText = await loadActorLines(db.pool, ids.slice(0, 5), { text: true });
    expect(asText.actors.map((a) => a.outputs[0])).toEqual(Array(5).fill('['));
  });

  it('are stored in the actor_inputs row itself, not in TOAST', async () => {
    await seedWorkload(db, 40, 22);
    const layout = await db.pool.query<{ heap: string; packed: string; storage: string }>(
      `SELECT pg_relation_size('actor_inputs') AS heap,
              (SELECT sum(octet_length(packed)) FROM actor_inputs) AS packed,
              (SELECT attstorage FROM pg_attribute
                WHERE attrelid = 'actor_inputs'::regclass AND attname = 'packed') AS storage`,
    );
    const { heap, packed, storage } = layout.rows[0]!;
    expect(storage).toBe('m');
    // Out of line, the heap would hold a pointer of 18 bytes per row (a few kB in all), not the text.
    expect(Number(packed)).toBeGreaterThan(40 * 4000);
    expect(Number(heap)).toBeGreaterThanOrEqual(Number(packed));
  });

  it('are kept by putSubsystem, output by output', async () => {
    await actors.putSubsystem('p1', outputOf('items', 10));
    await actors.putSubsystem('p1', outputOf('gear', 5, 'agility'));
    await actors.putSubsystem('p1', outputOf('items', 12));
    const { text, packed } = (await storedForms(['p1'])).get('p1')!;
    expect(JSON.stringify(packed)).toBe(JSON.stringify(text));
    expect((packed as { meta: { system: string } }[]).map((o) => o.meta.system).sort()).toEqual([
      'gear',
      'items',
    ]);
  });

  it('are cleared by a write that changes the data without them, and the text is loaded instead', async () => {
    await actors.putSubsystem('raw', outputOf('items', 10));
    await actors.putSubsystem('raw', outputOf('gear', 5));
    expect((await storedForms(['raw'])).get('raw')!.packed).toBeDefined();

    await db.pool.query(
      `UPDATE subsystems SET data = jsonb_set(data, '{primary,0,value}', '99') WHERE actor_id = 'raw' AND system_id = 'gear'`,
    );
    const afterUpdate = (await storedForms(['raw'])).get('raw')!;
    expect(afterUpdate.packed).toBeUndefined();
    expect(JSON.stringify(afterUpdate.text)).toContain('"value":99');
    const packedRows = await db.pool.query<{ system_id: string; has: boolean }>(
      `SELECT system_id, packed IS NOT NULL AS has FROM subsystems WHERE actor_id = 'raw' ORDER BY system_id`,
    );
    expect(packedRows.rows).toEqual([
      { system_id: 'gear', has: false },
      { system_id: 'items', has: true },
    ]);
    const [loaded] = (await loadActorLines(db.pool, ['raw'])).actors;
    expect(loaded!.outputs[0]).toBe('[');

    // Written again through the app: packed again.
    await actors.putSubsystem('raw', outputOf('gear', 6));
    const rewritten = (await storedForms(['raw'])).get('raw')!;
    expect(JSON.stringify(rewritten.packed)).toBe(JSON.stringify(rewritten.text));
  });

  it('are absent after a raw insert without them, and empty for an actor without outputs', async () => {
    await actors.putSubsystem('ins', outputOf('items', 10));
    await db.pool.query(
      `INSERT INTO subsystems (actor_id, system_id, data) VALUES ('ins', 'gear', $1::jsonb)`,
      [JSON.stringify(outputOf('gear', 3))],
    );
    expect((await storedForms(['ins'])).get('ins')!.packed).toBeUndefined();

    await actors.putSubsystem('gone', outputOf('items', 1));
    await actors.deleteSubsystem('gone', 'items');
    expect((await storedForms(['gone'])).get('gone')).toEqual({ text: [], packed: [] });
  });
});
