/**
 * The API process: builds the dependencies from the settings (pg pool, Redis connections, producer,
 * repositories, read-through snapshot cache), lets the ops mount (src/sidecar) build its routes on
 * them, and serves the app. `stop()` (the CLI wires it to SIGTERM/SIGINT) drains: readiness fails
 * at once, the listener closes (no new connections), requests in flight finish (idle keep-alive
 * connections are closed as they become idle), and after the shutdown timeout what is left is cut;
 * then the queues, Redis and Postgres are closed.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { Redis } from 'ioredis';
import { required, type Settings } from '../../config/settings';
import { parseKeyRing } from '../adapters/crypto';
import { actorDataCodec } from '../adapters/pg/actor-data-codec';
import { ActorRepository } from '../adapters/pg/actor-repository';
import { createPgPool } from '../adapters/pg/pg-pool';
import { SnapshotRepository } from '../adapters/pg/snapshot-repository';
import { SnapshotCache, type LookupOutcome } from '../adapters/redis/snapshot-cache';
import { redisClientOptions } from '../adapters/redis/client-options';
import { ActorCoreError } from '../core/errors';
import type { Logger } from '../logging/create-logger';
import { ActorWriter } from '../producer/actor-writer';
import {
  PRODUCER_COMMAND_TIMEOUT_MS,
  producerRedisOptions,
  ResolveProducer,
} from '../producer/resolve-producer';
import type { LoadedRegistries } from '../registry';
import { BULL_BOARD_PATH } from './auth/admin-routes';
import { TokenVerifier } from './auth/token-verifier';
import { createApiHandler } from './create-app';
import { createExpressServer } from './express-server';
import type { OpsContext, OpsMount, OpsMountFactory } from './ops-mount';

export interface StartApiServerOptions {
  settings: Settings;
  registries: LoadedRegistries;
  logger: Logger;
  /** Default settings.server.port (0: any free port). */
  port?: number;
  /** Default settings.server.host. */
  host?: string;
  /** The ops routes and Bull Board, or a factory building them on the server's connections. */
  opsMount?: OpsMount | OpsMountFactory;
  /** How long `stop()` lets requests in flight finish; default settings.worker.shutdownTimeoutMs. */
  shutdownTimeoutMs?: number;
}

export interface ApiServer {
  readonly server: http.Server;
  readonly app: Express;
  readonly port: number;
  /** `http://<host>:<port>` as listened on. */
  readonly url: string;
  /** Graceful stop (idempotent). */
  stop(reason?: string): Promise<void>;
}

/**
 * How long a command on the cache and rate-limit connection may take: a snapshot read or a count is
 * well under a millisecond, so 2 s means a hung Redis. Under the load balancer's usual 5 s timeout.
 */
export const CACHE_COMMAND_TIMEOUT_MS = 2000;

/** Resolves when the connection is ready; rejects (STORE_UNAVAILABLE) after `ms`. */
function ready(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new ActorCoreError('STORE_UNAVAILABLE', `Redis not ready after ${ms} ms`, {}, false));
    }, ms);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/** Whether `work` settled within `ms`. */
