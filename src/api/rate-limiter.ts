/**
 * Rate limiting shared by every API instance through Redis: a fixed window per client (the token's
 * subject, else the IP address), counted by one Lua script so that INCR and PEXPIRE are atomic (a
 * crash between the two can never leave a counter without expiry, which would block a client for
 * good). The script answers with one integer: the count while under the limit, else minus the
 * window's remaining milliseconds, so the common case costs one round trip and no reply array. The
 * snapshot route uses a variant that also reads the snapshot, so that its request is one Redis call.
 *
 * When Redis fails the request is let through (fail open) and a warning logged at most every 10 s:
 * the limiter protects capacity, it must not turn a Redis hiccup into an outage of the write path.
 */
import type { RequestHandler } from 'express';
import type { Cluster, Redis } from 'ioredis';
import { storeError } from '../adapters/redis/store-error';
import type { Logger } from '../logging/create-logger';
import { ApiError } from './api-error';
import { principalOf } from './auth/authenticate';
import type { Principal } from './auth/token-verifier';

export const RATE_LIMIT_COMMAND = 'actorCoreRateLimit';
export const COUNTED_GET_COMMAND = 'actorCoreCountedGet';

// Counts in KEYS[1]: `n` is the count, `ttl` what is left of the window. ARGV[1] window ms, ARGV[2] max.
const COUNT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
if ttl < 1 then ttl = 1 end`;

export const RATE_LIMIT_LUA = `${COUNT}
if n > tonumber(ARGV[2]) then return -ttl end
return n`;

/**
 * The hot path's script: counts the request and, when allowed, reads KEYS[2] (a cached snapshot) in
 * the same call. Both keys must be in one slot on Redis Cluster (a `{hash tag}` in the prefix).
 */
export const COUNTED_GET_LUA = `${COUNT}
if n > tonumber(ARGV[2]) then return {-ttl} end
return {n, redis.call('GET', KEYS[2])}`;

type WithScripts = {
  [RATE_LIMIT_COMMAND](key: string, windowMs: string, max: string): Promise<number>;
  [COUNTED_GET_COMMAND](
    key: string,
    readKey: string,
    windowMs: string,
    max: string,
  ): Promise<[number, string | null | undefined]>;
};

export interface RateLimiterOptions {
  redis: Redis | Cluster;
  /** settings.redisKeyPrefix: keys are `<prefix>:ratelimit:sub:<subject>` / `…:ip:<address>`. */
  keyPrefix: string;
  windowMs: number;
  max: number;
  logger?: Logger;
}

/** What one counted request may do. */
export interface RateDecision {
  allowed: boolean;
  /** When refused: seconds until the window ends (at least 1). */
  retryAfterSeconds: number;
}

const ALLOWED: RateDecision = { allowed: true, retryAfterSeconds: 0 };

/** A script's count (allowed) or minus the window's remaining ms (refused) as a decision. */
function decide(reply: number): RateDecision {
  if (reply > 0) return ALLOWED;
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(-reply / 1000)) };
}
const WARN_EVERY_MS = 10_000;

export class RateLimiter {
  readonly keyPrefix: string;
  private readonly redis: WithScripts;
  private readonly windowMs: string;
  private readonly max: string;
  private readonly logger: Logger | undefined;
  private lastWarning = 0;
  /** Each principal's key, built once: cached principals come back on every request of their token. */
  private readonly subjectKeys = new WeakMap<Principal, string>();

  constructor(options: RateLimiterOptions) {
    options.redis.defineCommand(RATE_LIMIT_COMMAND, { lua: RATE_LIMIT_LUA, numberOfKeys: 1 });
    options.redis.defineCommand(COUNTED_GET_COMMAND, { lua: COUNTED_GET_LUA, numberOfKeys: 2 });
    this.redis = options.redis as unknown as WithScripts;
    this.keyPrefix = `${options.keyPrefix}:ratelimit:`;
    this.windowMs = String(options.windowMs);
    this.max = String(options.max);
    this.logger = options.logger;
  }

  /**
   * The counter of the request's client: its token's subject, else its IP address (`req.ip` is a getter
   * that allocates, so it is read only when there is no subject).
   */
  keyOf(principal: Principal | undefined, req: { readonly ip?: string | undefined }): string {
    if (principal?.subject === undefined) return `${this.keyPrefix}ip:${req.ip ?? 'unknown'}`;
    let key = this.subjectKeys.get(principal);
    if (key === undefined) {
      key = `${this.keyPrefix}sub:${principal.subject}`;
      this.subjectKeys.set(principal, key);
    }
    return key;
  }

  /** Counts one request against `key`. */
  async hit(key: string): Promise<RateDecision> {
    let reply: number;
    try {
      reply = await this.redis[RATE_LIMIT_COMMAND](key, this.windowMs, this.max);
    } catch (err) {
      this.warn(err);
      return ALLOWED;
    }
    return decide(reply);
  }

  /**
   * Counts one request against `key` and, when it is allowed, reads `readKey`: one script, one round
   * trip. Unlike `hit`, a Redis failure is thrown (STORE_UNAVAILABLE): the read needs Redis anyway.
   */
  async hitAndGet(key: string, readKey: string): Promise<{ decision: RateDecision; value: string | null }> {
    let reply: [number, string | null | undefined];
    try {
      reply = await this.redis[COUNTED_GET_COMMAND](key, readKey, this.windowMs, this.max);
    } catch (err) {
      throw storeError(err, 'counting a request and reading its snapshot');
    }
    return { decision: decide(reply[0]), value: reply[1] ?? null };
  }

  private warn(err: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger?.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'rate limiter unavailable: letting requests through',
    );
  }
}

/** The 429 for a refused request. */
export function rateLimited(decision: RateDecision): ApiError {
  return new ApiError(
    429,
    'RATE_LIMITED',
    `too many requests; retry in ${decision.retryAfterSeconds} s`,
    undefined,
    {
      'Retry-After': String(decision.retryAfterSeconds),
    },
  );
}

/** Counts the request against its client (token subject, else IP); 429 with Retry-After over the limit. */
export function rateLimit(limiter: RateLimiter): RequestHandler {
  return (req, res, next) => {
    limiter.hit(limiter.keyOf(principalOf(res), req)).then((decision) => {
      if (decision.allowed) next();
      else next(rateLimited(decision));
    }, next);
  };
}
