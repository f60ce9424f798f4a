/**
 * The parsers of single configuration values, each turning what YAML or a variable gave into a value
 * or an `Invalid` whose message reads after the field's name (`must be a port number …`). They accept
 * the text form of numbers and flags, since variables and `${VAR}` arrive as text, and never quote a
 * secret back. schema.ts puts them together into the configuration's shape.
 */
import { z } from 'zod';
import { parseKeyRing } from '../src/adapters/crypto/key-ring';
import { MIN_SECRET_BYTES } from '../src/api/auth/token-verifier';
import { isActorCoreError } from '../src/core/errors';
import { usableCpus } from './usable-cpus';

export class Invalid {
  constructor(readonly message: string) {}
}

/** What a rejected value was, short: text is quoted, so `"0"` from a variable differs from 0 in YAML. */
export function got(raw: unknown): string {
  if (raw === null) return 'got an empty value';
  if (Array.isArray(raw)) return 'got a list';
  if (typeof raw === 'object') return 'got a mapping';
  return `got ${JSON.stringify(raw)}`;
}

export function blank(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
}

/** A field parsed by `parse`; required fields report "is missing", optional ones give undefined. */
export function field<T>(parse: (raw: unknown) => T | Invalid): z.ZodType<T>;
export function field<T>(parse: (raw: unknown) => T | Invalid, optional: true): z.ZodType<T | undefined>;
export function field<T>(parse: (raw: unknown) => T | Invalid, optional = false): z.ZodType<T | undefined> {
  const parsed = z.unknown().transform((raw, ctx) => {
    if (optional && blank(raw)) return undefined;
    if (raw === undefined) {
      ctx.addIssue({ code: 'custom', message: 'is missing' });
      return z.NEVER;
    }
    const value = parse(typeof raw === 'string' ? raw.trim() : raw);
    if (!(value instanceof Invalid)) return value;
    ctx.addIssue({ code: 'custom', message: value.message });
    return z.NEVER;
  });
  // zod 4 rejects an undefined result for a key unless the schema is marked optional.
  return optional ? parsed.optional() : parsed;
}

