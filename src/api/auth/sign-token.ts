/**
 * Issues HS256 tokens the API accepts (`actor-core token`, tests, benchmarks): `sub`, `scope`
 * (space-separated), `iss`, `aud`, `iat`, `exp` and a random `jti`. Services that issue their own
 * tokens, or RS256 ones through a key set, need none of this.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { ActorCoreError } from '../../core/errors';
import { secretKey } from './token-verifier';

export interface SignTokenOptions {
  secret: string;
  issuer: string;
  audience: string;
  subject: string;
  scopes: readonly string[];
  /** Lifetime in seconds. */
  ttlSeconds: number;
  /** Issue time, seconds since the epoch (tests); default now. */
  now?: number;
}

/** Longest lifetime `parseTtl` accepts: tokens cannot be revoked, so keep them short. */
export const MAX_TTL_SECONDS = 365 * 86_400;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90`, `90s`, `15m`, `1h`, `7d` → seconds; INVALID_CONFIG naming `--ttl` otherwise. */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match === null ? NaN : Number(match[1]) * UNIT_SECONDS[match[2] || 's']!;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_TTL_SECONDS) {
    throw new ActorCoreError(
      'INVALID_CONFIG',
      `--ttl must be a duration such as 90s, 15m, 1h or 7d, from 1 s to 365 d; got ${JSON.stringify(text)}`,
      { field: '--ttl' },
    );
  }
  return seconds;
}

export async function signToken(options: SignTokenOptions): Promise<string> {
  const iat = options.now ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: options.scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.subject)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + options.ttlSeconds)
    .setJti(randomUUID())
    .sign(secretKey(options.secret));
}
