/**
 * Bearer tokens: JWTs signed HS256 with JWT_SECRET, or RS256 by a key from JWT_JWKS_URL (fetched and
 * cached by jose's remote key set). `exp`, `iss` and `aud` are required and checked. A verified token
 * is remembered (by its text, until it expires and at most a minute) so that a client sending the same
 * token on every request costs a map lookup, not an HMAC and a handful of promises: that is most of
 * the budget of a sub-millisecond snapshot read.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ActorCoreError } from '../../core/errors';
import { ApiError } from '../api-error';
import { parseScopeClaim } from './scopes';

/** HS256 keys shorter than the hash are weak (RFC 7518 §3.2); refused at startup. */
export const MIN_SECRET_BYTES = 32;

export interface Principal {
  /** The token's `sub`, when it has one. */
  readonly subject: string | undefined;
  readonly scopes: ReadonlySet<string>;
  /** `exp`, in ms since the epoch. */
  readonly expiresAt: number;
}

export interface TokenVerifierOptions {
  /** HS256 secret (settings.security.jwtSecret). */
  secret?: string | undefined;
  /** RS256 key set (settings.security.jwksUrl). */
  jwksUrl?: string | undefined;
  issuer: string;
  audience: string;
  /** Verified tokens remembered at once; default 10,000. */
  cacheSize?: number;
  /** How long a verified token is remembered at most, in ms; default 60 s. */
  cacheMs?: number;
  /** Seconds of clock skew tolerated on exp/nbf/iat; default 5. */
  clockToleranceSeconds?: number;
}

/** The secret as bytes, or INVALID_CONFIG naming JWT_SECRET. */
export function secretKey(secret: string): Uint8Array {
  const key = new TextEncoder().encode(secret);
  if (key.length < MIN_SECRET_BYTES) {
    throw new ActorCoreError(
      'INVALID_CONFIG',
      `JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes (HS256 needs a 256-bit key)`,
      { field: 'JWT_SECRET' },
    );
  }
  return key;
}

function unauthorized(message: string): ApiError {
  return new ApiError(401, 'INVALID_TOKEN', message, undefined, {
    'WWW-Authenticate': `Bearer realm="actor-core", error="invalid_token", error_description="${message}"`,
  });
}

/** A jose error as the 401 (or, when the key set cannot be fetched, 503) a client gets. */
export function authFailure(err: unknown): ApiError {
  if (err instanceof errors.JWTExpired) return unauthorized('the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    const claim = err.claim.replace(/[^a-z]/gi, '');
    return unauthorized(
      err.reason === 'missing'
        ? `the token has no "${claim}" claim`
        : `the token's "${claim}" claim is not accepted`,
    );
  }
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return unauthorized('the token signature is invalid');
  if (err instanceof errors.JOSEAlgNotAllowed) return unauthorized('the token algorithm is not accepted');
  if (err instanceof errors.JWKSNoMatchingKey) return unauthorized('no key of the key set matches the token');
  if (
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid ||
    !(err instanceof errors.JOSEError)
  ) {
    // Our key set could not be fetched: not the client's fault, and retrying may succeed.
    return new ApiError(
      503,
      'AUTH_UNAVAILABLE',
      'tokens cannot be verified right now; retry later',
      undefined,
      {
        'Retry-After': '5',
      },
    );
  }
  return unauthorized('the token is invalid');
}

export class TokenVerifier {
  private readonly getKey: JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly options: { issuer: string; audience: string; clockTolerance: number };
  /** Token text → its principal and until when it may be answered from here (≤ its exp). */
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private readonly cacheSize: number;
  private readonly cacheMs: number;

  constructor(options: TokenVerifierOptions) {
    const secret = options.secret === undefined ? undefined : secretKey(options.secret);
    const remote = options.jwksUrl === undefined ? undefined : createRemoteJWKSet(new URL(options.jwksUrl));
    if (secret === undefined && remote === undefined) {
      throw new ActorCoreError('INVALID_CONFIG', 'set JWT_SECRET or JWT_JWKS_URL: the API verifies tokens', {
        field: 'JWT_SECRET',
      });
    }
    this.algorithms = [...(secret ? ['HS256'] : []), ...(remote ? ['RS256'] : [])];
    // Each algorithm has its own key: an RS256 public key is never used as an HMAC secret.
    this.getKey = async (header, token) => {
      if (header.alg === 'HS256' && secret !== undefined) return secret;
      if (header.alg === 'RS256' && remote !== undefined) return remote(header, token);
      throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
    };
    this.options = {
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: options.clockToleranceSeconds ?? 5,
    };
    this.cacheSize = options.cacheSize ?? 10_000;
    this.cacheMs = options.cacheMs ?? 60_000;
  }

  /** The principal of a token verified recently and not expired since; else undefined. */
  cached(token: string): Principal | undefined {
    const hit = this.cache.get(token);
    if (hit === undefined) return undefined;
    if (Date.now() < hit.until) return hit.principal;
    this.cache.delete(token);
    return undefined;
  }

  /** Verifies the token (signature, exp, iss, aud); rejects with the ApiError to answer. */
  async verify(token: string): Promise<Principal> {
    const cached = this.cached(token);
    if (cached !== undefined) return cached;
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.getKey, {
        ...this.options,
        algorithms: this.algorithms,
        requiredClaims: ['exp', 'iss', 'aud'],
      }));
    } catch (err) {
      throw authFailure(err);
    }
    const principal: Principal = {
      subject: typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined,
      scopes: parseScopeClaim(payload.scope),
      expiresAt: (payload.exp as number) * 1000,
    };
    this.remember(token, principal);
    return principal;
  }

  private remember(token: string, principal: Principal): void {
    if (this.cache.size >= this.cacheSize) {
      // Oldest first (Map order): a full cache loses its oldest tenth, not everything at once.
      let drop = Math.max(1, this.cacheSize >> 3);
      for (const key of this.cache.keys()) {
        this.cache.delete(key);
        if (--drop === 0) break;
      }
    }
    this.cache.set(token, { principal, until: Math.min(principal.expiresAt, Date.now() + this.cacheMs) });
  }
}
