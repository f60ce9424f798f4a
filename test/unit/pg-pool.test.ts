/** The pg pool's time bounds (defaults and checks) and which pg errors count as transient. */
import {
  createPgPool,
  DEFAULT_PG_TIMEOUTS,
  isTransientPgError,
  pgTimeouts,
  rethrowPgError,
} from '../../src/adapters/pg/pg-pool';
import { ActorCoreError } from '../../src/core/errors';

describe('pgTimeouts', () => {
  it('bounds every connection by default', () => {
    const t = pgTimeouts();
    expect(t).toEqual(DEFAULT_PG_TIMEOUTS);
    expect(t.statementTimeoutMs).toBeGreaterThan(0);
    expect(t.lockTimeoutMs).toBeGreaterThan(0);
    expect(t.queryTimeoutMs).toBeGreaterThan(t.statementTimeoutMs);
    expect(t.keepAliveInitialDelayMs).toBeGreaterThan(0);
  });

  it('takes given values over the defaults, 0 turning one off', () => {
    expect(pgTimeouts({ statementTimeoutMs: 500, queryTimeoutMs: 800, lockTimeoutMs: 0 })).toEqual({
      ...DEFAULT_PG_TIMEOUTS,
      statementTimeoutMs: 500,
      queryTimeoutMs: 800,
      lockTimeoutMs: 0,
    });
    expect(pgTimeouts({ statementTimeoutMs: 0, queryTimeoutMs: 0 }).queryTimeoutMs).toBe(0);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31])('refuses %p naming the field', (bad) => {
    expect(() => pgTimeouts({ lockTimeoutMs: bad })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', field: 'lockTimeoutMs' }),
    );
  });

  it('refuses a client timeout that would fire before the server cancels the statement', () => {
    expect(() => pgTimeouts({ statementTimeoutMs: 1000, queryTimeoutMs: 1000 })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', field: 'queryTimeoutMs' }),
    );
    expect(() => pgTimeouts({ statementTimeoutMs: 0, queryTimeoutMs: 1000 })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', field: 'queryTimeoutMs' }),
    );
  });
});

describe('isTransientPgError', () => {
  const pgError = (code: string): Error => Object.assign(new Error('pg says no'), { code });

  it('counts a statement or lock timeout and the client query timeout as transient', () => {
    expect(isTransientPgError(pgError('57014'))).toBe(true); // statement_timeout (query_canceled)
    expect(isTransientPgError(pgError('55P03'))).toBe(true); // lock_timeout (lock_not_available)
    expect(isTransientPgError(new Error('Query read timeout'))).toBe(true); // pg's query_timeout
  });

  it('keeps lost connections transient and bad statements not', () => {
    expect(isTransientPgError(pgError('57P01'))).toBe(true);
    expect(isTransientPgError(pgError('ECONNRESET'))).toBe(true);
    expect(isTransientPgError(pgError('42601'))).toBe(false);
    expect(isTransientPgError(pgError('23505'))).toBe(false);
    expect(isTransientPgError('Query read timeout')).toBe(false);
  });
});

describe('rethrowPgError', () => {
  const pgError = (code: string, message: string): Error => Object.assign(new Error(message), { code });
  const rethrown = (err: unknown): unknown => {
    try {
      return rethrowPgError(err, 'seeding');
    } catch (thrown) {
      return thrown;
    }
  };

  it.each([
    ['3D000', 'database "no_such_db" does not exist'],
    ['28000', 'role "no_such_role" does not exist'],
    ['28P01', 'password authentication failed for user "app"'],
    ['3F000', 'schema "nope" does not exist'],
    ['42501', 'permission denied for table actors'],
  ])(
    'makes %s (wrong settings, not an outage) a permanent INVALID_CONFIG naming the cause',
    (code, message) => {
      const err = rethrown(pgError(code, message));
      expect(err).toBeInstanceOf(ActorCoreError);
      expect(err).toMatchObject({ code: 'INVALID_CONFIG', permanent: true, field: 'DATABASE_URL' });
      expect((err as ActorCoreError).message).toBe(
        `Postgres refused while seeding: ${message} (SQLSTATE ${code}); check DATABASE_URL and the role`,
      );
    },
  );

  it('keeps a lost connection retryable and passes a bad statement on unchanged', () => {
    expect(rethrown(pgError('57P01', 'terminating connection'))).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      permanent: false,
    });
    const syntax = pgError('42601', 'syntax error');
    expect(rethrown(syntax)).toBe(syntax);
  });
});

describe('createPgPool', () => {
  it('keeps the configured idle connections and replaces connections after their lifetime', async () => {
    const url = 'postgres://nobody@127.0.0.1:1/none';
    const pool = createPgPool({ url, max: 8, idleKept: 3, maxLifetimeSeconds: 3600 });
    const capped = createPgPool({ url, max: 2, idleKept: 10 });
    const plain = createPgPool({ url, max: 2 });
    try {
      expect(pool.options).toMatchObject({ max: 8, min: 3, maxLifetimeSeconds: 3600 });
      // Never more kept idle than the pool may hold; unset, pg's own behaviour (none kept, no lifetime).
      expect(capped.options).toMatchObject({ max: 2, min: 2 });
      expect(plain.options).toMatchObject({ min: 0, maxLifetimeSeconds: 0 });
    } finally {
      await Promise.all([pool.end(), capped.end(), plain.end()]);
    }
  });
});
