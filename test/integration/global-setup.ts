/**
 * Jest global setup of the integration project (runs once, in the parent process, before the workers
 * start): private PostgreSQL and Redis servers for whichever of DATABASE_URL / REDIS_URL is not set, and
 * those variables set for the workers, which inherit this process's environment. The teardown stops them.
 */
import { startLocalServices, type LocalServices } from '../../src/local-services';

/** Where the teardown finds what the setup started (both run in the same process). */
export const SERVICES_KEY = Symbol.for('actor-core.integration.local-services');

type WithServices = typeof globalThis & { [SERVICES_KEY]?: LocalServices };

function configured(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

export default async function globalSetup(): Promise<void> {
  const databaseUrl = configured('DATABASE_URL');
  const redisUrl = configured('REDIS_URL');
  if (databaseUrl !== undefined && redisUrl !== undefined) return;
  const started = Date.now();
  const services = await startLocalServices({
    databaseUrl,
    redisUrl,
    log: (line) => process.stderr.write(`[local services] ${line}\n`),
  });
  (globalThis as WithServices)[SERVICES_KEY] = services;
  process.env.DATABASE_URL = services.databaseUrl;
  process.env.REDIS_URL = services.redisUrl;
  const which = [services.started.postgres ? 'PostgreSQL' : '', services.started.redis ? 'Redis' : '']
    .filter((name) => name !== '')
    .join(' and ');
  process.stderr.write(`\n[local services] private ${which} ready in ${Date.now() - started} ms\n`);
}
