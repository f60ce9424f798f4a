/** config/: environment variables over the YAML files, and what each problem is blamed on. */
import { loadSettings } from '../../config/settings';
import { configDir, configProblems, fixture } from '../support/config';

const staging = fixture('staging.yaml');
const base = { STAGING_DB_PASSWORD: 'pw' };

describe('environment overrides', () => {
  it('win over the file for numbers, flags, text and URLs', () => {
    const settings = loadSettings(
      {
        ...base,
        DATABASE_POOL_MAX: '9',
        CACHE_TTL_SECONDS: '30',
        LOG_LEVEL: 'error',
        ENV: 'staging-eu',
        WORKER_THREADS: '1',
        OTEL_ENABLED: 'true',
        REDIS_URL: 'redis://other:6379',
      },
      staging,
    );
    expect(settings).toMatchObject({
      databasePoolMax: 9,
      cacheTtlSeconds: 30,
      logLevel: 'error',
      environment: 'staging-eu',
      worker: { threads: 1 },
      monitoring: { tracing: { enabled: true } },
      redisUrl: 'redis://other:6379',
    });
  });

  it('leave the file value when blank', () => {
    const settings = loadSettings({ ...base, LOG_LEVEL: '  ', DATABASE_POOL_MAX: '' }, staging);
    expect(settings).toMatchObject({ logLevel: 'debug', databasePoolMax: 5 });
  });

  it('DATABASE_URL replaces the database parts, which are then neither used nor checked', () => {
    const dir = configDir({
      'x.yaml': 'database:\n  host: db\n  port: 99999\n  password: "${NOT_SET_ANYWHERE}"\n',
    });
    try {
      const settings = loadSettings({ ENV: 'x', DATABASE_URL: 'postgres://a@b/c' }, dir.dir);
      expect(settings.databaseUrl).toBe('postgres://a@b/c');
    } finally {
      dir.cleanup();
    }
  });

  it('the values of ${VAR} are used as they are, not interpolated again', () => {
    const settings = loadSettings({ STAGING_DB_PASSWORD: 'a${B}c' }, staging);
    expect(settings.databaseUrl).toContain(':a%24%7BB%7Dc@');
  });

  it('a file value given through ${VAR} is checked like any other, naming the variable', () => {
    expect(configProblems(() => loadSettings({ ...base, STAGING_DB_PORT: 'abc' }, staging))).toEqual([
      'test/fixtures/config/staging.yaml: database.port (from ${STAGING_DB_PORT}) must be a port number (1 to 65535), got "abc"',
    ]);
  });

  it('a bad variable is blamed on the variable, a bad file value on the file and path', () => {
    const dir = configDir({ 'y.yaml': 'server:\n  port: 0\n' });
    try {
      expect(configProblems(() => loadSettings({ ENV: 'y', PORT: '70000' }, dir.dir))).toEqual([
        'PORT must be a port number (1 to 65535), got "70000"',
      ]);
      expect(configProblems(() => loadSettings({ ENV: 'y' }, dir.dir))).toEqual([
        `${dir.dir}/y.yaml: server.port must be a port number (1 to 65535), got 0`,
      ]);
    } finally {
      dir.cleanup();
    }
  });
});
