/** config/: which files are read, default.yaml's values, and every variable Actor Core has always read. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENV_OVERRIDES } from '../../config/env-overrides';
import { loadSettings, type Settings } from '../../config/settings';
import { usableCpus } from '../../config/usable-cpus';
import { configDir, configProblems, fixture } from '../support/config';

/** Values the loader accepts: an HS256 secret of 32 bytes and a one-key ring. */
const SECRET_32 = 'unit-test-secret-0123456789abcdef';
const KEY_RING = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

describe('default.yaml', () => {
  it('gives every setting its default', () => {
    expect(loadSettings({})).toEqual({
      databaseUrl: undefined,
      databasePoolMax: 10,
      databasePool: { idleKept: undefined, maxLifetimeSeconds: undefined },
      redisClient: { connectTimeoutMs: undefined, commandTimeoutMs: undefined, maxRetries: undefined },
      redisUrl: undefined,
      redisKeyPrefix: 'actor-core',
      cacheTtlSeconds: 3600,
      encryptionKey: undefined,
      queue: { name: 'actor-resolve', prefix: '{actor-core}', batchSize: 500, attempts: 5, backoffMs: 1000 },
      worker: {
        concurrency: 4,
        threads: usableCpus(),
        lane: 'all',
        shutdownTimeoutMs: 30_000,
        lockDurationMs: 30_000,
        stalledIntervalMs: 30_000,
        warmUpMs: 1000,
      },
      logLevel: 'info',
      environment: 'development',
      logFields: { service: 'actor-core', version: undefined },
      server: {
        port: 8080,
        host: '0.0.0.0',
        bodyLimitBytes: 1024 * 1024,
        trustProxy: false,
        readTimeoutMs: 30_000,
        writeTimeoutMs: 30_000,
        idleTimeoutMs: 120_000,
      },
      security: {
        jwtSecret: undefined,
        jwksUrl: undefined,
        issuer: 'actor-core',
        audience: 'actor-core',
        openOpsEndpoints: true,
        rateLimit: { windowMs: 60_000, max: 6000 },
      },
      monitoring: {
        metricsEnabled: true,
        workerSidecarPort: 9464,
        tracing: { enabled: false, endpoint: undefined, serviceName: 'actor-core' },
      },
    } satisfies Settings);
  });

  it('is the only file when ENV names no file', () => {
    expect(loadSettings({ ENV: 'test' }).environment).toBe('test');
    // Not a file name: no file is looked for, and the value is still the environment's name.
    expect(loadSettings({ ENV: '../production' }).environment).toBe('../production');
  });
});