async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function startApiServer(options: StartApiServerOptions): Promise<ApiServer> {
  const { settings, registries, logger } = options;
  const databaseUrl = required(settings.databaseUrl, 'DATABASE_URL');
  const redisUrl = required(settings.redisUrl, 'REDIS_URL');
  // Configuration errors (no JWT key, a bad ENCRYPTION_KEY) before any connection is opened.
  const { jwtSecret, jwksUrl, issuer, audience } = settings.security;
  const tokens = new TokenVerifier({ secret: jwtSecret, jwksUrl, issuer, audience });
  const codec = actorDataCodec(
    settings.encryptionKey === undefined ? undefined : parseKeyRing(settings.encryptionKey),
  );

  const pool = createPgPool({
    url: databaseUrl,
    max: settings.databasePoolMax,
    applicationName: 'actor-core-api',
    ...settings.databasePool,
    onIdleError: (err) => logger.warn({ err: err.message }, 'idle Postgres connection failed'),
  });
  // Both connections fail fast when Redis is down: a request gets a 503 at once instead of waiting;
  // and when Redis hangs (up, but not answering) a command fails after its timeout, so the rate
  // limiter fails open and reads and writes answer 503 instead of waiting forever.
  // (No auto-pipelining: measured, its deferred flush cost more CPU per request than it saved.)
  // The configuration's Redis client settings, when given, win over these.
  const redis = new Redis(
    redisUrl,
    redisClientOptions(
      { ...producerRedisOptions, commandTimeout: CACHE_COMMAND_TIMEOUT_MS },
      settings.redisClient,
    ),
  );
  const producerConnection = new Redis(
    redisUrl,
    redisClientOptions(
      { ...producerRedisOptions, commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS },
      settings.redisClient,
    ),
  );
  for (const connection of [redis, producerConnection]) {
    connection.on('error', (err: Error) => logger.warn({ err: err.message }, 'Redis connection error'));
  }
  let onCacheLookup: ((outcome: LookupOutcome) => void) | undefined;
  const producer = new ResolveProducer({ connection: producerConnection, queue: settings.queue, pool });
  const actors = new ActorRepository({ pool, registries: registries.compiled, codec });
  const snapshots = new SnapshotCache({
    redis,
    keyPrefix: settings.redisKeyPrefix,
    ttlSeconds: settings.cacheTtlSeconds,
    source: new SnapshotRepository(pool),
    onLookup: (outcome) => onCacheLookup?.(outcome),
    onCorrupt: (actorId, err) =>
      logger.warn({ actorId, code: err.code }, 'corrupt cached snapshot (read as a miss)'),
  });
  let draining = false;

  const closeStores = async (): Promise<void> => {
    await producer.close().catch(() => undefined);
    producerConnection.disconnect();
    redis.disconnect();
    await pool.end().catch(() => undefined);
  };

  let server: http.Server;
  let app: Express;
  try {
    await Promise.all([ready(redis, 10_000), ready(producerConnection, 10_000)]);
    const context: OpsContext = {
      settings,
      pool,
      redis,
      producer,
      snapshots,
      registries,
      logger,
      queues: [producer.queue, producer.interactiveQueue],
      bullBoardPath: BULL_BOARD_PATH,
      checks: {
        database: async () => void (await pool.query('SELECT 1')),
        // Both Redis connections: the producer's enqueues fail as surely as the cache's reads.
        cache: async () => void (await Promise.all([redis.ping(), producerConnection.ping()])),
      },
      isDraining: () => draining,
    };
    const ops = typeof options.opsMount === 'function' ? await options.opsMount(context) : options.opsMount;
    onCacheLookup = ops?.onCacheLookup;
    const handler = createApiHandler({
      settings,
      pool,
      actors,
      writer: new ActorWriter(actors, producer),
      producer,
      snapshots,
      registries,
      logger,
      redis,
      tokens,
      ...(ops === undefined ? {} : { ops }),
    });
    app = handler.app;
    server = createExpressServer(app, handler.listener, settings.server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? settings.server.port, options.host ?? settings.server.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await closeStores();
    throw err;
  }

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger.info(
    {
      port: address.port,
      host: address.address,
      registryVersion: registries.registryVersion,
      ops: options.opsMount !== undefined,
    },
    'api listening',
  );
  const timeoutMs = options.shutdownTimeoutMs ?? settings.worker.shutdownTimeoutMs;

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop requested'): Promise<void> =>
    (stopping ??= (async () => {
      draining = true;
      logger.info({ reason, timeoutMs }, 'stopping: no new connections, finishing requests in flight');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections would hold close() open: each is closed as soon as it is idle.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const finished = await settledWithin(closed, timeoutMs);
      clearInterval(sweep);
      if (!finished) {
        logger.warn({ timeoutMs }, 'requests still in flight after the shutdown timeout: closing them');
        server.closeAllConnections();
        await closed;
      }
      await closeStores();
      logger.info({ forced: !finished }, 'stopped');
    })());

  return { server, app, port: address.port, url: `http://${host}:${address.port}`, stop };
}
