/**
 * Postgres and Redis for a throwaway run (the demo, the end-to-end benchmark), never clobbering real
 * data: private servers when DATABASE_URL / REDIS_URL are not set (startLocalServices); on a server
 * that is given, a database created for the run (and dropped at close) and a queue name and key
 * prefixes of the run's own (whose keys are deleted at close).
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Settings } from '../../config/settings';
import { ActorCoreError } from '../core/errors';
import { startLocalServices, type LocalServices } from '../local-services';

export interface IsolatedStoresOptions {
  /** Whose URLs (undefined: start private servers) and defaults are used. */
  settings: Settings;
  /** The database to work in: created on a given server, named so on a private one. */
  database: string;
  /** Tried on a given server when `database` already exists (e.g. left by a run that was killed). */
  fallbackDatabase: string;
  /** On a given Redis: queue name, queue prefix and key prefix are derived from it. */
  namespace: string;
  log?: (line: string) => void;
}

export interface IsolatedStores {
  /** The settings to run with: URLs of the run's database and Redis, the run's queue and prefixes. */
  settings: Settings & { databaseUrl: string; redisUrl: string };
  /** The database's name. */
  database: string;
  /** Which servers were started here. */
  started: LocalServices['started'];
  /** Drops the database created on a given server, deletes the run's keys, stops private servers. */
  close(): Promise<void>;
}

const DUPLICATE_DATABASE = '42P04';
const INSUFFICIENT_PRIVILEGE = '42501';

export function databaseUrlFor(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function createDatabase(admin: pg.Client, names: readonly string[]): Promise<string> {
  for (const name of names) {
    try {
      await admin.query(`CREATE DATABASE ${name}`);
      return name;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === DUPLICATE_DATABASE) continue;
      if (code === INSUFFICIENT_PRIVILEGE) {
        throw new ActorCoreError(
          'INVALID_CONFIG',
          `the DATABASE_URL user may not create databases, and this run works in a database of its own ` +
            `(${name}) so that a real one is not clobbered: grant CREATEDB, or unset DATABASE_URL to use a ` +
            'private server',
          { field: 'DATABASE_URL' },
        );
      }
      throw err;
    }
  }
  throw new ActorCoreError(
    'INVALID_CONFIG',
    `the databases ${names.join(', ')} already exist on the DATABASE_URL server (left by earlier runs?): ` +
      'drop them, or unset DATABASE_URL to use a private server',
    { field: 'DATABASE_URL' },
  );
}

/** Deletes every key matching `pattern` (SCAN, then DEL in batches). */
export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Counts the keys matching `pattern` (SCAN). */
export async function countKeys(redis: Redis, pattern: string): Promise<number> {
  let count = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

export async function openIsolatedStores(options: IsolatedStoresOptions): Promise<IsolatedStores> {
  const base = options.settings;
  const services = await startLocalServices({
    databaseUrl: base.databaseUrl,
    redisUrl: base.redisUrl,
    database: options.database,
    ...(options.log ? { log: options.log } : {}),
  });
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        options.log?.(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    await services.stop();
  };
  try {
    let database = options.database;
    let databaseUrl = services.databaseUrl;
    if (!services.started.postgres) {
      const admin = new pg.Client({ connectionString: services.databaseUrl });
      await admin.connect();
      try {
        database = await createDatabase(admin, [options.database, options.fallbackDatabase]);
      } finally {
        await admin.end();
      }
      databaseUrl = databaseUrlFor(services.databaseUrl, database);
      cleanups.push(async () => {
        const dropper = new pg.Client({ connectionString: services.databaseUrl });
        await dropper.connect();
        try {
          await dropper.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        } finally {
          await dropper.end();
        }
      });
    }
    let { queue, redisKeyPrefix } = base;
    if (!services.started.redis) {
      const ns = options.namespace;
      queue = { ...queue, name: `actor-resolve-${ns}`, prefix: `{actor-core-${ns}}` };
      redisKeyPrefix = `actor-core-${ns}`;
      const patterns = [`${queue.prefix}:*`, `${redisKeyPrefix}:*`];
      cleanups.push(async () => {
        const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: 1 });
        try {
          for (const pattern of patterns) await deleteKeys(redis, pattern);
        } finally {
          redis.disconnect();
        }
      });
    }
    return {
      settings: { ...base, databaseUrl, redisUrl: services.redisUrl, queue, redisKeyPrefix },
      database,
      started: services.started,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
