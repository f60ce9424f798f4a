/**
 * The API against real stores for the integration tests: `createApiHandler` on a TestCluster's database,
 * queue (unique name and key prefix) and producer, with its own Redis connection for the cache and the
 * rate limiter, and HS256 tokens signed with a test secret. Settings are the cluster's, with the
 * security and server sections the test asks for.
 */
import type { Express } from 'express';
import { Redis } from 'ioredis';
import pino from 'pino';
import request from 'supertest';
import type { Settings } from '../../config/settings';
import {
  ActorRepository,
  SnapshotRepository,
  plaintextCodec,
  type ActorDataCodec,
} from '../../src/adapters/pg';
import { SnapshotCache } from '../../src/adapters/redis';
import { signToken } from '../../src/api/auth/sign-token';
import { createApiHandler, type ApiDeps } from '../../src/api/create-app';
import type { RequestListener } from '../../src/api/snapshot-fast-path';
import type { OpsMount } from '../../src/api/ops-mount';
import { ActorWriter, producerRedisOptions, ResolveProducer } from '../../src/producer';
import type { TestCluster } from './cluster';
import { requiredEnv } from './databases';

export const TEST_JWT_SECRET = 'integration-test-secret-0123456789abcdef';

export interface TestApiOptions {
  rateLimit?: { windowMs: number; max: number };
  bodyLimitBytes?: number;
  trustProxy?: Settings['server']['trustProxy'];
  openOpsEndpoints?: boolean;
  ops?: OpsMount;
  codec?: ActorDataCodec;
}

export interface TokenOptions {
  sub?: string;
  ttlSeconds?: number;
  issuer?: string;
  audience?: string;
  secret?: string;
  /** Issue time in seconds since the epoch (an old one makes an expired token). */
  now?: number;
}

export interface TestApi {
  /** What to send requests to (supertest): the snapshot fast path, then the Express app, as served. */
  app: RequestListener;
  /** The Express app alone (its routes). */
  express: Express;
  deps: ApiDeps;
  settings: Settings;
  /** The cache's and the rate limiter's connection. */
  redis: Redis;
  token(scopes: readonly string[], options?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

/** Settings of the cluster with the API's sections as the test wants them. */
export function apiSettings(cluster: TestCluster, options: TestApiOptions = {}): Settings {
  const base = cluster.settings;
  return {
    ...base,
    server: {
      ...base.server,
      bodyLimitBytes: options.bodyLimitBytes ?? base.server.bodyLimitBytes,
      trustProxy: options.trustProxy ?? base.server.trustProxy,
    },
    security: {
      ...base.security,
      jwtSecret: TEST_JWT_SECRET,
      jwksUrl: undefined,
      issuer: 'actor-core',
      audience: 'actor-core',
      openOpsEndpoints: options.openOpsEndpoints ?? true,
      rateLimit: options.rateLimit ?? { windowMs: 60_000, max: 100_000 },
    },
  };
}

export function signTestToken(scopes: readonly string[], options: TokenOptions = {}): Promise<string> {
  return signToken({
    secret: options.secret ?? TEST_JWT_SECRET,
    issuer: options.issuer ?? 'actor-core',
    audience: options.audience ?? 'actor-core',
    subject: options.sub ?? 'test-client',
    scopes,
    ttlSeconds: options.ttlSeconds ?? 300,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}

const openApis = new Set<TestApi>();

export async function openTestApi(cluster: TestCluster, options: TestApiOptions = {}): Promise<TestApi> {
  const settings = apiSettings(cluster, options);
  const redis = new Redis(requiredEnv('REDIS_URL'), producerRedisOptions);
  redis.on('error', () => undefined);
  await new Promise<void>((resolve) => (redis.status === 'ready' ? resolve() : redis.once('ready', resolve)));
  const pool = cluster.db.pool;
  // The cluster's producer has no pool; the API's needs one for {all: true}.
  const producer = new ResolveProducer({ connection: cluster.connection, queue: settings.queue, pool });
  const actors = new ActorRepository({
    pool,
    registries: cluster.db.registries.compiled,
    codec: options.codec ?? plaintextCodec,
  });
  const deps: ApiDeps = {
    settings,
    pool,
    actors,
    writer: new ActorWriter(actors, producer),
    producer,
    snapshots: new SnapshotCache({
      redis,
      keyPrefix: settings.redisKeyPrefix,
      ttlSeconds: settings.cacheTtlSeconds,
      source: new SnapshotRepository(pool),
    }),
    registries: cluster.db.registries,
    logger: pino({ level: 'silent' }),
    redis,
    ...(options.ops === undefined ? {} : { ops: options.ops }),
  };
  const handler = createApiHandler(deps);
  const api: TestApi = {
    app: handler.listener,
    express: handler.app,
    deps,
    settings,
    redis,
    token: (scopes, tokenOptions) => signTestToken(scopes, tokenOptions),
    close: async () => {
      openApis.delete(api);
      await producer.close();
      redis.disconnect();
    },
  };
  openApis.add(api);
  return api;
}

/** afterEach: closes every API a test opened (its cluster closes the rest). */
export async function closeApis(): Promise<void> {
  for (const api of [...openApis]) await api.close();
}

/** The `Authorization` header of a token. */
export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

/**
 * A request to `api` whose body is `text` sent as written, with a JSON content type: supertest would
 * re-encode an object, or a string holding a lone surrogate.
 */
export function sendJsonText(
  api: TestApi,
  method: 'put' | 'post',
  path: string,
  headers: Record<string, string>,
  text: string,
): request.Test {
  return request(api.app)[method](path).set(headers).set('Content-Type', 'application/json').send(text);
}
