/** actors.data encrypted at rest in a real Postgres: round trip, tamper detection, key rotation. */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseKeyRing } from '../../src/adapters/crypto';
import { ActorRepository, actorDataCodec } from '../../src/adapters/pg';
import { assertBuilt, runCli } from '../support/cli';
import { migratedDatabase, outputOf, type TestDatabase } from '../support/pg';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const ringA = `a:${keyA}`;
const ringBA = `b:${keyB},a:${keyA}`;

let db: TestDatabase;

function repoWith(ring: string | undefined): ActorRepository {
  return new ActorRepository({
    pool: db.pool,
    registries: db.registries.compiled,
    codec: actorDataCodec(ring === undefined ? undefined : parseKeyRing(ring)),
  });
}

async function rawData(actorId: string): Promise<Record<string, unknown>> {
  const result = await db.pool.query('SELECT data FROM actors WHERE id = $1', [actorId]);
  return result.rows[0].data;
}

beforeAll(async () => {
  assertBuilt();
  db = await migratedDatabase('encryption');
});
afterAll(async () => {
  await db.close();
});

describe('encryption at rest', () => {
  it('stores actors.data as an AES-256-GCM envelope and decrypts it on read', async () => {
    const repo = repoWith(ringA);
    await repo.upsertActor('hero', { name: 'Lin Feng', guild: 'Azure' });
    const raw = await rawData('hero');
    expect(Object.keys(raw).sort()).toEqual(['ct', 'iv', 'kid', 'tag']);
    expect(raw.kid).toBe('a');
    expect(JSON.stringify(raw)).not.toContain('Lin Feng');
    expect((await repo.getActor('hero'))!.data).toEqual({ name: 'Lin Feng', guild: 'Azure' });
  });

  it('encrypts the metadata of an actor created by its first subsystem output', async () => {
    await repoWith(ringA).putSubsystem('created', outputOf('items'));
    expect((await rawData('created')).kid).toBe('a');
  });

  it('fails clearly, never with garbage, under a wrong key or on a tampered row', async () => {
    await repoWith(ringA).upsertActor('victim', { gold: 100 });
    const wrongKey = repoWith(`a:${randomBytes(32).toString('base64')}`);
    await expect(wrongKey.getActor('victim')).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });

    const raw = await rawData('victim');
    const ct = Buffer.from(raw.ct as string, 'base64');
    ct[0] = ct[0]! ^ 1;
    await db.pool.query('UPDATE actors SET data = $2 WHERE id = $1', [
      'victim',
      JSON.stringify({ ...raw, ct: ct.toString('base64') }),
    ]);
    await expect(repoWith(ringA).getActor('victim')).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  it('detects an envelope moved to another actor’s row', async () => {
    const repo = repoWith(ringA);
    await repo.upsertActor('source', { secret: 1 });
    await repo.upsertActor('target', { secret: 2 });
    await db.pool.query(
      "UPDATE actors SET data = (SELECT data FROM actors WHERE id = 'source') WHERE id = 'target'",
    );
    await expect(repo.getActor('target')).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  it('says the row is encrypted when ENCRYPTION_KEY is not configured', async () => {
    await repoWith(ringA).upsertActor('sealed', { x: 1 });
    await expect(repoWith(undefined).getActor('sealed')).rejects.toMatchObject({ code: 'UNKNOWN_KEY_ID' });
  });

  it('rotate-keys re-encrypts every row under the newest key, plaintext rows included', async () => {
    await db.pool.query('DELETE FROM actors');
    await repoWith(ringA).upsertActor('old-1', { n: 1 });
    await repoWith(ringA).upsertActor('old-2', { n: 2 });
    await repoWith(undefined).upsertActor('plain', { n: 3 });

    const result = runCli(['rotate-keys', '--batch', '2'], '', {
      DATABASE_URL: db.url,
      ENCRYPTION_KEY: ringBA,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('rotated 3 of 3 actors to the newest key\n');

    const onlyB = repoWith(`b:${keyB}`);
    for (const [id, n] of [
      ['old-1', 1],
      ['old-2', 2],
      ['plain', 3],
    ] as const) {
      expect((await rawData(id)).kid).toBe('b');
      expect((await onlyB.getActor(id))!.data).toEqual({ n });
    }
    const again = runCli(['rotate-keys'], '', { DATABASE_URL: db.url, ENCRYPTION_KEY: ringBA });
    expect(again.stdout).toBe('rotated 0 of 3 actors to the newest key\n');
  });

  it('seed encrypts the actors it creates', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actor-core-enc-'));
    try {
      const file = path.join(dir, 'one.jsonl');
      fs.writeFileSync(
        file,
        `${JSON.stringify({ actorId: 'seeded', version: 4, subsystems: [outputOf('items')] })}\n`,
      );
      const result = runCli(['seed', '--input', file], '', { DATABASE_URL: db.url, ENCRYPTION_KEY: ringA });
      expect(result.code).toBe(0);
      expect((await rawData('seeded')).kid).toBe('a');
      expect((await repoWith(ringA).getActor('seeded'))!.data).toEqual({});
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a malformed ENCRYPTION_KEY before touching the database, without echoing it', () => {
    const result = runCli(['rotate-keys'], '', { DATABASE_URL: db.url, ENCRYPTION_KEY: 'a:not-a-key' });
    expect(result.code).toBe(2);
    // The configuration loader checks the key ring, so every command refuses it the same way.
    expect(result.stderr).toMatch(
      /^actor-core: INVALID_CONFIG: ENCRYPTION_KEY entry 1 \(kid "a"\): the key is not valid base64/,
    );
    expect(result.stderr).not.toContain('not-a-key');
  });
});