function integerOf(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? raw : undefined;
  return typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

export const integer = (min: number, max: number): ((raw: unknown) => number | Invalid) => {
  return (raw) => {
    const n = integerOf(raw);
    return n !== undefined && n >= min && n <= max
      ? n
      : new Invalid(`must be an integer from ${min} to ${max}, ${got(raw)}`);
  };
};

export const port = (allowZero = false): ((raw: unknown) => number | Invalid) => {
  return (raw) => {
    const n = integerOf(raw);
    return n !== undefined && n >= (allowZero ? 0 : 1) && n <= 65535
      ? n
      : new Invalid(`must be a port number (${allowZero ? 0 : 1} to 65535), ${got(raw)}`);
  };
};

export function flag(raw: unknown): boolean | Invalid {
  if (typeof raw === 'boolean') return raw;
  const text = typeof raw === 'string' || typeof raw === 'number' ? String(raw).toLowerCase() : '';
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  return new Invalid(`must be true or false, ${got(raw)}`);
}

/** Plain text; numbers are accepted for names (`name: 2024`), since YAML reads them as numbers. */
export function text(raw: unknown): string | Invalid {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  return new Invalid(`must be text, ${got(raw)}`);
}

/** Text that is not empty: an empty `iss`/`aud` would make jose skip comparing the token's claim. */
export function nonEmptyText(raw: unknown): string | Invalid {
  const value = text(raw);
  if (value instanceof Invalid) return value;
  return value === '' ? new Invalid('must not be empty') : value;
}

/** A secret: text only (a number would lose leading zeros) and never echoed. */
export function secret(raw: unknown): string | Invalid {
  return typeof raw === 'string'
    ? raw
    : new Invalid('must be text (quote it in YAML); its value is not shown');
}

/** The HS256 secret: checked here too, so that `migrate` refuses what `api` would fail to start with. */
export function jwtSecret(raw: unknown): string | Invalid {
  const value = secret(raw);
  if (value instanceof Invalid) return value;
  return Buffer.byteLength(value, 'utf8') >= MIN_SECRET_BYTES
    ? value
    : new Invalid(
        `must be at least ${MIN_SECRET_BYTES} bytes (HS256 needs a 256-bit key); its value is not shown`,
      );
}

/** The key ring text, parsed once here to be checked (the adapter parses it again where it is used). */
export function encryptionKey(raw: unknown): string | Invalid {
  const value = secret(raw);
  if (value instanceof Invalid) return value;
  try {
    parseKeyRing(value);
    return value;
  } catch (err) {
    if (!isActorCoreError(err)) throw err;
    // The key ring's messages start with the variable's name; the loader puts the real origin in front.
    return new Invalid(err.message.replace(/^ENCRYPTION_KEY /, ''));
  }
}

export const matching = (pattern: RegExp, what: string): ((raw: unknown) => string | Invalid) => {
  return (raw) => {
    const value = text(raw);
    if (value instanceof Invalid) return value;
    return pattern.test(value) ? value : new Invalid(`must be ${what}, ${got(raw)}`);
  };
};

export const oneOf = <T extends string>(values: readonly T[]): ((raw: unknown) => T | Invalid) => {
  return (raw) =>
    (values as readonly unknown[]).includes(raw)
      ? (raw as T)
      : new Invalid(`must be one of ${values.join(', ')}, ${got(raw)}`);
};

/**
 * A URL with one of `protocols` and a host. Only the protocol is ever echoed: URLs carry passwords.
 * (A Postgres URL may name a Unix socket folder as `?host=/path` instead.) `check` adds what a scheme
 * needs of the rest.
 */
export const url = (
  protocols: readonly string[],
  check: (parsed: URL) => string | undefined = () => undefined,
): ((raw: unknown) => string | Invalid) => {
  return (raw) => {
    if (typeof raw !== 'string') return new Invalid(`must be a URL (${protocols.join(' or ')}) in text`);
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      return new Invalid(`must be a URL (${protocols.join(' or ')}), got something that does not parse`);
    }
    if (!protocols.includes(parsed.protocol)) {
      return new Invalid(`must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
    }
    if (parsed.hostname === '' && !parsed.searchParams.has('host')) {
      return new Invalid(`must name a host (${parsed.protocol}//HOST…), got none`);
    }
    const wrong = check(parsed);
    return wrong === undefined ? raw : new Invalid(wrong);
  };
};

/** A thread count up to `max`, or `auto`: one per CPU the process may use (its cgroup CPU limit included). */
export const threadCount = (max: number): ((raw: unknown) => number | Invalid) => {
  const upToMax = integer(1, max);
  return (raw) => {
    if (raw === 'auto') return usableCpus();
    const n = upToMax(raw);
    return n instanceof Invalid
      ? new Invalid(`must be an integer from 1 to ${max} (or auto), ${got(raw)}`)
      : n;
  };
};

/**
 * Which proxies' X-Forwarded-For to believe, as Express's `trust proxy` takes it: false (none, the
 * default: a client could forge its address and dodge the per-IP rate limit), true (any), a hop count,
 * or a comma-separated list of addresses, subnets (10.0.0.0/8) and Express's names (loopback,
 * linklocal, uniquelocal).
 */
export type TrustProxy = boolean | number | string[];

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
const PROXY_ADDRESS = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)(?:\/\d{1,3})?$/;

export function trustProxy(raw: unknown): TrustProxy | Invalid {
  const asFlag = flag(raw);
  if (!(asFlag instanceof Invalid)) return asFlag;
  const hops = integerOf(raw);
  if (hops !== undefined) return hops;
  if (typeof raw !== 'string')
    return new Invalid(`must be true, false, a hop count or a list of addresses, ${got(raw)}`);
  const entries = raw.split(',').map((entry) => entry.trim());
  const wrong = entries.find((entry) => !PROXY_NAMES.includes(entry) && !PROXY_ADDRESS.test(entry));
  return wrong === undefined
    ? entries
    : new Invalid(
        `must be true, false, a hop count, or addresses/subnets and ${PROXY_NAMES.join(', ')} separated by commas; ${JSON.stringify(wrong)} is none of these`,
      );
}

/** A Redis URL's path is its database number, as `cache.redis.db` allows it: `/`, or `/0` to `/1000`. */
export function redisDatabasePath(parsed: URL): string | undefined {
  const db = parsed.pathname.replace(/^\//, '');
  if (db === '' || (/^\d{1,4}$/.test(db) && Number(db) <= 1000)) return undefined;
  // Not quoted: a password holding a '/' after digits parses as port and path, and would show here.
  return 'must end in a database number from 0 to 1000 (/0 … /1000) or nothing, got a path that is not one';
}

export const HOST = matching(/^(?:[A-Za-z0-9_.-]+|\[?[0-9A-Fa-f:.]+\]?)$/, 'a host name or IP address');
export const MS = integer(1, 3_600_000);

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `whole.fraction` units in ms, exactly (16.1 s is 16100, not 16100.000000000002); NaN if not whole ms. */
function exactMs(whole: string, fraction: string, unitMs: number): number {
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(whole) * scale + BigInt(fraction === '' ? 0 : fraction)) * BigInt(unitMs);
  return scaled % scale === 0n ? Number(scaled / scale) : NaN;
}

/** A duration as the guide writes them ("30s", "1h", "250ms") or a number of ms, to whole ms within bounds. */
export const duration = (min: number, max: number): ((raw: unknown) => number | Invalid) => {
  const bounds = `from ${min} ms to ${max / 1000} s`;
  return (raw) => {
    let ms: number | undefined;
    if (typeof raw === 'number') ms = raw;
    else if (typeof raw === 'string') {
      const match = /^(\d{1,12})(?:\.(\d{1,9}))?(ms|s|m|h)?$/.exec(raw);
      if (match !== null)
        ms = exactMs(match[1]!, match[2] ?? '', UNIT_MS[(match[3] ?? 'ms') as keyof typeof UNIT_MS]);
    }
    return ms !== undefined && Number.isInteger(ms) && ms >= min && ms <= max
      ? ms
      : new Invalid(
          `must be a duration ${bounds} like "30s", "1m" or "250ms" (or a number of ms), ${got(raw)}`,
        );
  };
};
