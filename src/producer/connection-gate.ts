/**
 * Whether the caller's connection can take a producer's commands, and why not. BullMQ would wait for
 * the connection to become ready (forever, while ioredis keeps reconnecting), so the fail-fast options
 * would never apply: calls wait here instead, at most the connect timeout, and fail with the reason of
 * the last connection error. A refused password is a configuration error (permanent); anything else
 * (refused, unreachable, unknown host: DNS can be briefly wrong while a service is created) is an
 * outage to retry.
 */
import type { Redis } from 'ioredis';
import { ActorCoreError } from '../core/errors';
import { authError, isAuthError } from './producer-errors';

/** The events listened to: one listener each per producer, removed by `dispose`. */
const EVENTS = ['error', 'ready', 'reconnecting', 'end'] as const;

export class ConnectionGate {
  private lastError: Error | undefined;
  /** The wait shared by every call made while the connection connects (one set of listeners). */
  private waiting: { promise: Promise<void>; settle: (err?: Error) => void } | undefined;
  private readonly handlers: Record<(typeof EVENTS)[number], (...args: unknown[]) => void>;
  private disposed = false;

  constructor(private readonly connection: Redis) {
    this.handlers = {
      // Not `instanceof Error`: socket errors come from Node's own realm (another Error under jest).
      error: (err) => {
        if (typeof (err as Error | undefined)?.message === 'string') this.lastError = err as Error;
      },
      ready: () => {
        this.lastError = undefined;
        this.waiting?.settle();
      },
      reconnecting: () => this.waiting?.settle(this.unavailable()),
      end: () => this.waiting?.settle(this.unavailable()),
    };
    // Counted like BullMQ counts its own: the limit still catches listeners that leak.
    this.adjustMaxListeners(1);
    for (const event of EVENTS) connection.on(event, this.handlers[event]);
  }

  /** Resolves once the connection is ready; rejects at once when it is down, or after its connect timeout. */
  async ready(): Promise<void> {
    const connection = this.connection;
    if (connection.status === 'ready') return;
    if (connection.status === 'wait') void connection.connect().catch(() => undefined);
    else if (connection.status !== 'connecting' && connection.status !== 'connect') throw this.unavailable();
    if (this.waiting === undefined) {
      let settle!: (err?: Error) => void;
      const promise = new Promise<void>((resolve, reject) => {
        const limit = connection.options.connectTimeout ?? 10_000;
        const timer = setTimeout(() => settle(this.unavailable(`no answer within ${limit} ms`)), limit);
        settle = (err?: Error): void => {
          clearTimeout(timer);
          this.waiting = undefined;
          if (err === undefined) resolve();
          else reject(err);
        };
      });
      this.waiting = { promise, settle };
    }
    return this.waiting.promise;
  }

  /** The error for a connection that is not ready: the last connection error says why. */
  unavailable(why?: string): ActorCoreError {
    const cause = this.lastError;
    if (cause !== undefined && isAuthError(cause)) return authError(cause);
    const reason = why ?? cause?.message;
    const error = new ActorCoreError(
      'STORE_UNAVAILABLE',
      `Redis is unavailable (connection ${this.connection.status}${reason === undefined ? '' : `: ${reason}`})`,
      {},
      false,
    );
    if (cause !== undefined) error.cause = cause;
    return error;
  }

  /** Removes the listeners; a call still waiting fails with `err`. */
  dispose(err: Error): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const event of EVENTS) this.connection.off(event, this.handlers[event]);
    this.adjustMaxListeners(-1);
    this.waiting?.settle(err);
  }

  private adjustMaxListeners(delta: number): void {
    const max = this.connection.getMaxListeners();
    // 0 and Infinity mean "no limit".
    if (max > 0 && Number.isFinite(max)) this.connection.setMaxListeners(Math.max(max + delta, 0));
  }
}
