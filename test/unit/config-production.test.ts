/** config/production.yaml (ENV=production): the guide's shape, secrets through ${VAR}, URLs built from parts. */
import { parse as parsePgUrl } from 'pg-connection-string';
import { loadSettings } from '../../config/settings';
import { configProblems } from '../support/config';

const secrets = { DB_PASSWORD: 'p@ss:w/rd %?#', REDIS_PASSWORD: 'r3dis' };

describe('production.yaml', () => {
  it('builds the database and Redis URLs from the parts, with the secrets from the environment', () => {
    const settings = loadSettings({ ENV: 'production', ...secrets });
    expect(settings).toMatchObject({
      databaseUrl:
        'postgres://actorcore_user:p%40ss%3Aw%2Frd%20%25%3F%23@postgres:5432/actorcore_prod?sslmode=verify-full',
      databasePoolMax: 20,
      redisUrl: 'redis://:r3dis@redis:6379/0',
      environment: 'production',
      logLevel: 'info',
      server: { port: 8080, host: '0.0.0.0' },
      monitoring: {
        workerSidecarPort: 9464,
        tracing: { enabled: true, endpoint: 'http://jaeger:4318/v1/traces', serviceName: 'actor-core' },
      },
    });
  });

  it('URL-encodes the password so that pg reads back exactly the secret', () => {
    const parsed = parsePgUrl(loadSettings({ ENV: 'production', ...secrets }).databaseUrl as string);
    expect(parsed).toMatchObject({
      user: 'actorcore_user',
      password: secrets.DB_PASSWORD,
      host: 'postgres',
      port: '5432',
      database: 'actorcore_prod',
    });
  });

  it('takes ${VAR:-default} values from the environment when set', () => {
    const settings = loadSettings({ ENV: 'production', ...secrets, DB_HOST: 'pg.internal', DB_NAME: 'ac' });
    expect(settings.databaseUrl).toMatch(/@pg\.internal:5432\/ac\?/);
  });

  it('names each unset ${VAR}, its YAML path and the file', () => {
    expect(configProblems(() => loadSettings({ ENV: 'production' }))).toEqual([
      'config/production.yaml: database.password uses ${DB_PASSWORD}, which is not set (set it, or write ${DB_PASSWORD:-default})',
      'config/production.yaml: cache.redis.password uses ${REDIS_PASSWORD}, which is not set (set it, or write ${REDIS_PASSWORD:-default})',
    ]);
  });

  it('needs no DB_PASSWORD or REDIS_PASSWORD when DATABASE_URL and REDIS_URL replace the connections', () => {
    const settings = loadSettings({
      ENV: 'production',
      DATABASE_URL: 'postgres://app@db.internal/ac',
      REDIS_URL: 'rediss://cache.internal:6380',
    });
    expect(settings).toMatchObject({
      databaseUrl: 'postgres://app@db.internal/ac',
      databasePoolMax: 20,
      redisUrl: 'rediss://cache.internal:6380',
    });
  });

  it('still lets the environment win over the file', () => {
    const settings = loadSettings({
      ENV: 'production',
      ...secrets,
      LOG_LEVEL: 'warn',
      OTEL_ENABLED: 'false',
    });
    expect(settings.logLevel).toBe('warn');
    expect(settings.monitoring.tracing.enabled).toBe(false);
  });
});
