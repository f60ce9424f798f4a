/** The environment the demo starts its sidecar (`actor-core api`) with: read back, it gives the same settings. */
import { loadSettings } from '../../config/settings';
import { apiEnvironment } from '../../src/demo/api-child';

const SECRET = 'demo-unit-test-secret-0123456789abcdef';

describe('apiEnvironment', () => {
  const settings = loadSettings({
    DATABASE_URL: 'postgres://u:p@db.example:5432/actors',
    REDIS_URL: 'redis://cache.example:6379',
    QUEUE_NAME: 'resolve-demo-1',
    REDIS_KEY_PREFIX: '{demo-1}',
    JWT_ISSUER: 'game-auth',
    JWT_AUDIENCE: 'actor-core-demo',
  });

  it('gives the API the workers’ stores and queue, loopback only, and the secret it verifies tokens with', () => {
    const env = apiEnvironment(settings, SECRET);
    const read = loadSettings(env);
    expect(read.databaseUrl).toBe(settings.databaseUrl);
    expect(read.redisUrl).toBe(settings.redisUrl);
    expect(read.queue).toEqual(settings.queue);
    expect(read.redisKeyPrefix).toBe('{demo-1}');
    expect(read.server.host).toBe('127.0.0.1');
    expect(read.security.jwtSecret).toBe(SECRET);
  });

  it('keeps the issuer and audience the demo signs its admin token for', () => {
    const read = loadSettings(apiEnvironment(settings, SECRET)).security;
    expect([read.issuer, read.audience]).toEqual(['game-auth', 'actor-core-demo']);
  });
});
