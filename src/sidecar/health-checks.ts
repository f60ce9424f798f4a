/**
 * Health checks: small async probes of one dependency each, run with a short timeout so that a hung
 * connection answers "error" in time for the orchestrator's probe instead of hanging it.
 *
 * The endpoints may be open (OPEN_OPS_ENDPOINTS), so a failure is reported by its kind only (an error
 * code such as ECONNREFUSED, or a CheckFailure's own message), never by a driver message that may name
 * hosts, users or databases.
 */
import type { Cluster, Redis } from 'ioredis';
import type pg from 'pg';

/** Resolves when the dependency is usable; may return details to show (e.g. migration counts). */
export type HealthCheck = () => Promise<CheckDetails | void>;

export type CheckDetails = Record<string, string | number | boolean>;

export interface CheckResult {
  status: 'ok' | 'error';
  latencyMs: number;
  /** Why it failed: a short reason safe to show on an open endpoint. */
  error?: string;
  [detail: string]: string | number | boolean | undefined;
}

/** A failure whose message is written by us and safe to show as it is. */
export class CheckFailure extends Error {
  constructor(
    message: string,
    readonly details: CheckDetails = {},
  ) {
    super(message);
    this.name = 'CheckFailure';
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof CheckFailure) return err.message;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(code)) return code;
  return err instanceof Error ? err.name : 'failed';
}

/** Runs `check`, bounded by `timeoutMs`; never rejects. */
export async function runCheck(check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  const start = process.hrtime.bigint();
  const latencyMs = (): number => Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailure(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const details = await Promise.race([check(), timedOut]);
    return { status: 'ok', latencyMs: latencyMs(), ...(details ?? {}) };
  } catch (err) {
    const details = err instanceof CheckFailure ? err.details : {};
    return { status: 'error', latencyMs: latencyMs(), error: reasonOf(err), ...details };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs named checks in parallel. */
export async function runChecks(
  checks: Readonly<Record<string, HealthCheck>>,
  timeoutMs: number,
): Promise<Record<string, CheckResult>> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => runCheck(checks[name]!, timeoutMs)));
  return Object.fromEntries(names.map((name, i) => [name, results[i]!]));
}

/** Postgres answers `SELECT 1` (through the pool: a pool with no free connection is not healthy either). */
export function postgresCheck(pool: Pick<pg.Pool, 'query'>): HealthCheck {
  return async () => {
    await pool.query('SELECT 1');
  };
}

/**
 * Redis answers PING. A client that is not connected fails at once rather than queueing the PING
 * behind a reconnect (the offline queue would only make every probe wait for the timeout).
 */
export function redisCheck(redis: Pick<Redis | Cluster, 'status' | 'ping'>): HealthCheck {
  return async () => {
    if (redis.status !== 'ready') throw new CheckFailure(`connection ${redis.status}`);
    await redis.ping();
  };
}