describe('every variable read before YAML existed still works', () => {
  const pick: Record<string, [string, (s: Settings) => unknown, unknown]> = {
    DATABASE_URL: ['postgres://u:p@db:5432/a', (s) => s.databaseUrl, 'postgres://u:p@db:5432/a'],
    DATABASE_POOL_MAX: ['20', (s) => s.databasePoolMax, 20],
    REDIS_URL: ['rediss://cache:6380', (s) => s.redisUrl, 'rediss://cache:6380'],
    REDIS_KEY_PREFIX: ['{ac}:prod', (s) => s.redisKeyPrefix, '{ac}:prod'],
    CACHE_TTL_SECONDS: ['60', (s) => s.cacheTtlSeconds, 60],
    PORT: ['9000', (s) => s.server.port, 9000],
    HOST: ['127.0.0.1', (s) => s.server.host, '127.0.0.1'],
    BODY_LIMIT_BYTES: ['2048', (s) => s.server.bodyLimitBytes, 2048],
    TRUST_PROXY: ['loopback, 10.0.0.0/8', (s) => s.server.trustProxy, ['loopback', '10.0.0.0/8']],
    LOG_LEVEL: ['debug', (s) => s.logLevel, 'debug'],
    ENV: ['staging', (s) => s.environment, 'staging'],
    WORKER_SIDECAR_PORT: ['0', (s) => s.monitoring.workerSidecarPort, 0],
    OTEL_ENABLED: ['yes', (s) => s.monitoring.tracing.enabled, true],
    OTEL_EXPORTER_OTLP_ENDPOINT: [
      'http://j:4318/v1/traces',
      (s) => s.monitoring.tracing.endpoint,
      'http://j:4318/v1/traces',
    ],
    OTEL_SERVICE_NAME: ['ac-eu', (s) => s.monitoring.tracing.serviceName, 'ac-eu'],
    QUEUE_NAME: ['resolve-eu', (s) => s.queue.name, 'resolve-eu'],
    QUEUE_PREFIX: ['{eu}', (s) => s.queue.prefix, '{eu}'],
    JOB_BATCH_SIZE: ['250', (s) => s.queue.batchSize, 250],
    JOB_ATTEMPTS: ['3', (s) => s.queue.attempts, 3],
    JOB_BACKOFF_MS: ['500', (s) => s.queue.backoffMs, 500],
    WORKER_CONCURRENCY: ['4', (s) => s.worker.concurrency, 4],
    WORKER_THREADS: ['2', (s) => s.worker.threads, 2],
    WORKER_LANE: ['bulk', (s) => s.worker.lane, 'bulk'],
    SHUTDOWN_TIMEOUT_MS: ['10000', (s) => s.worker.shutdownTimeoutMs, 10_000],
    LOCK_DURATION_MS: ['5000', (s) => s.worker.lockDurationMs, 5000],
    STALLED_INTERVAL_MS: ['2000', (s) => s.worker.stalledIntervalMs, 2000],
    WORKER_WARM_UP_MS: ['0', (s) => s.worker.warmUpMs, 0],
    JWT_SECRET: [` ${SECRET_32} `, (s) => s.security.jwtSecret, SECRET_32],
    JWT_JWKS_URL: ['https://id/jwks.json', (s) => s.security.jwksUrl, 'https://id/jwks.json'],
    JWT_ISSUER: ['iss', (s) => s.security.issuer, 'iss'],
    JWT_AUDIENCE: ['aud', (s) => s.security.audience, 'aud'],
    OPEN_OPS_ENDPOINTS: ['off', (s) => s.security.openOpsEndpoints, false],
    RATE_LIMIT_WINDOW_MS: ['1000', (s) => s.security.rateLimit.windowMs, 1000],
    RATE_LIMIT_MAX: ['10', (s) => s.security.rateLimit.max, 10],
    ENCRYPTION_KEY: [` ${KEY_RING} `, (s) => s.encryptionKey, KEY_RING],
  };

  it('covers every override', () => {
    expect(Object.keys(pick).sort()).toEqual(ENV_OVERRIDES.map((o) => o.variable).sort());
  });

  it.each(Object.entries(pick))('%s', (variable, [value, read, expected]) => {
    expect(read(loadSettings({ [variable]: value }))).toEqual(expected);
  });
});

describe('TRUST_PROXY', () => {
  it.each([
    ['true', true],
    ['off', false],
    ['2', 2],
    ['10.0.0.0/8,::1', ['10.0.0.0/8', '::1']],
  ])('%s is read as Express takes it', (value, expected) => {
    expect(loadSettings({ TRUST_PROXY: value }).server.trustProxy).toEqual(expected);
  });
});

describe('which files', () => {
  it('reads <ENV>.yaml from the folder after default.yaml', () => {
    const dir = configDir({ 'qa.yaml': 'server:\n  port: 9001\nlogging:\n  fields:\n    environment: qa\n' });
    try {
      expect(loadSettings({ ENV: 'qa' }, dir.dir).server).toMatchObject({ port: 9001, host: '0.0.0.0' });
      expect(loadSettings({}, dir.dir).server.port).toBe(8080);
    } finally {
      dir.cleanup();
    }
  });

  it('reads CONFIG_FILE instead of <ENV>.yaml', () => {
    const dir = configDir({ 'qa.yaml': 'server:\n  port: 9001\n' });
    try {
      const settings = loadSettings(
        { ENV: 'qa', CONFIG_FILE: fixture('staging.yaml'), STAGING_DB_PASSWORD: 'x' },
        dir.dir,
      );
      expect(settings).toMatchObject({ server: { port: 8080 }, environment: 'qa', databasePoolMax: 5 });
    } finally {
      dir.cleanup();
    }
  });

  it('resolves a relative CONFIG_FILE against the working directory', () => {
    const relative = path.relative(process.cwd(), fixture('staging.yaml'));
    expect(loadSettings({ CONFIG_FILE: relative, STAGING_DB_PASSWORD: 'x' }).logLevel).toBe('debug');
  });

  it('needs default.yaml in the folder', () => {
    const dir = configDir();
    try {
      const empty = path.join(dir.dir, 'empty');
      fs.mkdirSync(empty);
      expect(configProblems(() => loadSettings({}, empty))).toEqual([
        expect.stringMatching(
          /default\.yaml cannot be read \(ENOENT\); it holds the default of every setting$/,
        ),
      ]);
    } finally {
      dir.cleanup();
    }
  });
});
