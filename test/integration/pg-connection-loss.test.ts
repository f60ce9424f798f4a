/** A Postgres connection lost in the middle of a transaction: a retryable error, never a crash. */
import pg from 'pg';
import { createPgPool, plaintextCodec } from '../../src/adapters/pg';
import { seedActors } from '../../src/seed/seed-actors';
import { migratedDatabase, outputOf, type TestDatabase } from '../support/pg';

let db: TestDatabase;

beforeAll(async () => {
  db = await migratedDatabase('connection_loss');
});
afterAll(async () => {
  await db.close();
});

describe('a connection lost during a seed', () => {
  it('rejects with STORE_UNAVAILABLE (retryable) and leaves nothing half-written', async () => {
    const pool = createPgPool({ url: db.url, max: 2, applicationName: 'seed-under-test' });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      async function* lines(): AsyncGenerator<string> {
        yield JSON.stringify({ actorId: 'first', version: 1, subsystems: [outputOf('items')] });
        // The seed's transaction is open now (batch size 1 wrote 'first'); kill its connection while
        // the seed waits for the next line, not inside a query.
        await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'seed-under-test'",
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        yield JSON.stringify({ actorId: 'second', version: 1, subsystems: [outputOf('items')] });
      }
      await expect(
        seedActors({
          pool,
          lines: lines(),
          registries: db.registries.compiled,
          codec: plaintextCodec,
          batchSize: 1,
        }),
      ).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', permanent: false });
      const left = await admin.query('SELECT count(*) AS n FROM actors');
      expect(left.rows[0].n).toBe('0');
    } finally {
      await admin.end();
      await pool.end();
    }
  });
});
