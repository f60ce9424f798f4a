/**
 * src/logging: JSON lines with service, version, environment and component on every line, child loggers
 * with jobId / actorId, and secrets kept out whatever shape they are logged in.
 */
import { packageVersion } from '../../src/cli/package-version';
import { actorLogger, createLogger, jobLogger, type Logger } from '../../src/logging/create-logger';
import { isSecretKey, stripCredentials } from '../../src/logging/redact';

const SECRET = 'hunter2-Zx9';

/** A logger writing into memory (pino writes synchronously to a plain { write } destination). */
function memoryLogger(
  options: {
    level?: 'info' | 'debug' | 'warn';
    environment?: string;
    fields?: { service?: string; version?: string };
  } = {},
): {
  logger: Logger;
  lines: () => Array<Record<string, unknown>>;
  text: () => string;
} {
  const chunks: string[] = [];
  const logger = createLogger({
    level: options.level ?? 'info',
    component: 'test',
    ...(options.environment === undefined ? {} : { environment: options.environment }),
    ...(options.fields === undefined ? {} : { fields: options.fields }),
    destination: { write: (chunk: string) => void chunks.push(chunk) },
  });
  const text = (): string => chunks.join('');
  const lines = (): Array<Record<string, unknown>> =>
    text()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, text };
}

describe('createLogger', () => {
  it('writes JSON lines with service, version, environment and component on every line', () => {
    const { logger, lines } = memoryLogger({ environment: 'staging' });
    logger.info('one');
    logger.child({ extra: 1 }).warn({ n: 2 }, 'two');
    expect(lines()).toHaveLength(2);
    for (const line of lines()) {
      expect(line).toMatchObject({
        service: 'actor-core',
        version: packageVersion(),
        environment: 'staging',
        component: 'test',
        pid: process.pid,
      });
      expect(typeof line.time).toBe('string');
    }
    expect(lines()[1]).toMatchObject({ level: 40, msg: 'two', n: 2, extra: 1 });
  });

  it('takes service and version from logging.fields when the configuration names them', () => {
    const named = memoryLogger({ fields: { service: 'stats-eu', version: 'v3.0.0' } });
    named.logger.info('x');
    expect(named.lines()[0]).toMatchObject({ service: 'stats-eu', version: 'v3.0.0' });
    const unnamed = memoryLogger({ fields: { service: 'stats-eu' } });
    unnamed.logger.info('x');
    expect(unnamed.lines()[0]).toMatchObject({ service: 'stats-eu', version: packageVersion() });
  });

  it('keeps the old signature working; the environment is then "unknown", not a guess', () => {
    const { logger, lines } = memoryLogger();
    logger.info('x');
    expect(lines()[0]).toMatchObject({ environment: 'unknown' });
  });

  it('logs at the configured level and above', () => {
    const { logger, lines } = memoryLogger({ level: 'warn' });
    logger.info('dropped');
    logger.debug('dropped');
    logger.warn('kept');
    logger.error('kept');
    expect(lines().map((l) => l.msg)).toEqual(['kept', 'kept']);
  });
});

describe('child loggers', () => {
  it('jobLogger adds jobId, actorLogger adds actorId, nested they add both', () => {
    const { logger, lines } = memoryLogger();
    const job = jobLogger(logger, 'job-42', { actors: 3 });
    job.info('job started');
    actorLogger(job, 'actor-7').warn('input rejected');
    actorLogger(logger, 'actor-8').info('written');
    expect(lines()).toEqual([
      expect.objectContaining({ jobId: 'job-42', actors: 3, msg: 'job started' }),
      expect.objectContaining({ jobId: 'job-42', actorId: 'actor-7', msg: 'input rejected' }),
      expect.objectContaining({ actorId: 'actor-8', msg: 'written' }),
    ]);
    expect(lines()[2]).not.toHaveProperty('jobId');
  });

  it('an undefined job id (BullMQ allows one) adds no jobId', () => {
    const { logger, lines } = memoryLogger();
    jobLogger(logger, undefined).info('x');
    expect(lines()[0]).not.toHaveProperty('jobId');
  });
});

