/**
 * A piscina pool of resolve threads: options, their defaults and their validation in one place, then a
 * pool whose threads each compile the registries once and resolve chunks of actors: JSON lines for
 * the CLI, each actor's outputs text for the queue worker.
 *
 * The thread file must be JavaScript, so the pool always runs the compiled dist/workers/resolve-thread.js
 * (`npm run build` first), also when this module itself is loaded from src/ (ts-jest).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Piscina from 'piscina';
import { compileRegistries } from '../core';
import type { LoadedRegistries } from '../registry';
import {
  STORE_TASK_NAME,
  type ChunkResult,
  type ResolveTask,
  type ResolveThreadData,
  type StoreChunkResult,
  type StoreTask,
} from './messages';

export interface ResolvePoolOptions {
  /** The registries every thread compiles once (only `combiner` and `capLayers` are sent). */
  registries: Pick<LoadedRegistries, 'combiner' | 'capLayers'>;
  /** Maximum number of threads; default `os.availableParallelism()`. */
  threads?: number;
  /** Threads kept even when idle, started eagerly; default `threads` (a fixed-size pool). */
  minThreads?: number;
  /** Milliseconds a thread above `minThreads` may stay idle before it exits (or Infinity); default 60 000. */
  idleTimeout?: number;
  /**
   * Tasks that may wait for a thread before `resolveChunk` rejects; a non-negative integer, `Infinity`
   * (default: the caller does its own back-pressure) or `'auto'` (threads²).
   */
  maxQueue?: number | 'auto';
}

export interface ResolvePoolSettings {
  threads: number;
  minThreads: number;
  idleTimeout: number;
  maxQueue: number | 'auto';
}

/** The defaults, like piscina's kDefaultOptions; `minThreads` follows `threads` when not given. */
export const kDefaultResolvePoolOptions: Readonly<Omit<ResolvePoolSettings, 'minThreads'>> = {
  threads: os.availableParallelism(),
  idleTimeout: 60_000,
  maxQueue: Infinity,
};

const KNOWN_OPTIONS = new Set(['registries', 'threads', 'minThreads', 'idleTimeout', 'maxQueue']);

/** A bad option; `field` names it. */
export class ResolvePoolOptionError extends TypeError {
  readonly code = 'INVALID_POOL_OPTION';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`options.${field} ${message}`);
    this.name = 'ResolvePoolOptionError';
  }
}

function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return value === null ? 'null' : typeof value;
}

function integerAtLeast(value: unknown, min: number, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw new ResolvePoolOptionError(field, `must be an integer ≥ ${min}, got ${show(value)}`);
  return value;
}

/**
 * Fills in the defaults and checks every option; throws ResolvePoolOptionError naming the field.
 * Pure apart from the default thread count, so it is unit-tested without threads.
 */
export function resolvePoolSettings(options: ResolvePoolOptions): ResolvePoolSettings {
  if (typeof options !== 'object' || options === null)
    throw new ResolvePoolOptionError('registries', 'is required: pass { registries }');
  for (const key of Object.keys(options))
    if (!KNOWN_OPTIONS.has(key)) throw new ResolvePoolOptionError(key, 'is not a known option');
  const registries = options.registries as unknown;
  if (typeof registries !== 'object' || registries === null)
    throw new ResolvePoolOptionError('registries', `is required, got ${show(registries)}`);
  for (const part of ['combiner', 'capLayers'] as const) {
    const value = (registries as Record<string, unknown>)[part];
    if (typeof value !== 'object' || value === null)
      throw new ResolvePoolOptionError(`registries.${part}`, `must be an object, got ${show(value)}`);
  }
  const threads = integerAtLeast(options.threads ?? kDefaultResolvePoolOptions.threads, 1, 'threads');
  const minThreads = integerAtLeast(options.minThreads ?? threads, 0, 'minThreads');
  if (minThreads > threads)
    throw new ResolvePoolOptionError('minThreads', `(${minThreads}) must not exceed threads (${threads})`);
  const idleTimeout = options.idleTimeout ?? kDefaultResolvePoolOptions.idleTimeout;
  if (idleTimeout !== Infinity) integerAtLeast(idleTimeout, 0, 'idleTimeout');
  const maxQueue = options.maxQueue ?? kDefaultResolvePoolOptions.maxQueue;
  if (maxQueue !== 'auto' && maxQueue !== Infinity) integerAtLeast(maxQueue, 0, 'maxQueue');
  return { threads, minThreads, idleTimeout, maxQueue };
}

