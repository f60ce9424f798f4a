/**
 * Connection URLs from the parts of the guide's `database:` and `cache.redis:` sections. User names and
 * passwords are percent-encoded: a password with `@`, `:` or `/` would otherwise change the URL's
 * meaning (and a URL written by hand in YAML is where that goes wrong, hence the parts).
 */
import type { ConfigTree } from './schema';

/** IPv6 addresses go in brackets in a URL's host. */
function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function userInfo(user: string | undefined, password: string | undefined): string {
  if (user === undefined && password === undefined) return '';
  const name = user === undefined ? '' : encodeURIComponent(user);
  return password === undefined ? `${name}@` : `${name}:${encodeURIComponent(password)}@`;
}

/** `postgres://user:password@host:port/name?sslmode=…`; undefined when neither a URL nor a host is given. */
export function databaseUrl(db: ConfigTree['database']): string | undefined {
  if (db.url !== undefined) return db.url;
  if (db.host === undefined) return undefined;
  const name = db.name === undefined ? '' : encodeURIComponent(db.name);
  const query = db.ssl_mode === undefined ? '' : `?sslmode=${db.ssl_mode}`;
  return `postgres://${userInfo(db.user, db.password)}${urlHost(db.host)}:${db.port ?? 5432}/${name}${query}`;
}

/** `redis[s]://[user]:password@host:port/db`; undefined when neither a URL nor a host is given. */
export function redisUrl(redis: ConfigTree['cache']['redis']): string | undefined {
  if (redis.url !== undefined) return redis.url;
  if (redis.host === undefined) return undefined;
  const scheme = redis.tls === true ? 'rediss' : 'redis';
  const db = redis.db === undefined ? '' : `/${redis.db}`;
  return `${scheme}://${userInfo(redis.user, redis.password)}${urlHost(redis.host)}:${redis.port ?? 6379}${db}`;
}
