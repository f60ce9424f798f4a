/**
 * What the database commands share: the settings (read once, in config/), a pg pool for
 * DATABASE_URL, and the actor data codec for ENCRYPTION_KEY. Closed by the command when it is done.
 */
import type pg from 'pg';
import { loadSettings, required, type Settings } from '../../config/settings';
import { parseKeyRing } from '../adapters/crypto';
import { actorDataCodec, createPgPool, type ActorDataCodec } from '../adapters/pg';

export interface DatabaseContext {
  settings: Settings;
  pool: pg.Pool;
  codec: ActorDataCodec;
  close(): Promise<void>;
}

export function openDatabase(settings: Settings = loadSettings()): DatabaseContext {
  const url = required(settings.databaseUrl, 'DATABASE_URL');
  // Parse the key ring before connecting: a bad ENCRYPTION_KEY should fail before anything is touched.
  const ring = settings.encryptionKey === undefined ? undefined : parseKeyRing(settings.encryptionKey);
  const pool = createPgPool({
    url,
    max: Math.min(settings.databasePoolMax, 4),
    applicationName: 'actor-core-cli',
  });
  return { settings, pool, codec: actorDataCodec(ring), close: () => pool.end() };
}

/** Runs `work` with an open database context and always closes it. */
export async function withDatabase<T>(work: (db: DatabaseContext) => Promise<T>): Promise<T> {
  const db = openDatabase();
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}