/** dist/workers/resolve-thread.js, from dist/src/pool (built) or src/pool (ts-jest). */
export function resolveThreadFile(): string {
  const candidates = [
    path.resolve(__dirname, '../../workers/resolve-thread.js'),
    path.resolve(__dirname, '../../dist/workers/resolve-thread.js'),
  ];
  const found = candidates.find((file) => fs.existsSync(file));
  if (found === undefined)
    throw new Error(`resolve thread file not found (run npm run build): tried ${candidates.join(', ')}`);
  return found;
}

export interface ResolvePool {
  readonly settings: Readonly<ResolvePoolSettings>;
  /** The underlying pool, for metrics (`utilization`, `queueSize`, …); submit work through `run`. */
  readonly piscina: Piscina<ResolveTask | StoreTask, ChunkResult | StoreChunkResult>;
  run(task: ResolveTask): Promise<ChunkResult>;
  /** Resolves a chunk of actor lines joined by '\n' on some thread. */
  resolveChunk(lines: string, firstLine?: number): Promise<ChunkResult>;
  /** Resolves a chunk of loaded actors into snapshots ready to store (the queue worker's task). */
  resolveForStore(task: StoreTask): Promise<StoreChunkResult>;
  /** Refuses new tasks, lets queued and running ones finish, then stops the threads. Idempotent. */
  close(): Promise<void>;
}

export function createResolvePool(options: ResolvePoolOptions): ResolvePool {
  const settings = resolvePoolSettings(options);
  // Sent as plain JSON, and checked here once so that a bad registry fails now, not in every thread.
  const workerData: ResolveThreadData = JSON.parse(
    JSON.stringify({ combiner: options.registries.combiner, capLayers: options.registries.capLayers }),
  ) as ResolveThreadData;
  compileRegistries(workerData.combiner, workerData.capLayers);
  const piscina = new Piscina<ResolveTask | StoreTask, ChunkResult | StoreChunkResult>({
    filename: resolveThreadFile(),
    minThreads: settings.minThreads,
    maxThreads: settings.threads,
    idleTimeout: settings.idleTimeout,
    maxQueue: settings.maxQueue,
    workerData,
  });
  // Graceful close without piscina's close(): in piscina 4.9 it leaves its closeTimeout timer (30 s)
  // referenced, which keeps the process alive that long. We drain our own tasks, then destroy.
  const inFlight = new Set<Promise<unknown>>();
  let closing: Promise<void> | undefined;
  const submit = <R>(task: ResolveTask | StoreTask, name?: string): Promise<R> => {
    if (closing !== undefined) return Promise.reject(new Error('the resolve pool is closed'));
    const pending = (name === undefined ? piscina.run(task) : piscina.run(task, { name })) as Promise<R>;
    inFlight.add(pending);
    const done = (): void => void inFlight.delete(pending);
    pending.then(done, done);
    return pending;
  };
  const run = (task: ResolveTask): Promise<ChunkResult> => submit<ChunkResult>(task);
  return {
    settings,
    piscina,
    run,
    resolveChunk: (lines, firstLine) => run(firstLine === undefined ? { lines } : { lines, firstLine }),
    resolveForStore: (task) => submit<StoreChunkResult>(task, STORE_TASK_NAME),
    close: () =>
      (closing ??= Promise.allSettled([...inFlight]).then(async () => {
        await piscina.destroy();
      })),
  };
}
