/**
 * Keeping secrets out of log lines, in two layers:
 * - REDACTED_PATHS: pino's own redaction (fast, compiled once) of the places secrets are known to be
 *   logged: settings objects, request headers, error details.
 * - scrub(): for everything else, a walk over each logged object that censors any key that names a
 *   secret (password, dbPassword, JWT_SECRET, accessToken, cookie, …) at any depth, and strips
 *   `user:password@` (and secret query parameters) from URLs in any string, whatever the field is named:
 *   a connection URL ends up in a message or an error far from where it was configured.
 */

export const CENSOR = '[redacted]';

/** Paths whose values never reach a log line (pino `redact`; applies to child bindings too). */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'encryptionKey',
  '*.encryptionKey',
  'jwtSecret',
  '*.jwtSecret',
  'security.jwtSecret',
  'settings.security.jwtSecret',
  'settings.encryptionKey',
  'databaseUrl',
  '*.databaseUrl',
  'redisUrl',
  '*.redisUrl',
];

/** Keys (lower case, without `_` and `-`) that are secrets whatever they are nested in. */
const SECRET_KEYS = new Set(['authorization', 'proxyauthorization', 'cookie', 'setcookie', 'passwd', 'pwd']);
/** …and keys ending like these: dbPassword, JWT_SECRET, clientSecret, idToken, x-api-key, ENCRYPTION_KEY. */
const SECRET_SUFFIXES = ['password', 'secret', 'token', 'apikey', 'privatekey', 'encryptionkey', 'cookie'];

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  return SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((suffix) => k.endsWith(suffix));
}

/** `scheme://user:password@` (or `scheme://token@`) anywhere in a text. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]+@/gi;
/** `?password=…`, `&token=…` and the like in a URL's query (pg and Redis URLs accept them). */
const SECRET_QUERY = /([?&][\w.-]+)=([^&#\s]*)/g;

/** The text with the credentials of every URL in it replaced by [redacted]. */
export function stripCredentials(text: string): string {
  if (!text.includes('://')) return text;
  const withoutUserInfo = text.replace(URL_CREDENTIALS, `$1${CENSOR}@`);
  return withoutUserInfo.replace(SECRET_QUERY, (whole, name: string) =>
    isSecretKey(name.slice(1)) ? `${name}=${CENSOR}` : whole,
  );
}

const MAX_DEPTH = 8;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` with secret keys censored and URL credentials stripped. Only plain objects and
 * arrays are walked (an Error goes through the `err` serializer, which scrubs its plain form).
 */
export function scrub(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return stripCredentials(value);
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object' || seen.has(value)) return value;
  if (Array.isArray(value)) {
    seen.add(value);
    return value.map((item) => scrub(item, depth + 1, seen));
  }
  if (!isPlainObject(value)) return value;
  seen.add(value);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] =
      isSecretKey(key) && item !== undefined && item !== null ? CENSOR : scrub(item, depth + 1, seen);
  }
  return copy;
}
