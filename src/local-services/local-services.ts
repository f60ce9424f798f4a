/**
 * The "embedded default": when no DATABASE_URL / REDIS_URL is configured, tests, the demo and the
 * benchmarks start private PostgreSQL and Redis servers here, and stop them when done. A URL that is
 * given is used as is: that server is neither started nor stopped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startLocalPostgres, type LocalPostgres } from './local-postgres';
import { startLocalRedis, type LocalRedis } from './local-redis';
import { isRoot } from './run-command';
import { makeTempDir } from './temp-dir';

export interface LocalServicesOptions {
  /** A running PostgreSQL to use; when undefined a private one is started. */
  databaseUrl?: string;
  /** A running Redis to use; when undefined a private one is started. */
  redisUrl?: string;
  /**
   * Where the private servers keep their data (`<dataDir>/postgres`, `<dataDir>/redis`), kept at stop and
   * reused next time (e.g. `.data/`). Default: a temporary folder, removed at stop.
   */
  dataDir?: string;
  /** The database of a private PostgreSQL; default `actor_core`. */
  database?: string;
  /** Whether missing server binaries may be installed (root + apt-get only); default true. */
  install?: boolean;
  /** See LocalPostgresOptions.noFsync: off by default, for throwaway data only. */
  noFsync?: boolean;
  /** Environment of the servers; default: this process's. */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface LocalServices {
  databaseUrl: string;
  redisUrl: string;
  /** Which servers were started here (and will be stopped by stop()). */
  started: { postgres: boolean; redis: boolean };
  /** The folder of the started servers, if any was started. */
  dataDir: string | undefined;
  /** Stops what was started and removes a temporary folder. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startLocalServices(options: LocalServicesOptions = {}): Promise<LocalServices> {
  const needPostgres = options.databaseUrl === undefined;
  const needRedis = options.redisUrl === undefined;
  if (!needPostgres && !needRedis) {
    return {
      databaseUrl: options.databaseUrl as string,
      redisUrl: options.redisUrl as string,
      started: { postgres: false, redis: false },
      dataDir: undefined,
      stop: async () => undefined,
    };
  }

  const temp = options.dataDir === undefined ? makeTempDir('services') : undefined;
  const root = temp?.dir ?? path.resolve(options.dataDir as string);
  fs.mkdirSync(root, { recursive: true });
  // As root, PostgreSQL runs as another user, who must be able to pass through this folder to its own.
  if (temp !== undefined && isRoot()) fs.chmodSync(root, 0o711);
  const removeRoot = (): void => temp?.remove();

  const common = { install: options.install, env: options.env, log: options.log };
  const [postgres, redis] = await Promise.allSettled([
    needPostgres
      ? startLocalPostgres({
          ...common,
          dataDir: path.join(root, 'postgres'),
          database: options.database,
          noFsync: options.noFsync,
        })
      : undefined,
    needRedis ? startLocalRedis({ ...common, dataDir: path.join(root, 'redis') }) : undefined,
  ]);
  const servers = [postgres, redis]
    .map((result) => (result.status === 'fulfilled' ? result.value : undefined))
    .filter((server): server is LocalPostgres | LocalRedis => server !== undefined);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await Promise.all(servers.map((server) => server.stop()));
      removeRoot();
    })());

  const failure = [postgres, redis].find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    await stop();
    throw (failure as PromiseRejectedResult).reason;
  }
  const pg = postgres.status === 'fulfilled' ? postgres.value : undefined;
  const rd = redis.status === 'fulfilled' ? redis.value : undefined;
  return {
    databaseUrl: pg?.url ?? (options.databaseUrl as string),
    redisUrl: rd?.url ?? (options.redisUrl as string),
    started: { postgres: pg !== undefined, redis: rd !== undefined },
    dataDir: root,
    stop,
  };
}