describe('secrets', () => {
  const url = (scheme: string): string => `${scheme}://app:${SECRET}@db.internal:5432/actors`;

  it('never appear, whatever shape they are logged in', () => {
    const { logger, text, lines } = memoryLogger({ level: 'debug' });
    logger.info({ password: SECRET, token: SECRET, secret: SECRET }, 'top level');
    logger.info(
      { db: { password: SECRET }, a: { b: { c: { dbPassword: SECRET, apiKey: SECRET } } } },
      'nested',
    );
    logger.info({ env: { JWT_SECRET: SECRET, ENCRYPTION_KEY: SECRET, DB_PASSWORD: SECRET } }, 'env');
    logger.info(
      {
        headers: {
          authorization: `Bearer ${SECRET}`,
          cookie: `sid=${SECRET}`,
          'set-cookie': [`sid=${SECRET}`],
        },
      },
      'headers',
    );
    logger.info({ req: { headers: { authorization: `Basic ${SECRET}`, 'x-api-key': SECRET } } }, 'request');
    logger.info(
      {
        settings: {
          databaseUrl: url('postgres'),
          redisUrl: url('redis'),
          encryptionKey: SECRET,
          security: { jwtSecret: SECRET },
        },
      },
      'settings',
    );
    logger.info({ url: url('postgres'), jwksUrl: `https://${SECRET}@id/jwks`, target: url('redis') }, 'urls');
    logger.info({ sources: [{ endpointUrl: url('https') }, `see ${url('postgresql')}`] }, 'in lists');
    logger.info({ link: `https://id/cb?code=1&access_token=${SECRET}&password=${SECRET}` }, 'query');
    logger.info(`connecting to ${url('postgres')}`);
    logger.info('connecting to %s', url('rediss'));
    logger.error({ err: new Error(`connect failed for ${url('postgres')}`) }, 'error object');
    logger.warn({ err: `ECONNREFUSED ${url('redis')}` }, 'error text');
    logger.child({ url: url('postgres'), databaseUrl: url('postgres'), password: SECRET }).info('bindings');
    jobLogger(logger, 'j', { connection: url('postgres'), token: SECRET }).info('job bindings');
    expect(lines()).toHaveLength(15);
    expect(text()).not.toContain(SECRET);
  });

  it('keeps what is useful: the host and path of a URL, and the fields around a secret', () => {
    const { logger, lines } = memoryLogger();
    logger.info({ sourceUrl: url('postgres'), user: 'app', db: { password: SECRET, host: 'db' } }, 'x');
    expect(lines()[0]).toMatchObject({
      sourceUrl: 'postgres://[redacted]@db.internal:5432/actors',
      user: 'app',
      db: { password: '[redacted]', host: 'db' },
    });
  });

  it('does not choke on a circular object', () => {
    const { logger, lines } = memoryLogger();
    const loop: Record<string, unknown> = { password: SECRET };
    loop.self = loop;
    logger.info({ loop }, 'circular');
    expect(lines()[0]).toMatchObject({ msg: 'circular' });
  });
});

describe('redact helpers', () => {
  it.each([
    ['password', true],
    ['DB_PASSWORD', true],
    ['jwtSecret', true],
    ['x-api-key', true],
    ['Set-Cookie', true],
    ['refresh_token', true],
    ['ENCRYPTION_KEY', true],
    ['passwordPolicy', false],
    ['tokens', false],
    ['actorId', false],
  ])('isSecretKey(%s) is %s', (key, secret) => {
    expect(isSecretKey(key)).toBe(secret);
  });

  it('stripCredentials handles passwords holding @ and leaves URLs without credentials alone', () => {
    expect(stripCredentials('postgres://u:p@ss@h/db and redis://h:6379')).toBe(
      'postgres://[redacted]@h/db and redis://h:6379',
    );
    expect(stripCredentials('no url here: user@example.com')).toBe('no url here: user@example.com');
  });
});
