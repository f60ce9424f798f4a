/**
 * Test isolation on the shared servers of the integration run (DATABASE_URL / REDIS_URL, set by the
 * global setup when not given): each test file gets its own database, dropped at the end, and its own
 * Redis key prefix, so files running in parallel never see each other's rows or keys.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Redis } from 'ioredis';

export interface FreshDatabase {
  /** The URL of the new database: DATABASE_URL with the database name replaced. */
  url: string;
  name: string;
  /** Drops the database, closing any session still open on it. Safe to call twice. */
  drop(): Promise<void>;
}

/** The variable's value; a clear error when it is missing (the global setup did not run). */
export function requiredEnv(name: 'DATABASE_URL' | 'REDIS_URL'): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`${name} is not set: run the integration tests through jest (its global setup sets it)`);
  }
  return value;
}

/** A short suffix unique across processes and runs: PID plus random bits. */
function uniqueSuffix(): string {
  return `${process.pid.toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** Lower-case letters, digits and `_` only, so the name needs no quoting anywhere. */
function sanitize(name: string, disallowed: RegExp, maxLength: number): string {
  const clean = name.toLowerCase().replace(disallowed, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
  return (clean === '' ? 'test' : clean).slice(0, maxLength);
}

/** Creates `<prefix>_<unique>` on the server of DATABASE_URL and returns its URL. */
export async function freshDatabase(prefixName: string): Promise<FreshDatabase> {
  const serverUrl = requiredEnv('DATABASE_URL');
  // PostgreSQL identifiers are at most 63 bytes: 40 for the prefix, the rest for the suffix.
  const name = `${sanitize(prefixName, /[^a-z0-9_]/g, 40)}_${uniqueSuffix()}`;
  await withAdmin(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    name,
    drop: () =>
      (dropped ??= withAdmin(serverUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      })),
  };
}

/** Runs `work` on a session to the database of `url` (a database other than the one created or dropped). */
async function withAdmin(url: string, work: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A Redis key prefix unique to this test run: `test:<name>:<unique>` (the characters REDIS_KEY_PREFIX
 * accepts). Delete its keys at the end with `SCAN MATCH <prefix>:*` if the test leaves any.
 */
export function uniquePrefix(name: string): string {
  return `test:${sanitize(name, /[^a-z0-9_.-]/g, 40)}:${uniqueSuffix()}`;
}

/** `url` pointing at a database that does not exist, and with a role that does not (password `secret-pw`). */
export function misconfiguredDatabaseUrls(url: string): { noDb: URL; noRole: URL } {
  const noDb = new URL(url);
  noDb.pathname = '/no_such_db';
  const noRole = new URL(url);
  noRole.username = 'no_such_role';
  noRole.password = 'secret-pw';
  return { noDb, noRole };
}

/** Deletes the keys a test wrote under `prefix` (its own key prefix on the shared test Redis). */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
}
