/** config/settings.ts: the environment read once, with defaults and errors naming the variable. */
import * as path from 'node:path';
import { DEFAULT_OPS, DEFAULT_SETTINGS, loadSettings, required } from '../../config/settings';
import { usableCpus } from '../../config/usable-cpus';

const fixtures = path.join(__dirname, '..', 'fixtures', 'config');
const KEY_RING = `k1:${Buffer.alloc(32, 1).toString('base64')}`;

describe('loadSettings', () => {
  it('applies the defaults to an empty environment', () => {
    expect(loadSettings({})).toMatchObject({
      databaseUrl: undefined,
      databasePoolMax: 10,
      redisUrl: undefined,
      redisKeyPrefix: 'actor-core',
      cacheTtlSeconds: 3600,
      encryptionKey: undefined,
    });
  });

  it('reads every store variable', () => {
    expect(
      loadSettings({
        DATABASE_URL: 'postgres://u:p@db:5432/actors',
        DATABASE_POOL_MAX: '20',
        REDIS_URL: 'rediss://cache:6380',
        REDIS_KEY_PREFIX: '{ac}:prod',
        CACHE_TTL_SECONDS: '60',
        ENCRYPTION_KEY: ` ${KEY_RING} `,
      }),
    ).toMatchObject({
      databaseUrl: 'postgres://u:p@db:5432/actors',
      databasePoolMax: 20,
      redisUrl: 'rediss://cache:6380',
      redisKeyPrefix: '{ac}:prod',
      cacheTtlSeconds: 60,
      encryptionKey: KEY_RING,
    });
  });

  it('reads the queue, worker and logging variables', () => {
    expect(
      loadSettings({
        QUEUE_NAME: 'resolve-eu',
        QUEUE_PREFIX: '{eu}',
        JOB_BATCH_SIZE: '250',
        JOB_ATTEMPTS: '3',
        JOB_BACKOFF_MS: '500',
        WORKER_CONCURRENCY: '4',
        WORKER_THREADS: '2',
        SHUTDOWN_TIMEOUT_MS: '10000',
        LOCK_DURATION_MS: '5000',
        STALLED_INTERVAL_MS: '2000',
        LOG_LEVEL: 'debug',
      }),
    ).toMatchObject({
      queue: { name: 'resolve-eu', prefix: '{eu}', batchSize: 250, attempts: 3, backoffMs: 500 },
      worker: {
        concurrency: 4,
        threads: 2,
        shutdownTimeoutMs: 10000,
        lockDurationMs: 5000,
        stalledIntervalMs: 2000,
      },
      logLevel: 'debug',
    });
  });

  it('defaults the queue to a hash-tagged prefix', () => {
    expect(loadSettings({}).queue).toEqual({
      name: 'actor-resolve',
      prefix: '{actor-core}',
      batchSize: 500,
      attempts: 5,
      backoffMs: 1000,
    });
  });

  it('treats a blank variable as unset', () => {
    expect(loadSettings({ DATABASE_URL: '  ', CACHE_TTL_SECONDS: '' })).toMatchObject({
      databaseUrl: undefined,
      cacheTtlSeconds: 3600,
    });
  });

  it.each([
    ['DATABASE_URL', 'mysql://db/x', /DATABASE_URL must use postgres: or postgresql:, got mysql:/],
    ['DATABASE_URL', 'not a url', /DATABASE_URL must be a URL/],
    ['REDIS_URL', 'http://cache', /REDIS_URL must use redis: or rediss:/],
    ['DATABASE_POOL_MAX', '0', /DATABASE_POOL_MAX must be an integer from 1 to 1000, got "0"/],
    ['CACHE_TTL_SECONDS', '1.5', /CACHE_TTL_SECONDS must be an integer/],
    ['REDIS_KEY_PREFIX', 'has space', /REDIS_KEY_PREFIX must be letters/],
    ['QUEUE_NAME', 'a:b', /QUEUE_NAME must be letters, digits/],
    ['WORKER_THREADS', '0', /WORKER_THREADS must be an integer from 1 to 256/],
    ['WORKER_WARM_UP_MS', '2s', /WORKER_WARM_UP_MS must be an integer from 0 to 60000, got "2s"/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of fatal, error/],
  ])('names %s when it is invalid (%s)', (variable, value, message) => {
    let error: unknown;
    try {
      loadSettings({ [variable]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', field: variable });
    expect((error as Error).message).toMatch(message);
  });

  it('does not echo a DATABASE_URL that fails to parse (it may hold a password)', () => {
    expect(() => loadSettings({ DATABASE_URL: 'postgres://u:secret@[bad' })).toThrow(/^(?!.*secret)/);
  });
});

describe('loadSettings with YAML', () => {
  it('keeps DEFAULT_SETTINGS and DEFAULT_OPS equal to config/default.yaml', () => {
    const settings = loadSettings({});
    expect(settings).toMatchObject({
      ...DEFAULT_SETTINGS,
      server: DEFAULT_OPS.server,
      security: { ...DEFAULT_OPS.security, jwtSecret: undefined, jwksUrl: undefined, openOpsEndpoints: true },
      environment: 'development',
    });
    expect(settings.monitoring).toEqual({
      metricsEnabled: DEFAULT_OPS.monitoring.metricsEnabled,
      workerSidecarPort: DEFAULT_OPS.monitoring.workerSidecarPort,
      tracing: { enabled: false, endpoint: undefined, serviceName: DEFAULT_OPS.monitoring.serviceName },
    });
    expect(settings.worker.threads).toBe(usableCpus());
  });

  it('takes a config file as the second parameter, over default.yaml', () => {
    const settings = loadSettings({ STAGING_DB_PASSWORD: 'pw' }, path.join(fixtures, 'staging.yaml'));
    expect(settings).toMatchObject({
      databaseUrl: 'postgres://actorcore:pw@db.staging.internal:6432/actorcore_staging?sslmode=disable',
      databasePoolMax: 5,
      redisUrl: 'redis://redis.staging.internal:6379/2',
      cacheTtlSeconds: 120,
      logLevel: 'debug',
      environment: 'staging',
      queue: DEFAULT_SETTINGS.queue,
    });
  });

  it('still lets a variable win over the file given as the second parameter', () => {
    const settings = loadSettings(
      { STAGING_DB_PASSWORD: 'pw', DATABASE_POOL_MAX: '7', LOG_LEVEL: 'warn' },
      path.join(fixtures, 'staging.yaml'),
    );
    expect(settings).toMatchObject({ databasePoolMax: 7, logLevel: 'warn' });
  });
});

describe('required', () => {
  it('names the missing variable', () => {
    expect(() => required(undefined, 'REDIS_URL')).toThrow('REDIS_URL is not set; this command needs it');
    expect(required('redis://x', 'REDIS_URL')).toBe('redis://x');
  });

  it('names the YAML alternative too', () => {
    expect(() => required(undefined, 'DATABASE_URL')).toThrow(
      /DATABASE_URL is not set; this command needs it \(or database.url or database.host in the config file\)/,
    );
  });
});
