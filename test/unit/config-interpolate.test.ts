/** config/interpolate.ts: `${VAR}` and `${VAR:-default}` in YAML string values. */
import { interpolate } from '../../config/interpolate';

describe('interpolate', () => {
  const env = { HOST: 'db', EMPTY: '', PASSWORD: 'p$w{d}' };

  it('replaces references in strings at any depth, in lists too', () => {
    const { value, problems, variables } = interpolate(
      { a: 'postgres://${HOST}:5432', b: { c: ['x-${HOST}-y', 7, true, null] } },
      env,
    );
    expect(value).toEqual({ a: 'postgres://db:5432', b: { c: ['x-db-y', 7, true, null] } });
    expect(problems).toEqual([]);
    expect(variables.get('a')).toEqual(['HOST']);
    expect(variables.get('b.c.0')).toEqual(['HOST']);
  });

  it('uses the default when the variable is unset or empty, like the shell', () => {
    expect(interpolate({ a: '${NOPE:-5432}', b: '${EMPTY:-x}', c: '${NOPE:-}' }, env).value).toEqual({
      a: '5432',
      b: 'x',
      c: '',
    });
  });

  it('keeps an empty value without a default (it is set)', () => {
    expect(interpolate({ a: '${EMPTY}' }, env).value).toEqual({ a: '' });
  });

  it('leaves a lone $, an escaped $${ and the values of variables alone', () => {
    expect(interpolate({ a: 'pa$$word$', b: '$${HOST}', c: '${PASSWORD}' }, env).value).toEqual({
      a: 'pa$$word$',
      b: '${HOST}',
      c: 'p$w{d}',
    });
  });

  it('reports an unset variable by path and leaves the value out', () => {
    const { value, problems } = interpolate({ db: { password: '${DB_PASSWORD}', host: '${HOST}' } }, env);
    expect(value).toEqual({ db: { host: 'db' } });
    expect(problems).toEqual([
      {
        path: 'db.password',
        message: 'uses ${DB_PASSWORD}, which is not set (set it, or write ${DB_PASSWORD:-default})',
      },
    ]);
  });

  it('does not touch keys', () => {
    expect(interpolate({ '${HOST}': 'x' }, env).value).toEqual({ '${HOST}': 'x' });
  });
});
